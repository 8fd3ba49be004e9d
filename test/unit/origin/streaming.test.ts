/**
 * Bodies stream through the fetcher with flat memory. RSS is useless as an oracle here (the
 * allocator keeps freed pages), so the tests bound heap + Buffer memory with a GC every
 * 8 MiB read, and, for the HTTP origin, the bytes in flight between origin and reader: both
 * limits are far below the 64 MiB body, so a buffered body fails them whatever the timing.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createOriginFetcher } from '../../../src/origin/index.js';
import { customConfig, originModel, originRequest, settings, startHttpOrigin } from './helpers.js';

const SIZE = 64 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'x');
const MAX_GROWTH = 24 * 1024 * 1024; // a buffered 64 MiB body cannot fit
const GC_EVERY_CHUNKS = 128;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function used(): number {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** Reads `body` to the end; returns bytes read and peak heap + Buffer growth meanwhile. */
async function drain(body: Readable, onChunk: (bytesRead: number) => void = () => {}) {
  gc();
  const baseline = used();
  let bytes = 0;
  let chunks = 0;
  let peak = baseline;
  for await (const chunk of body) {
    bytes += (chunk as Buffer).length;
    onChunk(bytes);
    if (++chunks % GC_EVERY_CHUNKS === 0) gc(); // collect garbage, keep whatever is retained
    const now = used();
    if (now > peak) peak = now;
  }
  return { bytes, growth: peak - baseline };
}

test('a 64 MiB origin body streams through with flat memory', async (t) => {
  let sent = 0;
  const origin = await startHttpOrigin((_req, res) => {
    res.writeHead(200, { 'content-length': String(SIZE) });
    const pump = () => {
      while (sent < SIZE) {
        sent += CHUNK.length;
        if (!res.write(CHUNK)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  const fetcher = createOriginFetcher(settings());
  t.after(() => Promise.all([fetcher.close(), origin.close()]));
  const model = originModel('custom', '127.0.0.1', {
    CustomOriginConfig: customConfig({ HTTPPort: origin.port }),
  });
  const res = await fetcher.fetch(originRequest(model));
  assert.ok(sent < SIZE, 'the response is returned while the origin is still sending');
  let inFlight = 0;
  const { bytes, growth } = await drain(res.body, (read) => {
    inFlight = Math.max(inFlight, sent - read);
  });
  assert.equal(bytes, SIZE);
  assert.ok(growth < MAX_GROWTH, `heap + Buffers grew by ${growth} bytes`);
  // Sent but not yet read: socket buffers and the stream's highWaterMark, never the body.
  assert.ok(inFlight < 16 * 1024 * 1024, `${inFlight} bytes in flight`);
});

test('a 64 MiB local-bucket object streams from disk with flat memory', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'edgefront-big-'));
  await writeFile(join(dir, 'big.bin'), '');
  await truncate(join(dir, 'big.bin'), SIZE); // sparse: no 64 MiB write needed
  const fetcher = createOriginFetcher(settings({ buckets: new Map([['big', dir]]) }));
  t.after(async () => {
    await fetcher.close();
    await rm(dir, { recursive: true, force: true });
  });
  const model = originModel('s3', 'big.s3.us-east-1.amazonaws.com', {}, 'big');
  // The first request hashes the file for its ETag (streamed, too); measure the second.
  const warm = await fetcher.fetch(originRequest(model, { path: '/big.bin', method: 'HEAD' }));
  warm.body.resume();
  const res = await fetcher.fetch(originRequest(model, { path: '/big.bin' }));
  assert.equal(res.headers['content-length'], String(SIZE));
  const { bytes, growth } = await drain(res.body);
  assert.equal(bytes, SIZE);
  assert.ok(growth < MAX_GROWTH, `heap + Buffers grew by ${growth} bytes`);
});
