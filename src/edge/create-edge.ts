/**
 * The programmatic edge (DESIGN.md; Miniflare-style for tests): build from a config object or
 * files, answer `edge.fetch()` in-process with no port, or `listen()` on real sockets;
 * `reload()` swaps the whole runtime atomically; the clock is injectable.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { DiskStore } from '../cache/disk-store.js';
import { EdgeCache, type PurgeRequest } from '../cache/edge-cache.js';
import { type Clock, systemClock } from '../clock.js';
import { loadConfigFiles, loadConfigObject } from '../config/load.js';
import { EdgeFunctionHost } from '../functions/edge-functions.js';
import type { EdgeModel } from '../model/types.js';
import { createOriginFetcher } from '../origin/index.js';
import { devCertificate } from './dev-cert.js';
import type { EdgeRuntime } from './exchange.js';
import { fetchInProcess } from './fetch-in-process.js';
import { buildRouteTable } from './route.js';
import { type HttpEngine, type Listening, startListeners } from './server.js';

export interface EdgeOptions {
  /** A native config object (or a CloudFormation template object). */
  config?: unknown;
  /** Receives edge functions' console.log lines, `<request id> <function>: <line>` (default: stderr). */
  functionLog?: (line: string) => void;
  /** Config files: native YAML/JSON or CloudFormation templates (`--config`). */
  configFiles?: string[];
  /** Directory that relative paths in `config` resolve against (default: cwd). */
  baseDir?: string;
  /** CloudFormation parameters (`--parameter`). */
  parameters?: Record<string, string>;
  /** Local buckets (`--bucket NAME=DIR`). */
  buckets?: Record<string, string>;
  /** `--s3-endpoint`. */
  s3Endpoint?: string;
  /** `--origin-override DOMAIN=URL`. */
  originOverrides?: Record<string, string>;
  clock?: Clock;
  /** `--pop`, shown in X-Amz-Cf-Pop (default DEV50-C1). */
  pop?: string;
  host?: string;
  /** Viewer HTTP port for listen(); 0 picks a free one (default 0). */
  port?: number;
  httpsPort?: number;
  adminPort?: number;
  /** `--state-dir`: where the dev certificate (and later, persisted state) lives. */
  stateDir?: string;
  /** TLS key pair for the HTTPS listener; a dev certificate is generated when absent. */
  tls?: { key: string; cert: string };
  /** `--http-engine`: the plain-HTTP viewer listener's parser (default 'node'). */
  httpEngine?: HttpEngine;
  /** `--cache-memory`: byte budget of the memory tier (default 256 MiB). */
  cacheMemoryBytes?: number;
  /** `--cache-disk`: byte budget of the disk tier in `<stateDir>/cache` (default 0: off). */
  cacheDiskBytes?: number;
}

export const DEFAULT_CACHE_MEMORY_BYTES = 256 * 1024 * 1024;

export interface Edge {
  /** Answers one request in-process, through the whole lifecycle, with no socket. */
  fetch(input: Request | string | URL, init?: RequestInit): Promise<Response>;
  /** Opens the listeners; resolves with their URLs once every one accepts traffic. */
  listen(): Promise<Listening>;
  /** Loads a new config (object or files; default: the same source again) and swaps it in atomically. */
  reload(config?: unknown): Promise<void>;
  close(): Promise<void>;
  readonly model: EdgeModel;
  /** The cache: `edge.cache.purge()` empties it, `{ distributionId, paths | tags }` invalidates. */
  readonly cache: EdgeCache;
  /** Invalidates cached objects; with no argument, everything (as `/*` on every distribution). */
  purge(request?: PurgeRequest): void;
  /** Config loader notes (skipped resources …). */
  readonly notes: readonly string[];
}

