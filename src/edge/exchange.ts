/**
 * One viewer request, its response, and everything decided about it on the way
 * (STYLE.md §2). Phases read and write the Exchange; only `lifecycle.ts` knows their order.
 * Transport-neutral: node:http, node:http2 and `edge.fetch()` all build the same Exchange.
 */
import type { Readable } from 'node:stream';
import type { EdgeCache } from '../cache/edge-cache.js';
import type { CacheEntry } from '../cache/types.js';
import type { Clock } from '../clock.js';
import type { OriginOverride } from '../functions/cloudfront/index.js';
import type { EdgeFunctions } from '../functions/edge-functions.js';
import type { CfRequest } from '../functions/lambda/index.js';
import type { BehaviorModel, DistributionModel, EdgeModel, OriginModel } from '../model/types.js';
import type { OriginFetcher, OriginRequest } from '../origin/types.js';
import type { GeoDatabase } from './geo/database.js';
import type { GeoRuntime } from './geo/viewer-location.js';
import { newRequestId } from './request-id.js';
import type { RouteTable } from './route.js';
import type { TierClient } from './tier/client.js';

export type HttpVersion = '1.0' | '1.1' | '2.0';

export interface ViewerRequest {
  readonly method: string;
  /** Raw (still percent-encoded) path without the query string, as CloudFront matches it. */
  readonly path: string;
  /** Raw query string without `?`; '' when there is none. */
  readonly query: string;
  /** Lowercase names, as node:http gives them; HTTP/2 pseudo-headers removed. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /**
   * Names and values alternating, in the order received, as node:http's `rawHeaders` (HTTP/2
   * pseudo-headers may be included): for CloudFront-Viewer-Header-Order/-Count, read only
   * when a policy asks for them (see `viewerHeaderNames`).
   */
  readonly rawHeaders: readonly string[];
  readonly body: Readable | null;
  readonly protocol: 'http' | 'https';
  readonly httpVersion: HttpVersion;
  readonly clientIp: string;
  readonly clientPort: number;
  /** TLS details for CloudFront-Viewer-TLS, when the viewer used HTTPS. */
  readonly tls?: { readonly version: string; readonly cipher: string; readonly resumed: boolean };
  /** The `--geoip` database, attached in viewer-request: `geo.locate(clientIp)` (src/edge/geo/). */
  readonly geo?: GeoDatabase;
}

export interface EdgeResponse {
  status: number;
  /** Lowercase names; `set-cookie` may be an array. */
  headers: Record<string, string | string[]>;
  body: Readable | Buffer | null;
  /**
   * The headers hold nothing viewer-response has to filter (hop-by-hop, Set-Cookie, Vary), so
   * it only adds its own: set for cache hits whose stored headers allow it (the hot path).
   */
  viewerSafe?: boolean;
  /**
   * The cache entry's stored headers, which `headers` starts with unchanged, for a sender that
   * writes them pre-rendered (src/edge/http1/response-head.ts). Set only on a viewerSafe hit;
   * whatever could change those headers (a response headers policy, a viewer-response function)
   * clears it or makes a new response without it.
   */
  storedHeaders?: Readonly<Record<string, string | string[]>>;
}

/** CloudFront's result types, as they appear in `X-Cache: <type> from cloudfront` and in logs. */
export type ResultType =
  | 'Hit'
  | 'RefreshHit'
  | 'Miss'
  | 'Error'
  | 'Redirect'
  | 'FunctionGeneratedResponse'
  | 'LambdaGeneratedResponse'
  | 'FunctionExecutionError'
  | 'FunctionValidationError'
  | 'LambdaExecutionError'
  | 'LambdaValidationError'
  | 'LambdaLimitExceeded';

/** What an edge serves with, swapped as a whole on reload so a request never sees half a config. */
export interface EdgeRuntime {
  readonly model: EdgeModel;
  readonly routes: RouteTable;
  readonly fetcher: OriginFetcher;
  readonly clock: Clock;
  /** `--pop`: shown in X-Amz-Cf-Pop. */
  readonly pop: string;
  /** `<32 hex>.cloudfront.net`, fixed per node, used in both Via headers. */
  readonly viaHost: string;
  /** `1.1 <viaHost> (CloudFront)`: the Via header toward viewers. */
  readonly viewerVia: string;
  /** The HTTPS listener's port, for redirect-to-https Location headers (undefined: none). */
  readonly httpsPort: number | undefined;
  /** The cache (memory and disk tiers, invalidations, collapsing); shared across reloads. */
  readonly cache: EdgeCache;
  /** This config's edge functions (src/functions/edge-functions.ts). */
  readonly functions: EdgeFunctions;
  /** Where edge functions' console output goes (one line per call). */
  readonly functionLog: (line: string) => void;
  /** `--geoip` and the dev viewer-address affordance (src/edge/geo/); undefined when neither. */
  readonly geo?: GeoRuntime;
  /** Tiered caching (`--parent`, `--origin-shield`, the tier secret: src/edge/tier/); undefined when off. */
  readonly tier?: TierClient;
}

const NO_ORIGINS: readonly OriginModel[] = Object.freeze([]);

/**
 * What only a miss, an error or an edge function records about an exchange, with the value
 * every exchange starts with. A cache hit never sets these, so they live in an object made on
 * the first write (`Exchange.misses`) rather than in every Exchange: twelve fields fewer for a
 * hit to allocate (bench/README.md, "Direct sends and a smaller Exchange").
 */
