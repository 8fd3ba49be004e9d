/**
 * Where the `edgefront` engine builds a response head (with a small body behind it) before
 * writing it: views of one reusable slab instead of a new Buffer per response.
 *
 * Why: Buffer.allocUnsafe hands out views of 8 KiB pools, so about every sixth 1 KiB hit makes
 * a new ArrayBuffer, and young ArrayBuffers are what a scavenge spends most of its pause on
 * (socket-reader.ts has the figures). A response written to a viewer whose socket takes it at
 * once (the usual case on a keep-alive hit) leaves nothing referring to its bytes, so its region
 * is given back and the next response reuses it.
 *
 * A region whose write is still queued (a slow viewer, a full socket buffer) is simply not given
 * back: the slab moves past it, and when the slab is full a new one is started while the queued
 * writes keep the old one alive until they complete.
 */

const SLAB_BYTES = 128 * 1024;

/** Larger regions get their own Buffer: they would use up a slab in a few responses. */
const MAX_REGION_BYTES = SLAB_BYTES / 8;

let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let used = 0;
/** The last region taken from the slab and where it starts (no `.buffer` lookups on the hot path). */
let lastRegion: Buffer | null = null;
let lastStart = 0;
/**
 * The region given back last. A hit on the same object has the same length as the one before
 * it and starts where it did, so it gets the same view again, not a new one (a view is ~100
 * bytes of garbage per response).
 */
let freeRegion: Buffer | null = null;

/** A region of `length` bytes to fill and write; `giveBack` it once nothing refers to it. */
export function takeResponseBuffer(length: number): Buffer {
  // Written so that a length that is not a number goes here too, and throws without moving `used`.
  if (!(length <= MAX_REGION_BYTES)) return Buffer.allocUnsafe(length);
  if (used + length > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    used = 0;
    freeRegion = null;
  }
  const free = freeRegion;
  const region =
    free !== null && free.length === length && lastStart === used ? free : slab.subarray(used, used + length);
  freeRegion = null;
  lastRegion = region;
  lastStart = used;
  used += length;
  return region;
}

/**
 * Returns the last region taken, once its write has completed synchronously (the socket's
 * writableLength is 0 again): nothing but the caller refers to its bytes now.
 */
export function giveBack(region: Buffer): void {
  if (region === lastRegion) {
    used = lastStart;
    lastRegion = null;
    freeRegion = region;
  }
}
