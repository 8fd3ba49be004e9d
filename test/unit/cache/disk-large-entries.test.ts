/**
 * The disk tier's streaming side: reading an entry while it is written (what collapsed requests
 * follow), the writer's low-water mark, and entries larger than 4 GiB (a sparse file written in
 * the documented entry format, so no test moves gigabytes).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { DiskStore } from '../../../src/cache/disk-store.js';
import { responseFromEntry } from '../../../src/cache/serve-cached.js';
import type { ViewerRequest } from '../../../src/edge/exchange.js';
import { GIB, writeSparseEntry } from './sparse-entry.js';
import { bodyFor, metaFor, readAll } from './store-suite.js';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'edgefront-disk-large-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function viewer(headers: Record<string, string>): ViewerRequest {
  return {
    method: 'GET',
    path: '/huge',
    query: '',
    headers,
    rawHeaders: [],
    body: null,
    protocol: 'http',
    httpVersion: '1.1',
    clientIp: '127.0.0.1',
    clientPort: 0,
  };
}

test('an entry over 4 GiB is indexed, and its ranges are read at the right offsets, past 2^32', async (t) => {
  const dir = await tempDir(t);
  const size = 5 * GIB + 17;
  const across = bodyFor('across', 32); // straddles the 4 GiB boundary
  const tail = bodyFor('tail', 16);
  await writeSparseEntry(dir, metaFor('huge', size), [
    { at: 4 * GIB - 16, bytes: across },
    { at: size - 16, bytes: tail },
  ]);
  const store = await DiskStore.open({ dir, budgetBytes: 8 * GIB });
  assert.equal(store.entryCount, 1);
  const entry = await store.get('huge');
  assert.ok(entry);
  assert.equal(entry.size, size);
  assert.equal(entry.buffer, undefined, 'never loaded whole');
  assert.deepEqual(await readAll(entry.readBody(4 * GIB - 16, 4 * GIB + 15)), across);
  assert.deepEqual(await readAll(entry.readBody(size - 16)), tail);

  const suffix = responseFromEntry(entry, viewer({ range: 'bytes=-16' }), 61_000);
  assert.equal(suffix.status, 206);
  assert.equal(suffix.headers['content-range'], `bytes ${size - 16}-${size - 1}/${size}`);
  assert.equal(suffix.headers['content-length'], '16');
  assert.deepEqual(await readAll(suffix.body as NodeJS.ReadableStream as never), tail);
  const middle = responseFromEntry(entry, viewer({ range: `bytes=${4 * GIB}-${4 * GIB + 15}` }), 61_000);
  assert.equal(middle.headers['content-range'], `bytes ${4 * GIB}-${4 * GIB + 15}/${size}`);
  assert.deepEqual(await readAll(middle.body as never), across.subarray(16));
  const beyond = responseFromEntry(entry, viewer({ range: `bytes=${size}-` }), 61_000);
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers['content-range'], `bytes */${size}`);
  const whole = responseFromEntry(entry, viewer({}), 61_000);
  assert.equal(whole.headers['content-length'], String(size));
  (whole.body as { destroy(): void }).destroy(); // a stream, not 5 GiB in memory
});

test('an entry being written can be read back up to the bytes flushed, also after commit and abort', async (t) => {
  const store = await DiskStore.open({ dir: await tempDir(t), budgetBytes: 64 * 1024 * 1024 });
  const body = bodyFor('live', 300_000);
  let progress = 0;
  const writer = store.beginWrite(metaFor('live', 0), { readable: true, onProgress: () => progress++ });
  const reader = await writer.bodyReader();
  assert.ok(reader);
  writer.write(body.subarray(0, 100_000));
  await writer.drain();
  assert.equal(writer.flushedBytes, 100_000);
  assert.ok(progress >= 1);
  const first = Buffer.alloc(100_000);
  assert.equal(await reader.read(first, 0, 100_000), 100_000);
  assert.deepEqual(first, body.subarray(0, 100_000));
  writer.write(body.subarray(100_000));
  assert.equal(await writer.commit(metaFor('live', 300_000)), true);
  const rest = Buffer.alloc(200_000);
  assert.equal(await reader.read(rest, 100_000, 200_000), 200_000, 'the handle outlives the rename');
  assert.deepEqual(rest, body.subarray(100_000));
  await reader.close();

  const aborted = store.beginWrite(metaFor('gone', 0), { readable: true });
  const handle = await aborted.bodyReader();
  aborted.write(bodyFor('gone', 1000));
  await aborted.drain();
  aborted.abort();
  await aborted.drain();
  const kept = Buffer.alloc(1000);
  assert.equal(await handle!.read(kept, 0, 1000), 1000, 'readers keep what they opened');
  await handle!.close();
  assert.equal(await store.get('gone'), undefined);
});

test('a writer asks to wait above 1 MiB queued and lets the stream go on below its low-water mark', async (t) => {
  const dir = await tempDir(t);
  const store = await DiskStore.open({ dir, budgetBytes: 64 * 1024 * 1024 });
  const writer = store.beginWrite(metaFor('w', 0));
  const chunk = Buffer.alloc(256 * 1024, 1);
  let accepted = 0;
  while (writer.write(chunk)) accepted++;
  assert.ok(accepted >= 3 && writer.bufferedBytes >= 1024 * 1024);
  await writer.whenWritable();
  assert.ok(writer.bufferedBytes <= 512 * 1024, `queued ${writer.bufferedBytes}`);
  assert.equal(writer.failed, false);
  writer.abort();
  await writer.whenWritable(); // resolves at once after abort
  await writer.drain();
  assert.deepEqual(await readdir(join(dir, 'tmp')), []);
});
