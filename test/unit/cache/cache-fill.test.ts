/**
 * CacheFill (src/cache/cache-fill.ts): a response stored while it streams, and followed by
 * collapsed requests. The origin is a PassThrough the test writes to, so every step is ordered
 * by the test, not by timing.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { type TestContext, test } from 'node:test';
import { CacheFill } from '../../../src/cache/cache-fill.js';
import { DiskStore } from '../../../src/cache/disk-store.js';
import { EdgeCache } from '../../../src/cache/edge-cache.js';
import { ManualClock } from '../../../src/index.js';
import { bodyFor, metaFor, readAll } from './store-suite.js';

const KIB = 1024;

async function makeCache(t: TestContext, options: { disk?: boolean; memoryBytes?: number } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'edgefront-fill-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const disk = options.disk
    ? await DiskStore.open({ dir, budgetBytes: 256 * 1024 * KIB, smallBodyBytes: 0 })
    : undefined;
  // The memory tier takes entries up to 1/8 of its budget: 128 KiB here.
  const cache = new EdgeCache({
    memoryBytes: options.memoryBytes ?? 1024 * KIB,
    clock: new ManualClock(),
    disk,
  });
  return { cache, dir };
}

function startFill(cache: EdgeCache, key: string, expectedBytes: number | undefined) {
  const source = new PassThrough();
  let settled = 0;
  let onSettled!: () => void;
  const whenSettled = new Promise<void>((resolve) => {
    onSettled = () => {
      settled++;
      resolve();
    };
  });
  const tier = cache.tierFor(expectedBytes);
  assert.ok(tier, 'storable');
  const fill = new CacheFill({
    cache,
    meta: metaFor(key, expectedBytes ?? 0),
    expectedBytes,
    tier,
    source,
    onSettled,
  });
  return { source, fill, whenSettled, settledCount: () => settled };
}

/** Writes `body` to `source` in `chunk`-byte pieces, waiting for drain: the origin's pace. */
async function send(source: PassThrough, body: Buffer, chunk = 16 * KIB): Promise<void> {
  for (let at = 0; at < body.byteLength && !source.destroyed; at += chunk) {
    if (!source.write(body.subarray(at, at + chunk))) {
      await Promise.race([once(source, 'drain'), once(source, 'close')]);
    }
  }
}

/** Reads exactly `bytes` bytes from a stream (then leaves it paused). */
async function readBytes(stream: Readable, bytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < bytes) {
    const chunk = stream.read(Math.min(bytes - got, stream.readableLength || 1)) as Buffer | null;
    if (chunk === null) {
      await Promise.race([once(stream, 'readable'), once(stream, 'end')]);
      if (stream.readableEnded) break;
      continue;
    }
    parts.push(chunk);
    got += chunk.byteLength;
  }
  return Buffer.concat(parts);
}

test('a memory fill: a follower that joins mid-body replays what arrived and follows the rest', async (t) => {
  const { cache } = await makeCache(t);
  const body = bodyFor('m', 100 * KIB);
  const { source, fill, whenSettled } = startFill(cache, 'm', body.byteLength);
  const viewer = readAll(fill.viewerBody);
  await send(source, body.subarray(0, 40 * KIB));
  assert.ok(fill.isFollowable);
  const follower = fill.readBody();
  assert.deepEqual(
    await readBytes(follower, 40 * KIB),
    body.subarray(0, 40 * KIB),
    'replayed before the rest arrives',
  );
  const ranged = readAll(fill.readBody(90 * KIB, 90 * KIB + 9));
  await send(source, body.subarray(40 * KIB));
  source.end();
  assert.deepEqual(Buffer.concat([body.subarray(0, 40 * KIB), await readAll(follower)]), body);
  assert.deepEqual(await ranged, body.subarray(90 * KIB, 90 * KIB + 10));
  assert.deepEqual(await viewer, body);
  await whenSettled;
  assert.equal(fill.isFollowable, false, 'once stored, later requests are hits');
  const entry = cache.lookup('m');
  assert.ok(entry && !(entry instanceof Promise));
  assert.deepEqual(entry.buffer, body);
});

test('a disk fill streams to a disk entry; a follower that stops reading does not hold back the origin', async (t) => {
  const { cache, dir } = await makeCache(t, { disk: true });
  const body = bodyFor('d', 3 * 1024 * KIB);
  const { source, fill, whenSettled } = startFill(cache, 'd', body.byteLength);
  assert.equal(cache.tierFor(body.byteLength), 'disk');
  const idle = fill.readBody(); // never read until the end
  const reading = readAll(fill.readBody());
  const viewer = readAll(fill.viewerBody);
  await send(source, body, 64 * KIB);
  source.end();
  assert.deepEqual(await viewer, body, 'the leader got everything while a follower sat idle');
  assert.ok(
    idle.readableLength <= 64 * KIB,
    `the idle follower buffers ${idle.readableLength} bytes at most`,
  );
  await whenSettled;
  assert.deepEqual(await reading, body);
  assert.deepEqual(await readAll(idle), body, 'it reads on from the file afterwards');
  const entry = await cache.disk!.get('d');
  assert.equal(entry?.size, body.byteLength);
  assert.deepEqual(await readAll(entry!.readBody()), body);
  assert.deepEqual(await readdir(join(dir, 'tmp')), []);
});