export async function createEdge(options: EdgeOptions = {}): Promise<Edge> {
  const clock = options.clock ?? systemClock;
  const pop = options.pop ?? 'DEV50-C1';
  const viaHost = `${createHash('md5').update(`${hostname()}/${pop}`).digest('hex')}.cloudfront.net`;
  const cliBuckets = new Map(
    Object.entries(options.buckets ?? {}).map(([name, dir]) => [name, resolve(dir)]),
  );
  const loadOptions = { parameters: options.parameters, buckets: cliBuckets };
  let listening: Listening | undefined;
  // One cache for the edge's lifetime: reloads keep it warm (keys start with the distribution id).
  const disk = options.cacheDiskBytes
    ? await DiskStore.open({
        dir: join(resolve(options.stateDir ?? '.edgefront'), 'cache'),
        budgetBytes: options.cacheDiskBytes,
      })
    : undefined;
  const cache = new EdgeCache({
    memoryBytes: options.cacheMemoryBytes ?? DEFAULT_CACHE_MEMORY_BYTES,
    clock,
    disk,
  });
  let notes: readonly string[] = [];
  const functionHost = new EdgeFunctionHost();
  const functionLog = options.functionLog ?? ((line: string) => process.stderr.write(`${line}\n`));

  async function load(source: unknown): Promise<EdgeModel> {
    const result =
      source === undefined
        ? await loadConfigFiles(options.configFiles ?? [], loadOptions)
        : loadConfigObject(source, { ...loadOptions, baseDir: options.baseDir ?? process.cwd() });
    notes = [...result.notes, ...unbuiltFeatureNotes(result.model)];
    return result.model;
  }

  function buildRuntime(model: EdgeModel): EdgeRuntime {
    return {
      model,
      routes: buildRouteTable(model),
      fetcher: createOriginFetcher({
        buckets: model.buckets,
        s3Endpoint: options.s3Endpoint ? new URL(options.s3Endpoint) : undefined,
        originOverrides: new Map(
          Object.entries(options.originOverrides ?? {}).map(([domain, url]) => [
            domain.toLowerCase(),
            new URL(url),
          ]),
        ),
      }),
      clock,
      pop,
      viaHost,
      viewerVia: `1.1 ${viaHost} (CloudFront)`,
      cache,
      functions: functionHost.forModel(model),
      functionLog,
      httpsPort: listening?.https ? Number(listening.https.port) : options.httpsPort,
    };
  }

  let runtime = buildRuntime(await load(options.configFiles ? undefined : (options.config ?? {})));

  const edge: Edge = {
    get model() {
      return runtime.model;
    },
    get notes() {
      return notes;
    },
    cache,
    purge: (request) => cache.purge(request),
    fetch: (input, init) => fetchInProcess(runtime, new Request(input, init)),
    async listen() {
      if (listening) return listening;
      const tls =
        options.httpsPort === undefined
          ? undefined
          : (options.tls ?? (await devCertificate(resolve(options.stateDir ?? '.edgefront'))));
      listening = await startListeners(
        {
          host: options.host ?? '127.0.0.1',
          port: options.port ?? 0,
          httpsPort: options.httpsPort,
          adminPort: options.adminPort,
          tls,
          httpEngine: options.httpEngine,
        },
        () => runtime,
        () => true,
      );
      runtime = { ...runtime, httpsPort: listening.https ? Number(listening.https.port) : undefined }; // for redirects
      return listening;
    },
    async reload(config) {
      // No argument: the same source again (the config files, re-read).
      const source = config ?? (options.configFiles ? undefined : (options.config ?? {}));
      const next = buildRuntime(await load(source));
      const previous = runtime;
      runtime = next; // atomic: requests already running keep the runtime they started with
      await previous.fetcher.close();
    },
    async close() {
      await listening?.close();
      listening = undefined;
      await runtime.fetcher.close();
      await functionHost.close();
    },
  };
  return edge;
}

/**
 * Parts of a config that load and validate but that this build does not execute yet: said
 * once at startup rather than skipped silently.
 */
function unbuiltFeatureNotes(model: EdgeModel): string[] {
  const out: string[] = [];
  for (const dist of model.distributions) {
    for (const behavior of dist.behaviors) {
      const where = `${dist.Id} behavior ${behavior.PathPattern}`;
      if (behavior.config.ResponseHeadersPolicyId) {
        out.push(
          `${where}: response headers policy ${behavior.config.ResponseHeadersPolicyId} is not applied yet`,
        );
      }
      if (behavior.config.TrustedKeyGroups?.length || behavior.config.TrustedSigners?.length) {
        out.push(`${where}: signed URLs/cookies are not enforced yet (issue #6)`);
      }
    }
    for (const origin of dist.origins.values()) {
      if (origin.config.OriginAccessControlId && !model.buckets.has(origin.bucket ?? '')) {
        out.push(
          `${dist.Id} origin ${origin.config.Id}: OAC signing is not done yet (issue #6); requests go unsigned`,
        );
      }
    }
    if (dist.DistributionConfig.Restrictions.GeoRestriction.RestrictionType !== 'none') {
      out.push(`${dist.Id}: geo restriction is not applied (edgefront has no IP geolocation database)`);
    }
  }
  return out;
}
