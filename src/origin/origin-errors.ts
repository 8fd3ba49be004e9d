/**
 * Maps transport failures (undici, net, tls, dns) to CloudFront's detailed result types
 * (origins.md §5 "Error mapping"), decides which of them may be retried under
 * ConnectionAttempts, and which of an origin group's primary outcomes send the request on to
 * the secondary (§6). Pure functions: the retry loop lives in custom-http.ts, the failover in
 * src/edge/phases/origin-fetch.ts.
 */
import { EdgeError, type EdgeErrorCode } from '../errors.js';

/**
 * - `refused`: the connection never opened (refused, connect timeout, unreachable): nothing
 *   was sent, so any method may be retried.
 * - `reset`: the connection opened but died before a response (reset, "other side closed");
 *   the request may have reached the origin.
 * - `dns`, `timeout` (no response headers within OriginReadTimeout), `invalid`, `too-big`,
 *   `tls` (handshake or certificate failure: never transient), `other` (not the origin's fault).
 */
export type FailureKind =
  | 'refused'
  | 'reset'
  | 'dns'
  | 'dns-transient'
  | 'timeout'
  | 'invalid'
  | 'too-big'
  | 'tls'
  | 'other';

const KIND_BY_CODE: Record<string, FailureKind> = {
  ECONNREFUSED: 'refused',
  UND_ERR_CONNECT_TIMEOUT: 'refused',
  ETIMEDOUT: 'refused',
  EHOSTUNREACH: 'refused',
  ENETUNREACH: 'refused',
  EHOSTDOWN: 'refused',
  EADDRNOTAVAIL: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  UND_ERR_SOCKET: 'reset',
  ENOTFOUND: 'dns',
  EAI_FAIL: 'dns',
  EAI_NONAME: 'dns',
  EAI_NODATA: 'dns',
  EAI_AGAIN: 'dns-transient',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_OVERFLOW: 'too-big',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'invalid',
  UND_ERR_INFO: 'invalid',
};

/** Node's TLS codes and OpenSSL's X509 verify codes, as set on `err.code`. */
const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_)|CERT|SIGNATURE|^UNABLE_TO_|^HOSTNAME_MISMATCH$|^INVALID_(CA|PURPOSE)$|^PATH_LENGTH_EXCEEDED$|^CRL_/;

export function classifyFailure(err: unknown): FailureKind {
  const { code, name } = (err ?? {}) as { code?: unknown; name?: unknown };
  // llhttp: the origin spoke something that is not HTTP/1.1 (its code is sometimes unset).
  if (name === 'HTTPParserError') return 'invalid';
  if (typeof code !== 'string') return 'other';
  const known = KIND_BY_CODE[code];
  if (known) return known;
  if (code.startsWith('HPE_')) return 'invalid';
  // Node's TLS and OpenSSL certificate codes (ERR_TLS_CERT_ALTNAME_INVALID, ERR_SSL_…,
  // DEPTH_ZERO_SELF_SIGNED_CERT, UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_HAS_EXPIRED, …).
  if (TLS_CODE.test(code)) return 'tls';
  return 'other';
}

/**
 * Whether another attempt is allowed (origins.md §5): connects are retried for every method;
 * a reset before the response and a read timeout only for GET/HEAD, because a POST may
 * already have reached the origin ("DELETE/OPTIONS/PATCH/PUT/POST: drop, no retry").
 */
export function isRetryable(kind: FailureKind, idempotent: boolean): boolean {
  switch (kind) {
    case 'refused':
    case 'dns-transient':
      return true;
    case 'reset':
    case 'timeout':
      return idempotent;
    default:
      return false;
  }
}

const CODE_BY_KIND: Record<FailureKind, EdgeErrorCode> = {
  refused: 'OriginConnectError',
  reset: 'OriginConnectError',
  tls: 'OriginConnectError', // origins.md §1.2: a bad certificate makes CloudFront drop the connection, 502
  dns: 'OriginDnsError',
  'dns-transient': 'OriginDnsError',
  timeout: 'OriginCommError',
  invalid: 'OriginInvalidResponseError',
  'too-big': 'OriginHeaderTooBigError',
  other: 'Error',
};

/** The EdgeError for a failure that will not be retried; the transport error stays as `cause`. */
export function toEdgeError(kind: FailureKind, err: unknown, attempts: number): EdgeError {
  if (err instanceof EdgeError) return err;
  const code = CODE_BY_KIND[kind];
  const detail = (err as Error | null)?.message ?? String(err);
  const message = code === 'Error' ? undefined : `${code}: ${detail} (after ${attempts} attempt(s))`;
  return new EdgeError(code, message, { cause: err });
}

/** origins.md §6: only these viewer methods fail over; any other gets the primary's answer or error. */
export const FAILOVER_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The FailoverCriteria status that covers a failure to get any answer from the primary
 * (origins.md §6, and its [conflict] note: CloudFront ties connection failures to 503 and
 * timeouts to 504 being listed):
 * - 503: no connection after ConnectionAttempts (refused, ConnectionTimeout, reset before a
 *   response, DNS, TLS handshake or certificate);
 * - 504: no response within OriginReadTimeout (after ConnectionAttempts tries for GET/HEAD);
 * - 502: an answer that is not HTTP, or response headers over 20,480 bytes. AWS does not say
 *   whether these fail over; they are what CloudFront answers 502 Bad Gateway for, so they
 *   count as the primary answering 502.
 * Anything else (function or internal errors) never fails over.
 */
export function failoverStatusOf(code: EdgeErrorCode): number | undefined {
  switch (code) {
    case 'OriginConnectError':
    case 'OriginDnsError':
      return 503;
    case 'OriginCommError':
      return 504;
    case 'OriginInvalidResponseError':
    case 'OriginHeaderTooBigError':
      return 502;
    default:
      return undefined;
  }
}

/**
 * Whether an origin group sends a `method` request on to its secondary after the primary's
 * `outcome`: the status it answered, or the EdgeError it failed with (origins.md §6).
 */
export function failsOver(method: string, codes: readonly number[], outcome: number | EdgeError): boolean {
  if (!FAILOVER_METHODS.has(method)) return false;
  const status = typeof outcome === 'number' ? outcome : failoverStatusOf(outcome.code);
  return status !== undefined && codes.includes(status);
}
