/**
 * Request bodies for IncludeBody associations (reference/lambda-edge.md §4) and the base64 rules
 * shared by body checks.
 */
import { EVENT_LIMITS } from './limits.js';
import type { CfRequestBody } from './types.js';

/**
 * `request.body` as CloudFront shows it to a viewer-request or origin-request function: always
 * base64, cut at 40 KB (viewer) / 1 MB (origin) with `inputTruncated: true`, `action: 'read-only'`.
 */
export function requestBodyForEvent(
  eventType: 'viewer-request' | 'origin-request',
  body: Uint8Array,
): CfRequestBody {
  const limit = EVENT_LIMITS[eventType].bodyExposedBytes;
  const inputTruncated = body.byteLength > limit;
  const shown = inputTruncated ? body.subarray(0, limit) : body;
  return {
    inputTruncated,
    action: 'read-only',
    encoding: 'base64',
    data: Buffer.from(shown.buffer, shown.byteOffset, shown.byteLength).toString('base64'),
  };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Standard, padded base64 (what CloudFront's decoder accepts; `Buffer` alone would skip bad characters). */
export function isBase64(s: string): boolean {
  return s.length % 4 === 0 && BASE64.test(s);
}

/** Bytes of a body string as returned: base64 text is ASCII, `text` bodies are sent as UTF-8. */
export function bodyStringBytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
