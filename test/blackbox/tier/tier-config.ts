/**
 * Shared by the tiered-caching suites: one distribution over a counting loopback origin, with
 * Server-Timing on every response, a viewer-request function that leaves a trace the origin sees
 * (`x-fn` gains an `f` per run), a behavior whose function refuses everyone, and nodes started as
 * real `edgefront serve` processes with a tier secret.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, startEdgeProcess } from '../../helpers/edge-process.js';

export const SECRET = 'tier-test-secret';
export const ALL_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'];

export function tierConfig(
  originPort: number,
  originShield?: { Enabled: boolean; OriginShieldRegion: string },
) {
  const target = {
    TargetOriginId: 'app',
    ViewerProtocolPolicy: 'allow-all',
    CachePolicyId: 'CachingOptimized',
    OriginRequestPolicyId: 'pass-x-fn',
    ResponseHeadersPolicyId: 'timing',
  };
  return {
    OriginRequestPolicies: [
      {
        Id: 'pass-x-fn',
        OriginRequestPolicyConfig: {
          Name: 'pass-x-fn',
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['x-fn'] },
          CookiesConfig: { CookieBehavior: 'none' },
          QueryStringsConfig: { QueryStringBehavior: 'all' },
        },
      },
    ],
    ResponseHeadersPolicies: [
      {
        Id: 'timing',
        ResponseHeadersPolicyConfig: {
          Name: 'timing',
          ServerTimingHeadersConfig: { Enabled: true, SamplingRate: 100 },
        },
      },
    ],
    Functions: [
      {
        Name: 'mark',
        FunctionConfig: { Runtime: 'cloudfront-js-2.0' },
        FunctionCode: `function handler(event) {
  var h = event.request.headers;
  h['x-fn'] = { value: (h['x-fn'] ? h['x-fn'].value : '') + 'f' };
  return event.request;
}`,
      },
      {
        Name: 'refuse',
        FunctionConfig: { Runtime: 'cloudfront-js-2.0' },
        FunctionCode:
          'function handler(event) { return { statusCode: 403, statusDescription: "Forbidden", body: { encoding: "text", data: "refused by the viewer function" } }; }',
      },
    ],
    Distributions: [
      {
        Id: 'E1TIER',
        DistributionConfig: {
          Enabled: true,
          Origins: [
            {
              Id: 'app',
              DomainName: '127.0.0.1',
              CustomOriginConfig: { HTTPPort: originPort, OriginProtocolPolicy: 'http-only' },
              ...(originShield && { OriginShield: originShield }),
            },
          ],
          DefaultCacheBehavior: {
            ...target,
            AllowedMethods: ALL_METHODS,
            FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: 'mark' }],
          },
          CacheBehaviors: [
            {
              ...target,
              PathPattern: '/private/*',
              FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: 'refuse' }],
            },
          ],
        },
      },
    ],
  };
}

export function writeTierConfig(
  dir: string,
  originPort: number,
  originShield?: { Enabled: boolean; OriginShieldRegion: string },
): Promise<string> {
  return writeYaml(dir, 'edgefront.yaml', tierConfig(originPort, originShield));
}

/** `edgefront serve --config CONFIG --pop POP ARGS…` with the tier secret (unless `secret` is null). */
export function startNode(
  config: string,
  pop: string,
  args: string[] = [],
  secret: string | null = SECRET,
): Promise<EdgeProcess> {
  const env = secret === null ? { EDGEFRONT_TIER_SECRET: '' } : { EDGEFRONT_TIER_SECRET: secret };
  return startEdgeProcess(['--config', config, '--pop', pop, ...args], { env });
}

/** The Via host a node with `--pop POP` on this machine puts in origin requests. */
export function viaHostOf(pop: string): string {
  return `${createHash('md5').update(`${hostname()}/${pop}`).digest('hex')}.cloudfront.net`;
}

/** A metric's `desc` in a Server-Timing value (`cdn-hit-layer` → `REC`). */
export function timingDesc(serverTiming: string | null, metric: string): string | undefined {
  const m = serverTiming?.match(new RegExp(`${metric};desc="([^"]*)"`));
  return m?.[1];
}
