/**
 * A response headers policy as the data plane applies it (reference/distribution.md §8), compiled
 * once when the model is built (src/config/resolve-response-headers.ts): header names lowercase,
 * values formatted, origin patterns compiled. Applying it parses nothing
 * (src/edge/response-headers/).
 */

export interface ResponseHeadersPolicyModel {
  readonly Id: string;
  /** RemoveHeadersConfig, lowercase: removed before anything is added. */
  readonly remove: readonly string[];
  /** `Server` is removed: CloudFront then sends its own, `Server: CloudFront`. */
  readonly replacesServer: boolean;
  readonly cors: CorsModel | undefined;
  /** Security headers, then custom headers, in the order applied. */
  readonly add: readonly PolicyHeader[];
  /** ServerTimingHeadersConfig.SamplingRate (0–100) when Server-Timing is enabled. */
  readonly serverTimingRate: number | undefined;
}

export interface PolicyHeader {
  readonly name: string; // lowercase
  readonly value: string;
  /** Replace the origin's header of that name (else the origin's wins when it sent one). */
  readonly override: boolean;
}

/** CorsConfig with each header value ready to send. */
export interface CorsModel {
  /** `*` is among AccessControlAllowOrigins. */
  readonly anyOrigin: boolean;
  /** The other allowed origins as one pattern over the request's `Origin`. */
  readonly origins: RegExp | undefined;
  readonly allowCredentials: boolean;
  readonly exposeHeaders: string | undefined;
  /** Preflight only: Access-Control-Allow-Methods (`ALL` expanded). */
  readonly allowMethods: string | undefined;
  /** Preflight only: the names and `*` of AccessControlAllowHeaders. */
  readonly allowHeaders: string | undefined;
  /** Preflight only: patterns such as `x-amz-*`, matched against Access-Control-Request-Headers. */
  readonly allowHeaderPatterns: RegExp | undefined;
  /** Preflight only: Access-Control-Max-Age. */
  readonly maxAgeSec: string | undefined;
  readonly originOverride: boolean;
}
