/**
 * The tier marker: what a child edge tells its regional tier (or Origin Shield) about a miss it
 * forwards, signed so that only a node holding the shared tier secret (`EDGEFRONT_TIER_SECRET`)
 * can make one. A viewer cannot forge it: without the secret its HMAC fails and the header is
 * dropped, so the request runs every viewer check as any other viewer request (README.md here).
 *
 * Wire form, one header: `x-edgefront-tier: v1.<base64url JSON>.<base64url HMAC-SHA256>`. The
 * HMAC covers the JSON, which names the distribution, method, path, query and the time it was
 * made: a captured marker is good only for that request, for MARKER_LIFETIME_MS.
 * Pure: time comes in as `nowMs`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIER_HEADER = 'x-edgefront-tier';
/** How long a marker is believed after it was made (either way, for clock skew between hosts). */
export const MARKER_LIFETIME_MS = 5 * 60_000;

/** The layer a tier node acts as for one request: CloudFront's names, as Server-Timing shows them. */
export type TierLayer = 'REC' | 'Origin Shield';

/** What the tier needs to run the request from cache lookup on, as the child would have. */
export interface TierContext {
  /** Distribution Id. */
  readonly d: string;
  readonly method: string;
  /** Raw viewer path (after viewer-request functions), and its query as forwarded. */
  readonly path: string;
  readonly query: string;
  /** The path asked of the origin before OriginPath (the DefaultRootObject for `/`). */
  readonly originPath: string;
  /** The viewer, as the child saw it: for X-Forwarded-For, CloudFront-Viewer-* and match-viewer. */
  readonly ip: string;
  readonly port: number;
  readonly protocol: 'http' | 'https';
  readonly httpVersion: '1.0' | '1.1' | '2.0';
  readonly tls?: { readonly version: string; readonly cipher: string; readonly resumed: boolean };
  /** The layer the receiving node acts as. */
  readonly as: TierLayer;
  /** When the marker was made (ms since the epoch). */
  readonly t: number;
}

export function signMarker(context: TierContext, secret: Buffer): string {
  const body = Buffer.from(JSON.stringify(context)).toString('base64url');
  return `v1.${body}.${mac(body, secret)}`;
}

/** The context of a marker made with `secret` within its lifetime; undefined for anything else. */
export function verifyMarker(
  value: string | string[] | undefined,
  secret: Buffer | undefined,
  nowMs: number,
): TierContext | undefined {
  if (secret === undefined || typeof value !== 'string') return undefined;
  const [version, body, signature, extra] = value.split('.');
  if (version !== 'v1' || !body || !signature || extra !== undefined) return undefined;
  const expected = Buffer.from(mac(body, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let context: unknown;
  try {
    context = JSON.parse(Buffer.from(body, 'base64url').toString());
  } catch {
    return undefined;
  }
  if (!isContext(context) || Math.abs(nowMs - context.t) > MARKER_LIFETIME_MS) return undefined;
  return context;
}

function mac(body: string, secret: Buffer): string {
  return createHmac('sha256', secret).update(`edgefront-tier-v1\n${body}`).digest('base64url');
}

/** Signed by a node with the secret, so checked for shape only (a node of another version). */
function isContext(v: unknown): v is TierContext {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return (
    typeof c.d === 'string' &&
    typeof c.method === 'string' &&
    typeof c.path === 'string' &&
    c.path.startsWith('/') &&
    typeof c.query === 'string' &&
    typeof c.originPath === 'string' &&
    typeof c.ip === 'string' &&
    typeof c.port === 'number' &&
    (c.protocol === 'http' || c.protocol === 'https') &&
    (c.httpVersion === '1.0' || c.httpVersion === '1.1' || c.httpVersion === '2.0') &&
    (c.as === 'REC' || c.as === 'Origin Shield') &&
    typeof c.t === 'number'
  );
}
