/**
 * The shapes CloudFront Functions exchange with CloudFront (reference/cloudfront-functions.md §3),
 * and what this engine hands back to the pipeline after validating a run.
 */

export type FunctionRuntime = 'cloudfront-js-1.0' | 'cloudfront-js-2.0';
export const FUNCTION_RUNTIMES: readonly FunctionRuntime[] = ['cloudfront-js-1.0', 'cloudfront-js-2.0'];

export type FunctionEventType = 'viewer-request' | 'viewer-response';

/** One query-string parameter, header or request cookie (§3.2). */
export interface EventValue {
  value: string;
  /** Present when the name occurs more than once; the first element duplicates `value`. */
  multiValue?: { value: string }[];
}

/** One response cookie: `attributes` is the raw `; `-joined text after `name=value` (§3.2). */
export interface EventResponseCookie {
  value: string;
  attributes?: string;
  multiValue?: { value: string; attributes?: string }[];
}

export interface FunctionEventRequest {
  method: string;
  uri: string;
  querystring?: Record<string, EventValue>;
  headers?: Record<string, EventValue>;
  cookies?: Record<string, EventValue>;
}

export interface FunctionEventResponse {
  statusCode: number;
  statusDescription?: string;
  headers?: Record<string, EventValue>;
  cookies?: Record<string, EventResponseCookie>;
}

/** The `event` a handler receives (§3). `response` exists for viewer-response events only. */
export interface FunctionEvent {
  version?: string;
  context: {
    eventType: FunctionEventType;
    distributionDomainName?: string;
    /** Multi-tenant distributions carry `endpoint` instead of `distributionDomainName`. */
    endpoint?: string;
    distributionId?: string;
    requestId?: string;
  };
  viewer: { ip: string };
  request: FunctionEventRequest;
  response?: FunctionEventResponse;
}

/**
 * A request as the pipeline applies it: every value of a name, in order. `headers` and
 * `cookies` are complete, built when first read; `changed` says what the function touched, so
 * the pipeline can skip the rest (and forward the original bytes of what it did not change, §5.2).
 */
export interface FunctionRequestOutput {
  method: string;
  uri: string;
  /** The query string to forward, without `?` (`''` for none). `RunOptions.rawQueryString` when unchanged. */
  querystring: string;
  readonly headers: Record<string, string[]>;
  readonly cookies: Record<string, string[]>;
  changed: { uri: boolean; querystring: boolean; headers: boolean; cookies: boolean };
}

export interface FunctionResponseCookieOutput {
  value: string;
  attributes: string;
}

/**
 * A response as the pipeline sends it. `body` absent: keep the cached/origin body
 * (viewer-response). For a response a viewer-request function generated, everything is `changed`.
 */
export interface FunctionResponseOutput {
  statusCode: number;
  statusDescription?: string;
  readonly headers: Record<string, string[]>;
  /** Each becomes one `Set-Cookie: name=value; attributes`. */
  readonly cookies: Record<string, FunctionResponseCookieOutput[]>;
  /** `data` is text, or base64 when `encoding` says so (already checked to decode). */
  body?: { encoding: 'text' | 'base64'; data: string };
  changed: { statusCode: boolean; headers: boolean; cookies: boolean; body: boolean };
}

export type FunctionOutput = { request: FunctionRequestOutput } | { response: FunctionResponseOutput };

/**
 * What `cf.updateRequestOrigin`, `cf.selectRequestOriginById` and `cf.createRequestOriginGroup`
 * asked for (§4.4.2), validated; the pipeline does the fetch. The last call of a run wins.
 */
export type OriginOverride =
  | { kind: 'update'; params: UpdateRequestOriginParams }
  | { kind: 'select'; originId: string; overrides?: OriginHostOverrides }
  | { kind: 'group'; params: RequestOriginGroupParams };

export interface OriginHostOverrides {
  hostHeader?: string;
  sni?: string;
  allowedCertificateNames?: string[];
}

export interface UpdateRequestOriginParams extends OriginHostOverrides {
  domainName?: string;
  originPath?: string;
  customHeaders?: Record<string, string>;
  connectionAttempts?: number;
  originShield?: { enabled: boolean; region?: string };
  originAccessControlConfig?: {
    enabled: boolean;
    signingBehavior?: 'always' | 'never' | 'no-override';
    signingProtocol?: 'sigv4';
    originType?: 's3' | 'mediapackagev2' | 'mediastore' | 'lambda';
    region?: string;
  };
  timeouts?: {
    readTimeout?: number;
    responseCompletionTimeout?: number;
    keepAliveTimeout?: number;
    connectionTimeout?: number;
  };
  customOriginConfig?: { port: number; protocol: 'http' | 'https'; sslProtocols: string[] };
  ipAddressType?: 'ipv4' | 'ipv6' | 'dualstack';
}

export interface RequestOriginGroupParams {
  originIds: { originId: string; originOverrides?: OriginHostOverrides }[];
  selectionCriteria: 'default' | 'media-quality-score';
  failoverCriteria: { statusCodes: number[] };
}

export type FunctionErrorKind = 'execution' | 'validation';

/** One invocation's outcome. `error` set ⇒ `output` undefined. */
export interface FunctionRunResult {
  output?: FunctionOutput;
  /** execution → 503 FunctionExecutionError; validation → 502 FunctionValidationError (§6). */
  error?: { kind: FunctionErrorKind; message: string };
  /** 0–100, deterministic: see README "Compute budget". */
  computeUtilization: number;
  /** console.log lines, at most 10 KB in total (§5). */
  logs: string[];
  /** Viewer-request only: the origin the helpers of the `cloudfront` module selected. */
  origin?: OriginOverride;
  /** TestFunction's `FunctionOutput`: JSON of what the handler returned (§7.1); `''` on error. */
  functionOutput: string;
}

/** Per-invocation inputs that are not part of CloudFront's event JSON. */
export interface RunOptions {
  /** Invocation start time in ms since the epoch: what `Date.now()`/`new Date()` return. Default: now. */
  now?: number;
  /**
   * `Math.random`: a number seeds the runtime's generator (deterministic sequence); a function is
   * called for each value (must return [0, 1)). Default: seeded with `now`, as CloudFront does.
   */
  random?: number | (() => number);
  /** The viewer's query string as received, without `?` (2.0 `request.rawQueryString()`). */
  rawQueryString?: string;
  /** 2.0 `cf.edgeLocation` (viewer-request only). */
  edgeLocation?: { name: string; serverIp: string; region: string };
}

/**
 * How the pipeline answers a failed run (reference §6). `src/errors.ts` does not list these
 * codes yet; the pipeline adds them from here.
 */
export const FUNCTION_ERRORS = {
  execution: { code: 'FunctionExecutionError', status: 503 },
  validation: { code: 'FunctionValidationError', status: 502 },
} as const satisfies Record<FunctionErrorKind, { code: string; status: number }>;