test('a body of unknown length that outgrows the memory tier moves to disk without losing a byte', async (t) => {
  const { cache } = await makeCache(t, { disk: true });
  const body = bodyFor('u', 1024 * KIB);
  const { source, fill, whenSettled } = startFill(cache, 'u', undefined);
  const early = readAll(fill.readBody()); // joins while the body is still in memory
  const viewer = readAll(fill.viewerBody);
  await send(source, body.subarray(0, 64 * KIB));
  const late = fill.readBody();
  await send(source, body.subarray(64 * KIB));
  source.end();
  assert.deepEqual(await viewer, body);
  assert.deepEqual(await early, body);
  assert.deepEqual(await readAll(late), body);
  await whenSettled;
  const entry = await cache.disk!.get('u');
  assert.equal(entry?.size, body.byteLength);
  assert.equal(cache.memory.entryCount, 0);
});

test('without a disk tier, a body of unknown length past the memory limit passes through and cuts followers', async (t) => {
  const { cache } = await makeCache(t);
  const body = bodyFor('p', 300 * KIB);
  const { source, fill, whenSettled, settledCount } = startFill(cache, 'p', undefined);
  const follower = readAll(fill.readBody());
  const viewer = readAll(fill.viewerBody);
  await send(source, body);
  source.end();
  await assert.rejects(follower, /no longer stored|outgrew/);
  assert.deepEqual(await viewer, body, 'the leader still gets the whole body, uncached');
  await whenSettled;
  assert.equal(settledCount(), 1);
  assert.equal(cache.lookup('p'), undefined);
});

test('an origin failing mid-body cuts the viewer and the followers and stores nothing', async (t) => {
  const { cache, dir } = await makeCache(t, { disk: true });
  const body = bodyFor('f', 400 * KIB);
  const { source, fill, whenSettled } = startFill(cache, 'f', body.byteLength);
  const viewer = readAll(fill.viewerBody);
  const follower = readAll(fill.readBody());
  await send(source, body.subarray(0, 200 * KIB));
  source.destroy(new Error('origin reset'));
  await assert.rejects(viewer, /origin reset/);
  await assert.rejects(follower, /origin reset/);
  await whenSettled;
  assert.equal(fill.isFollowable, false);
  assert.equal(await cache.disk!.get('f'), undefined);
  assert.equal((await DiskStore.open({ dir, budgetBytes: 1024 * KIB })).entryCount, 0, 'nor after a restart');
});

test('a leader viewer that leaves with nobody following stops the origin read and stores nothing', async (t) => {
  const { cache } = await makeCache(t, { disk: true });
  const body = bodyFor('l', 400 * KIB);
  const { source, fill, whenSettled } = startFill(cache, 'l', body.byteLength);
  const sent = send(source, body); // held back by the viewer's pace
  assert.deepEqual(await readBytes(fill.viewerBody, 100 * KIB), body.subarray(0, 100 * KIB));
  fill.viewerBody.destroy();
  await sent.catch(() => {});
  await whenSettled;
  assert.ok(source.destroyed, 'the origin body is closed');
  assert.equal(fill.isFollowable, false);
  assert.equal(await cache.disk!.get('l'), undefined);
});

test('a leader viewer that leaves while a follower reads: the fill goes on and is stored', async (t) => {
  const { cache } = await makeCache(t, { disk: true });
  const body = bodyFor('k', 400 * KIB);
  const { source, fill, whenSettled } = startFill(cache, 'k', body.byteLength);
  const follower = readAll(fill.readBody());
  const sent = send(source, body);
  assert.deepEqual(await readBytes(fill.viewerBody, 100 * KIB), body.subarray(0, 100 * KIB));
  fill.viewerBody.destroy();
  assert.equal(source.destroyed, false);
  await sent; // no longer paced by the leader's viewer
  source.end();
  assert.deepEqual(await follower, body);
  await whenSettled;
  assert.equal((await cache.disk!.get('k'))?.size, body.byteLength);
});

test('a body shorter than its Content-Length is not stored and its followers are cut', async (t) => {
  const { cache } = await makeCache(t);
  const { source, fill, whenSettled } = startFill(cache, 's', 10 * KIB);
  const follower = readAll(fill.readBody());
  const viewer = readAll(fill.viewerBody);
  source.end(bodyFor('s', 4 * KIB));
  await assert.rejects(follower, /Content-Length/);
  assert.equal((await viewer).byteLength, 4 * KIB);
  await whenSettled;
  assert.equal(cache.lookup('s'), undefined);
});