class MissRecord {
  /**
   * The origin to fetch from, or an origin group's members in failover order. Starts as one
   * shared empty list (replaced, never pushed to).
   */
  originCandidates: readonly OriginModel[] = NO_ORIGINS;
  /** x-edge-detailed-result-type when it differs from `result` (e.g. OriginConnectError). */
  detailedResult: string | undefined = undefined;
  /** An expired entry kept for revalidation (RefreshHit) and for serving stale on errors. */
  stale: CacheEntry | undefined = undefined;
  /** Set when this request leads a collapsed miss: call once its response is stored (or not). */
  collapseDone: (() => void) | undefined = undefined;
  /**
   * A GET with Range on a cacheable miss: the origin is asked for the whole object and the
   * edge applies the range (src/edge/range-response.ts).
   */
  widenedRange = false;
  /** The origin a viewer-request function chose with the `cloudfront` module's helpers. */
  originOverride: OriginOverride | undefined = undefined;
  /** What an origin-request Lambda@Edge handler returned: the request to send the primary origin. */
  originRequestOverride: { request: CfRequest; body: Buffer | undefined } | undefined = undefined;
  /** The request sent to the origin that answered (for origin-response handlers). */
  sentOriginRequest: OriginRequest | undefined = undefined;
  /** The response body feeds a cache fill: read it to its end even if the viewer stops reading. */
  fillingCache = false;
  /** An origin-request handler answered: cached like an origin response. */
  lambdaGeneratedAtOrigin = false;
  /** Failover status codes of an origin group a viewer-request function created. */
  failoverCodes: readonly number[] | undefined = undefined;
  /** InvalidationLog sequence taken when the origin request was sent. */
  originSequence = 0;
}

const MISS_DEFAULTS = new MissRecord();

type MissField = keyof MissRecord;

export class Exchange {
  readonly requestId = newRequestId();
  readonly startedAtMs: number;
  distribution: DistributionModel | undefined;
  behavior: BehaviorModel | undefined;
  /** The path asked of the origin before OriginPath: the viewer path, or the DefaultRootObject. */
  originPath: string;
  response: EdgeResponse | undefined;
  result: ResultType = 'Miss';
  /** Close the viewer connection after this response (413 for oversized requests). */
  closeConnection = false;
  /** The cache key, when this request may be answered from or stored in the cache. */
  cacheKey: string | undefined;
  /** The status the origin answered (before a custom error page replaced it). */
  originStatus: number | undefined;
  /** The MissRecord fields (see there), made on the first write of a value other than its start. */
  misses: MissRecord | null = null;
  // Accessors to `misses` (defined below the class), read and written as ordinary properties.
  declare originCandidates: MissRecord['originCandidates'];
  declare detailedResult: MissRecord['detailedResult'];
  declare stale: MissRecord['stale'];
  declare collapseDone: MissRecord['collapseDone'];
  declare widenedRange: MissRecord['widenedRange'];
  declare originOverride: MissRecord['originOverride'];
  declare originRequestOverride: MissRecord['originRequestOverride'];
  declare sentOriginRequest: MissRecord['sentOriginRequest'];
  declare fillingCache: MissRecord['fillingCache'];
  declare lambdaGeneratedAtOrigin: MissRecord['lambdaGeneratedAtOrigin'];
  declare failoverCodes: MissRecord['failoverCodes'];
  declare originSequence: MissRecord['originSequence'];

  constructor(
    readonly runtime: EdgeRuntime,
    /** Replaced (never mutated) when a viewer-request function changes the request. */
    public request: ViewerRequest,
  ) {
    this.startedAtMs = runtime.clock.now();
    this.originPath = request.path;
  }

  /** Viewer header names in the order received, without HTTP/2 pseudo-headers. */
  static viewerHeaderNames(req: ViewerRequest): string[] {
    const names: string[] = [];
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) if (raw[i].charCodeAt(0) !== 58 /* : */) names.push(raw[i]);
    return names;
  }

  header(name: string): string | undefined {
    const v = this.request.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  }
}

/**
 * A copy of `ex` that its later changes do not reach (its own fields and its MissRecord), for
 * work that outlives the viewer's exchange: a background refresh. Never a spread, which would
 * leave out the MissRecord fields (accessors on the prototype).
 */
export function copyExchange(ex: Exchange): Exchange {
  const copy = Object.assign(Object.create(Exchange.prototype) as Exchange, ex);
  if (ex.misses !== null) copy.misses = Object.assign(new MissRecord(), ex.misses);
  return copy;
}

// The MissRecord fields as accessors on Exchange: a read before any write gives the start
// value, and writing the start value to an exchange without a record makes none (a hit sets
// `widenedRange = false` on its way).
for (const name of Object.keys(MISS_DEFAULTS) as MissField[]) {
  const start = MISS_DEFAULTS[name];
  Object.defineProperty(Exchange.prototype, name, {
    get(this: Exchange) {
      return this.misses === null ? start : this.misses[name];
    },
    set(this: Exchange, value: unknown) {
      if (this.misses === null) {
        if (value === start) return;
        this.misses = new MissRecord();
      }
      (this.misses as unknown as Record<MissField, unknown>)[name] = value;
    },
  });
}
