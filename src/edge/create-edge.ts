/**
 * The programmatic edge (DESIGN.md; Miniflare-style for tests): build from a config object or
 * files, answer `edge.fetch()` in-process with no port, or `listen()` on real sockets;
 * `reload()` swaps the whole runtime atomically; the clock is injectable.
 */
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DiskStore } from '../cache/disk-store.js';
import { EdgeCache, type PurgeRequest } from '../cache/edge-cache.js';
import { type Clock, systemClock } from '../clock.js';
import type { ClusterNode } from '../cluster/cluster-node.js';
import type { ClusterSettings } from '../cluster/settings.js';
import { type ConfigOverlay, loadConfigFiles, loadConfigObject } from '../config/load.js';
import { createControlApi } from '../control/api/index.js';
import { ControlPlane } from '../control/control-plane.js';
import { overlayOf } from '../control/state.js';
import { FileStateStore } from '../control/state-store.js';
import { EdgeFunctionHost } from '../functions/edge-functions.js';
import type { EdgeModel } from '../model/types.js';
import { createOriginFetcher } from '../origin/index.js';
import { devCertificate } from './dev-cert.js';
import type { EdgeRuntime } from './exchange.js';
import { fetchInProcess } from './fetch-in-process.js';
import { GeoDatabaseFile } from './geo/database.js';
import { requireGeoDatabase } from './geo/restriction.js';
import { geoRuntime } from './geo/viewer-location.js';
import { buildRouteTable } from './route.js';
import { type HttpEngine, type Listening, startListeners, type ViewerTimeouts } from './server.js';
import { TierClient } from './tier/client.js';
import { originShieldNotes, tierSettings } from './tier/settings.js';

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
  /** `--http-engine`: the plain-HTTP viewer listener's parser (default 'edgefront'). */
  httpEngine?: HttpEngine;
  /** The plain-HTTP viewer port's timeouts (src/edge/server.ts; default 60 s each): tests pass small ones. */
  viewerTimeouts?: Partial<ViewerTimeouts>;
  /** `--cache-memory`: byte budget of the memory tier (default 256 MiB). */
  cacheMemoryBytes?: number;
  /** `--cache-disk`: byte budget of the disk tier in `<stateDir>/cache` (default 0: off). */
  cacheDiskBytes?: number;
  /**
   * Keys the control API accepts (SigV4/SigV4A). Absent: requests are not verified, which
   * `serve` allows only on a loopback address.
   */
  adminCredentials?: readonly { accessKeyId: string; secretAccessKey: string }[];
  /** Account id in ARNs (default EDGEFRONT_ACCOUNT_ID or 123456789012). */
  accountId?: string;
  /**
   * `--geoip`: a MaxMind City or Country .mmdb for geo restriction and the CloudFront-Viewer-*
   * location headers; read at start, again on reload when it changed. Required by any
   * distribution with a geo restriction.
   */
  geoip?: string;
  /** Dev/test only: believe `X-Edgefront-Dev-Viewer-Address` from loopback peers (src/edge/geo/). */
  devViewerAddressHeader?: boolean;
  /**
   * Tiered caching (src/edge/tier/): `parent` (`--parent URL`), `originShields`
   * (`--origin-shield REGION=URL`), and the secret shared by every node of the tier hierarchy
   * (`EDGEFRONT_TIER_SECRET`), required by either and by a node that acts as a tier.
   */
  tier?: { parent?: string; originShields?: Record<string, string>; secret?: string };
  /** `--redis URL`: cluster mode, the control state shared through Redis (src/cluster/README.md). */
  redis?: string;
  /** Cluster timing (default: from the environment, src/cluster/settings.ts). */
  clusterSettings?: ClusterSettings;
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
  /** The control plane behind the admin port's CloudFront API. */
  readonly controlPlane: ControlPlane;
}

export async function createEdge(options: EdgeOptions = {}): Promise<Edge> {
  const accountId = options.accountId ?? process.env.EDGEFRONT_ACCOUNT_ID ?? '123456789012';
  // Without a state directory the API still works; its state lives in a private temporary one.
  const stateDir = options.stateDir
    ? resolve(options.stateDir)
    : join(tmpdir(), `edgefront-state-${process.pid}-${randomBytes(6).toString('hex')}`);
  // Cluster mode: caught up with the shared state before anything is built or served. Imported
  // only in cluster mode: merely loading ioredis made every cache hit cost ~10k more instructions
  // (53.8k → 64.5k, bench/hit-instructions.ts), all in V8's generic property-load code.
  const cluster = options.redis
    ? await (await import('../cluster/cluster-node.js')).ClusterNode.connect({
        url: options.redis,
        stateDir,
        accountId,
        settings: options.clusterSettings,
      })
    : undefined;
  try {
    return await buildEdge(options, { accountId, stateDir, cluster });
  } catch (err) {
    await cluster?.close(); // a node that does not start leaves no connection behind
    throw err;
  }
}

