/**
 * A disk-tier entry file of any size without the bytes: written by the format documented in
 * src/cache/disk-store.ts, with a sparse body, so > 4 GiB offsets are tested without moving GBs.
 */
import { createHash } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { CacheEntryMeta } from '../../../src/cache/types.js';

export const GIB = 1024 ** 3;

/**
 * Writes an entry file by the format documented in src/cache/disk-store.ts, with a sparse body
 * of `size` bytes (zeros except `marks`), as DiskStore.open finds it. Returns the file's path.
 */
export async function writeSparseEntry(
  dir: string,
  meta: CacheEntryMeta,
  marks: { at: number; bytes: Buffer }[],
): Promise<string> {
  const json = Buffer.from(JSON.stringify(meta));
  const headerBytes = Math.ceil((64 + json.byteLength) / 512) * 512;
  const header = Buffer.alloc(headerBytes);
  header.writeUInt32BE(0x45464345, 0); // 'EFCE'
  header.writeUInt16BE(1, 4);
  header.writeUInt32BE(headerBytes, 8);
  header.writeUInt32BE(json.byteLength, 12);
  header.writeBigUInt64BE(BigInt(meta.size), 16);
  // Body SHA-1 (24..44) left zero: only range reads are made, which are checked by length.
  createHash('sha1').update(json).digest().copy(header, 44);
  json.copy(header, 64);
  const hash = createHash('sha1').update(meta.key).digest('hex');
  await mkdir(join(dir, hash.slice(0, 2)), { recursive: true });
  const file = join(dir, hash.slice(0, 2), `${hash}.${Date.now() * 1000}.entry`);
  const fh = await open(file, 'w');
  try {
    await fh.write(header, 0, headerBytes, 0);
    await fh.truncate(headerBytes + meta.size);
    for (const mark of marks) await fh.write(mark.bytes, 0, mark.bytes.byteLength, headerBytes + mark.at);
  } finally {
    await fh.close();
  }
  return file;
}
