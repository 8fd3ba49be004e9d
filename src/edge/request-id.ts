/**
 * X-Amz-Cf-Id values: 56 characters of URL-safe base64 ending in `==` (40 random bytes),
 * as CloudFront's ids look (reference/caching.md §5). Random bytes are drawn and encoded in
 * batches, so a request costs one slice and one concatenation, not a syscall or a native call.
 *
 * A batch encodes groups of 42 bytes (56 characters, no padding inside). An id is the first 53
 * characters of a group (39 bytes and 6 bits of the 40th), then the 54th character with its low
 * 4 bits cleared (the 40th byte's last 2 bits, with the zero bits a 40-byte encoding has), then
 * `==`: exactly what encoding 40 random bytes gives, decodable by a strict decoder.
 */
import { randomFillSync } from 'node:crypto';

const GROUP_BYTES = 42;
const GROUP_CHARS = 56;
const IDS_PER_BATCH = 256;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Each base64url character → the character with the same top 2 bits and the low 4 cleared, then `==`. */
const LAST_CHAR_AND_PADDING: string[] = new Array(128).fill('');
for (let i = 0; i < 64; i++) LAST_CHAR_AND_PADDING[ALPHABET.charCodeAt(i)] = `${ALPHABET[i & 0x30]}==`;

let batch = '';
let next = IDS_PER_BATCH;

export function newRequestId(): string {
  if (next >= IDS_PER_BATCH) {
    batch = randomFillSync(Buffer.allocUnsafe(GROUP_BYTES * IDS_PER_BATCH)).toString('base64url');
    next = 0;
  }
  const at = next * GROUP_CHARS;
  next++;
  return batch.slice(at, at + 53) + LAST_CHAR_AND_PADDING[batch.charCodeAt(at + 53)];
}