async function buildEdge(
  options: EdgeOptions,
  { accountId, stateDir, cluster }: { accountId: string; stateDir: string; cluster: ClusterNode | undefined },
): Promise<Edge> {
  const clock = options.clock ?? systemClock;
  const pop = options.pop ?? 'DEV50-C1';
  const viaHost = `${createHash('md5').update(`${hostname()}/${pop}`).digest('hex')}.cloudfront.net`;
  const cliBuckets = new Map(
    Object.entries(options.buckets ?? {}).map(([name, dir]) => [name, resolve(dir)]),
  );
  const loadOptions = { parameters: options.parameters, buckets: cliBuckets, accountId };
  const stateStore = cluster?.store ?? new FileStateStore(stateDir);
  const startState = cluster?.initialState ?? (await stateStore.load());
  let overlay: ConfigOverlay = overlayOf(startState, stateDir);
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
  // What this node missed while it was away is purged before it can answer from its cache.
  for (const purge of cluster?.missed ?? []) cache.purge(purge);
  let notes: readonly string[] = [];
  const functionHost = new EdgeFunctionHost();
  const functionLog = options.functionLog ?? ((line: string) => process.stderr.write(`${line}\n`));
  const geoFile = options.geoip === undefined ? undefined : new GeoDatabaseFile(resolve(options.geoip));
  const tierConfig = tierSettings(options.tier);
  const tier = tierConfig && new TierClient(tierConfig);

  async function load(source: unknown, withOverlay: ConfigOverlay): Promise<EdgeModel> {
    const result =
      source === undefined
        ? await loadConfigFiles(options.configFiles ?? [], { ...loadOptions, overlay: withOverlay })
        : loadConfigObject(source, {
            ...loadOptions,
            overlay: withOverlay,
            baseDir: options.baseDir ?? process.cwd(),
          });
    requireGeoDatabase(result.model, await geoFile?.refresh());
    notes = [
      ...result.notes,
      ...unbuiltFeatureNotes(result.model),
      ...originShieldNotes(result.model, tierConfig),
    ];
    return result.model;
  }

  function buildRuntime(model: EdgeModel): EdgeRuntime {
    return {
      model,
      routes: buildRouteTable(model),
      fetcher: createOriginFetcher({
        buckets: model.buckets,
        originAccessControls: model.originAccessControls,
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
      geo: geoRuntime(geoFile?.loaded, options.devViewerAddressHeader),
      ...(tier && { tier }),
      httpsPort: listening?.https ? Number(listening.https.port) : options.httpsPort,
    };
  }

  const configSource = () => (options.configFiles ? undefined : (options.config ?? {}));
  let runtime = buildRuntime(await load(configSource(), overlay));

  async function swapIn(next: EdgeRuntime): Promise<void> {
    const previous = runtime;
    runtime = next; // atomic: requests already running keep the runtime they started with
    await previous.fetcher.close();
  }

  const controlPlane = new ControlPlane(
    stateStore,
    {
      async stage(nextOverlay) {
        const next = buildRuntime(await load(configSource(), nextOverlay));
        return async () => {
          overlay = nextOverlay;
          await swapIn(next);
        };
      },
      model: () => runtime.model,
      purge: (request) => cache.purge(request),
      keyValueStore: (arn) => runtime.functions.keyValueStore(arn),
      clock,
      accountId,
    },
    startState,
  );
  cluster?.attach(controlPlane);
  await controlPlane.resumeInvalidations();
  const adminApi = createControlApi(controlPlane, options.adminCredentials);

  const edge: Edge = {
    get model() {
      return runtime.model;
    },
    get notes() {
      return notes;
    },
    cache,
    controlPlane,
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
          viewerTimeouts: options.viewerTimeouts,
          adminApi,
        },
        () => runtime,
        () => true,
      );
      runtime = { ...runtime, httpsPort: listening.https ? Number(listening.https.port) : undefined }; // for redirects
      return listening;
    },
    async reload(config) {
      // No argument: the same source again (the config files, re-read).
      const source = config ?? configSource();
      await swapIn(buildRuntime(await load(source, overlay)));
    },
    async close() {
      await cluster?.close();
      await listening?.close();
      listening = undefined;
      await runtime.fetcher.close();
      await tier?.close();
      await functionHost.close();
      if (!options.stateDir) await rm(stateDir, { recursive: true, force: true });
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
      if (behavior.config.TrustedSigners?.length) {
        out.push(
          `${where}: TrustedSigners (an AWS account's CloudFront key pairs) cannot be checked locally, so requests signed by them get 403 InvalidKey; trust a key group instead (PublicKeys + KeyGroups, TrustedKeyGroups)`,
        );
      }
    }
    for (const origin of dist.origins.values()) {
      if (origin.config.S3OriginConfig?.OriginAccessIdentity && !model.buckets.has(origin.bucket ?? '')) {
        out.push(
          `${dist.Id} origin ${origin.config.Id}: an origin access identity cannot be assumed outside CloudFront; requests go unsigned (use an origin access control, or --bucket)`,
        );
      }
    }
  }
  return out;
}
