/**
 * Strings that outlive the request they came from. The viewer engine's strings are V8 slices of
 * the whole request head, and a string built from one (a cache key) refers to that slice, so
 * keeping it keeps the head (up to 20 KB of Cookie and other headers).
 */

/**
 * A copy of `s` that shares no storage with the string it came from: for what a cache entry or a
 * memo keeps (2,000 cache keys built from 19 KB heads held ~38 MB). UTF-16 round-trips every
 * string exactly, lone surrogates included.
 */
export function ownString(s: string): string {
  return Buffer.from(s, 'utf16le').toString('utf16le');
}
