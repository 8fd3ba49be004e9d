/**
 * Lambda@Edge event and result shapes (reference/lambda-edge.md §2–§3), and what the runtime
 * answers for one invocation. Field names are CloudFront's, verbatim.
 */
import type { EdgeEventType } from '../header-rules.js';

export type LambdaEventType = EdgeEventType;

/** One header line: `key` is the name as sent (optional on return: CloudFront title-cases the map name). */
export interface CfHeader {
  key?: string;
  value: string;
}
/** Lowercase header name → one entry per header line. */
export type CfHeaders = Record<string, CfHeader[]>;

export interface CfConfig {
  distributionDomainName: string;
  distributionId: string;
  eventType: LambdaEventType;
  requestId: string;
}

/** `request.body` when the association has IncludeBody (§4). */
export interface CfRequestBody {
  inputTruncated: boolean;
  action: 'read-only' | 'replace';
  encoding: 'base64' | 'text';
  data: string;
}

export interface CfCustomOrigin {
  customHeaders: CfHeaders;
  domainName: string;
  keepaliveTimeout: number;
  path: string;
  port: number;
  protocol: 'http' | 'https';
  readTimeout: number;
  sslProtocols: string[];
}

export interface CfS3Origin {
  authMethod: 'origin-access-identity' | 'none';
  customHeaders: CfHeaders;
  domainName: string;
  path: string;
  region?: string;
}

export type CfOrigin = { custom: CfCustomOrigin; s3?: undefined } | { s3: CfS3Origin; custom?: undefined };

export interface CfRequest {
  clientIp: string;
  method: string;
  uri: string;
  querystring: string;
  headers: CfHeaders;
  body?: CfRequestBody;
  /** origin-request (and, read-only, origin-response) only. */
  origin?: CfOrigin;
}

export interface CfResponse {
  /** A string on the wire ("200"); a returned number is accepted and normalised to a string. */
  status: string;
  statusDescription?: string;
  headers: CfHeaders;
  body?: string;
  bodyEncoding?: 'text' | 'base64';
}

export interface LambdaEdgeEvent {
  Records: [{ cf: { config: CfConfig; request: CfRequest; response?: CfResponse } }];
}

/** CloudFront's result types for a failed function (§8), with the viewer status each one means. */
export const LAMBDA_ERRORS = {
  /** Exception, `callback(err)`, the instance died (exit, out of memory), no response. */
  LambdaExecutionError: { status: 503 },
  /** The returned object breaks the event structure's rules (§3, §5, §6). */
  LambdaValidationError: { status: 502 },
  /** The function hit its timeout, or was throttled. */
  LambdaLimitExceeded: { status: 503 },
} as const;
export type LambdaErrorCode = keyof typeof LAMBDA_ERRORS;

/**
 * What the pipeline applies. Returned objects are normalised: every header entry has its `key`,
 * `status` is a string, `bodyEncoding` is set when `body` is, read-only fields keep the event's
 * values, and an origin-request result always carries its `origin`.
 */
export type LambdaOutcome =
  | {
      kind: 'request';
      request: CfRequest;
      /** The bytes to send instead of the viewer's body: only when the function set `body.action: 'replace'`. */
      bodyBytes?: Buffer;
    }
  | {
      kind: 'response';
      response: CfResponse;
      /** A request event returned it: not from the origin (`X-Cache: LambdaGeneratedResponse`). */
      generated: boolean;
      /** The decoded body when the function set one (`""` removes it); absent: keep the origin's. */
      bodyBytes?: Buffer;
    }
  | { kind: 'error'; error: LambdaErrorCode; message: string };

export type LambdaInvokeResult = LambdaOutcome & {
  /** The function's console output during this invocation (and any since the previous one), Lambda's format. */
  logs: readonly string[];
  /** From handing the event to a warm worker until its answer was validated. */
  durationMs: number;
  /** Set when this invocation had to start a worker (a cold start): how long loading the code took. */
  initDurationMs?: number;
};
