/**
 * X-Amz-Cf-Id values: 56 characters of URL-safe base64 ending in `==` (40 random bytes),
 * as CloudFront's ids look (reference/caching.md §5). Random bytes are drawn in batches
 * so a request costs one slice, not one syscall.
 */
import { randomFillSync } from 'node:crypto';

const BATCH = 40 * 256;
let pool = Buffer.allocUnsafe(BATCH);
let offset = BATCH;

export function newRequestId(): string {
  if (offset >= BATCH) {
    pool = randomFillSync(Buffer.allocUnsafe(BATCH));
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + 40);
  offset += 40;
  return `${id}==`; // base64url drops padding; CloudFront's ids keep it
}
