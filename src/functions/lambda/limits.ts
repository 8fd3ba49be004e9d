/**
 * Lambda@Edge's per-event limits (reference/lambda-edge.md §4, §6), as one table.
 * KB and MB are binary here (40 KB = 40 × 1024 bytes), as CloudFront's quotas page means them.
 */
import type { LambdaEventType } from './types.js';

const KB = 1024;
const MB = 1024 * KB;

export interface EventLimits {
  /** Default ceiling on the function's own Timeout: 5 s viewer, 30 s origin (§6, discrepancy note). */
  readonly timeoutMs: number;
  /** Headers + body of a response the function generates or replaces. */
  readonly responseBytes: number;
  /** How much of the viewer's body the function sees (IncludeBody); more is cut, `inputTruncated: true`. */
  readonly bodyExposedBytes: number;
  /** A replacement request body (`action: 'replace'`), measured on `data` as returned. */
  readonly replaceTextBytes: number;
  readonly replaceBase64Bytes: number;
}

/** Per class of event one size bounds what is shown, generated and replaced; base64 has its own. */
const limits = (timeoutMs: number, bytes: number, base64Bytes: number): EventLimits => ({
  timeoutMs,
  responseBytes: bytes,
  bodyExposedBytes: bytes,
  replaceTextBytes: bytes,
  replaceBase64Bytes: base64Bytes,
});
const VIEWER = limits(5_000, 40 * KB, Math.floor(53.2 * KB));
const ORIGIN = limits(30_000, 1 * MB, Math.floor(1.33 * MB));

export const EVENT_LIMITS: Readonly<Record<LambdaEventType, EventLimits>> = {
  'viewer-request': VIEWER,
  'origin-request': ORIGIN,
  'origin-response': ORIGIN,
  'viewer-response': VIEWER,
};

export function isViewerEvent(eventType: LambdaEventType): boolean {
  return eventType === 'viewer-request' || eventType === 'viewer-response';
}

/** URI + `?` + query string must stay under this (§5, §6). */
export const MAX_URL_CHARS = 8_192;

/**
 * V8 heap limits for a worker from the function's MemorySize, the way Lambda's Node.js bootstrap
 * sizes its flags: new space MemorySize/10 (two semi-spaces of half that), old space the rest.
 * Young generation = 3 semi-spaces in V8 (two plus the new large-object space).
 */
export function heapLimits(memorySizeMb: number): {
  maxOldGenerationSizeMb: number;
  maxYoungGenerationSizeMb: number;
} {
  const mb = memorySizeMb > 0 ? memorySizeMb : 128;
  const semiSpaceMb = Math.max(1, Math.floor(mb / 20));
  return {
    maxOldGenerationSizeMb: Math.max(8, mb - 2 * semiSpaceMb),
    maxYoungGenerationSizeMb: 3 * semiSpaceMb,
  };
}
