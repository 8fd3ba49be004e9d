/**
 * X-Amz-Cf-Id values: 56 characters of URL-safe base64 ending in `==` (40 random bytes),
 * as CloudFront's ids look (reference/caching.md §5). Random bytes are drawn and encoded in
 * batches, so a request costs one slice of the batch's string: no syscall, no native call, and
 * no concatenation (a concatenated id is flattened, i.e. copied, when the response's header
 * check reads it).
 *
 * 40 random bytes are 53 characters of 6 random bits, a 54th with 2 random bits and its low 4
 * bits zero, and `==`: an id is drawn that way, character by character, so it is exactly what
 * encoding 40 random bytes gives, decodable by a strict decoder.
 */
import { randomFillSync } from 'node:crypto';

const GROUP_CHARS = 56;
const IDS_PER_BATCH = 256;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const CODES = Buffer.from(ALPHABET, 'latin1');
const EQUALS = 0x3d;

let batch = '';
let next = IDS_PER_BATCH;

/**
 * IDS_PER_BATCH ids as one string. Each character is a random byte's low 6 bits (uniform:
 * 256 is a multiple of 64), which is what base64 of random bytes is, character by character;
 * the 54th keeps only its top 2 bits.
 */
function newBatch(): string {
  const chars = randomFillSync(Buffer.allocUnsafe(GROUP_CHARS * IDS_PER_BATCH));
  for (let at = 0; at < chars.length; at += GROUP_CHARS) {
    for (let i = at; i < at + 53; i++) chars[i] = CODES[chars[i] & 63];
    chars[at + 53] = CODES[chars[at + 53] & 0x30];
    chars[at + 54] = EQUALS;
    chars[at + 55] = EQUALS;
  }
  return chars.toString('latin1');
}

export function newRequestId(): string {
  if (next >= IDS_PER_BATCH) {
    batch = newBatch();
    next = 0;
  }
  const at = next * GROUP_CHARS;
  next++;
  return batch.slice(at, at + GROUP_CHARS);
}
