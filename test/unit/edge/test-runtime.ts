/**
 * An `EdgeRuntime` for listener tests that build a viewer server themselves (`createHttp1Server`,
 * `createNodeViewerServer`): one distribution allowing all seven methods over a loopback origin
 * (or `config`), a 1 MiB cache, and the real origin fetcher, which `wrapFetcher` may stand in
 * front of.
 */
import { EdgeCache } from '../../../src/cache/edge-cache.js';
import { systemClock } from '../../../src/clock.js';
import { loadConfigObject } from '../../../src/config/load.js';
import type { EdgeRuntime } from '../../../src/edge/exchange.js';
import { buildRouteTable } from '../../../src/edge/route.js';
import { EdgeFunctionHost } from '../../../src/functions/edge-functions.js';
import { createOriginFetcher } from '../../../src/origin/index.js';
import type { OriginFetcher } from '../../../src/origin/types.js';
import { allMethodsConfig } from '../../helpers/config.js';

export function testRuntime(
  originPort: number,
  wrapFetcher: (fetcher: OriginFetcher) => OriginFetcher = (fetcher) => fetcher,
  config: unknown = allMethodsConfig(originPort),
): { runtime: EdgeRuntime; close(): Promise<void> } {
  const { model } = loadConfigObject(config);
  const functionHost = new EdgeFunctionHost();
  const fetcher = createOriginFetcher({ buckets: model.buckets, originOverrides: new Map() });
  const runtime: EdgeRuntime = {
    model,
    routes: buildRouteTable(model),
    fetcher: wrapFetcher(fetcher),
    clock: systemClock,
    pop: 'TST50-C1',
    viaHost: 'listeners.cloudfront.net',
    viewerVia: '1.1 listeners.cloudfront.net (CloudFront)',
    httpsPort: undefined,
    cache: new EdgeCache({ memoryBytes: 1 << 20, clock: systemClock }),
    functions: functionHost.forModel(model),
    functionLog: () => {},
  };
  return {
    runtime,
    close: async () => {
      await fetcher.close();
      await functionHost.close();
    },
  };
}
