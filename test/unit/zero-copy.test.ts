/**
 * Zero-copy sends (src/zero-copy.ts, native/zero_copy.c): file-backed bodies are ordinary
 * Buffers to their readers, go to a real loopback socket byte for byte whether the kernel takes
 * them at once or not, and give their memory back when collected.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import test from 'node:test';
import { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { memoryCharge } from '../../src/cache/memory-store.js';
import {
  concatBody,
  fileBackedPageBytes,
  isFileBacked,
  largeBodyBuffer,
  sendZeroCopy,
  UNSENT_LIMIT_BYTES,
  unsentLimitOf,
  writeHeadAndBody,
  writeNow,
  ZERO_COPY_MIN_BYTES,
  zeroCopyStatus,
} from '../../src/zero-copy.js';

const ON_LINUX = process.platform === 'linux' && process.env.EDGEFRONT_ZERO_COPY !== 'off';

function pattern(size: number, seed: number): Buffer {
  const body = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) body[i] = (i * 31 + seed + (i >> 10)) & 0xff;
  return body;
}

function filled(size: number, seed: number): Buffer {
  const body = largeBodyBuffer(size);
  pattern(size, seed).copy(body);
  return body;
}

/** A connected loopback pair: `server` is the accepted side, `client` the connecting one. */
async function socketPair(t: test.TestContext): Promise<{ server: Socket; client: Socket }> {
  const listener: Server = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as { port: number }).port;
  const accepted = once(listener, 'connection');
  const client = connect(port, '127.0.0.1');
  const [server] = (await accepted) as [Socket];
  await once(client, 'connect');
  t.after(() => {
    server.destroy();
    client.destroy();
    listener.close();
  });
  return { server, client };
}

/** Reads `bytes` bytes from `socket` (more if more arrive; bounded by the test timeout). */
function readExactly(socket: Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got < bytes) return;
      socket.off('data', onData);
      socket.off('error', reject);
      resolve(Buffer.concat(chunks, got));
    };
    socket.on('data', onData);
    socket.on('error', reject);
  });
}

test('the addon is built and loaded on Linux (npm ci builds it)', () => {
  const status = zeroCopyStatus();
  if (!ON_LINUX) {
    assert.equal(status.enabled, false);
    return;
  }
  assert.equal(status.enabled, true, `zero-copy sends are off: ${status.reason}`);
});

test('large bodies are file-backed, and so are their views; small ones are ordinary Buffers', {
  skip: !ON_LINUX,
}, () => {
  const large = filled(ZERO_COPY_MIN_BYTES, 7);
  assert.equal(isFileBacked(large), true);
  assert.equal(isFileBacked(large.subarray(100, 200)), true);
  assert.equal(isFileBacked(Buffer.from(large.buffer, 4096, 10)), true);
  assert.deepEqual(large, pattern(ZERO_COPY_MIN_BYTES, 7), 'reads back what was written');
  assert.equal(large.byteOffset, 0);
  assert.equal(large.buffer.byteLength, ZERO_COPY_MIN_BYTES, 'owns exactly its bytes');
  const small = largeBodyBuffer(ZERO_COPY_MIN_BYTES - 1);
  assert.equal(isFileBacked(small), false);
  assert.equal(small.length, ZERO_COPY_MIN_BYTES - 1);
  assert.equal(isFileBacked(Buffer.alloc(ZERO_COPY_MIN_BYTES)), false);
});

test('concatBody equals Buffer.concat for any chunks and total', () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 40_000 }), { maxLength: 6 }),
      fc.integer({ min: -1000, max: 1000 }),
      (sizes, delta) => {
        const chunks = sizes.map((size, i) => pattern(size, i));
        const sum = sizes.reduce((a, b) => a + b, 0);
        const total = Math.max(0, sum + delta);
        const joined = concatBody(chunks, total);
        assert.deepEqual(joined, Buffer.concat(chunks, total));
        if (ON_LINUX) assert.equal(isFileBacked(joined), total >= ZERO_COPY_MIN_BYTES);
      },
    ),
    { numRuns: 60 },
  );
});

test('sendZeroCopy sends a head and any view of a file-backed body byte for byte', {
  skip: !ON_LINUX,
  timeout: 30_000,
}, async (t) => {
  const body = filled(3 * 1024 * 1024 + 5, 3);
  const { server, client } = await socketPair(t);
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: body.length }),
      fc.integer({ min: 0, max: body.length }),
      fc.integer({ min: 0, max: 600 }),
      async (a, b, headBytes) => {
        const view = body.subarray(Math.min(a, b), Math.max(a, b));
        const head = pattern(headBytes, headBytes);
        if (head.length + view.length === 0) return; // nothing to send, nothing to read
        const reading = readExactly(client, head.length + view.length);
        const rest = writeHeadAndBody(server, head, view);
        const got = await reading;
        await rest;
        assert.equal(got.length, head.length + view.length, 'nothing more, nothing less');
        assert.deepEqual(got.subarray(0, head.length), head);
        assert.ok(got.subarray(head.length).equals(view), 'the body bytes');
      },
    ),
    { numRuns: 25 },
  );
});

test('a socket that sends a file-backed body keeps at most UNSENT_LIMIT_BYTES unsent in the kernel', {
  skip: !ON_LINUX,
  timeout: 30_000,
}, async (t) => {
  const { server, client } = await socketPair(t);
  const small = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok', 'latin1');
  const reading = readExactly(client, small.length);
  writeNow(server, small);
  await reading;
  assert.equal(unsentLimitOf(server), 0, 'a small response leaves the system default (0: not set)');
  const body = filled(ZERO_COPY_MIN_BYTES * 4, 7);
  const head = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1');
  const all = readExactly(client, head.length + body.length);
  writeHeadAndBody(server, head, body);
  assert.equal(unsentLimitOf(server), UNSENT_LIMIT_BYTES, 'set by the zero-copy send');
  const got = await all;
  assert.ok(got.subarray(head.length).equals(body), 'the body bytes');
});

test('when the viewer is not reading, the kernel takes part at once and the rest goes without a copy as it reads', {
  skip: !ON_LINUX,
  timeout: 30_000,
}, async (t) => {
  const body = filled(24 * 1024 * 1024 + 123, 11);
  const { server, client } = await socketPair(t);
  client.pause();
  const head = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1');
  const sentBefore = zeroCopyStatus().sentBytes;
  const rest = writeHeadAndBody(server, head, body);
  // Nothing has been read and the socket buffers hold far less than 24 MiB: the kernel took the
  // head and part of the body, and node holds at most a page, its cue that the socket drained.
  assert.ok(rest instanceof Promise, 'the rest is still to send');
  const queued = server.writableLength;
  assert.ok(queued > 0 && queued <= fileBackedPageBytes, `${queued} bytes queued in node`);
  assert.equal(sendZeroCopy(server, head, body), 0, 'never overtakes bytes queued in node');
  client.resume();
  const got = await readExactly(client, head.length + body.length);
  await rest;
  assert.equal(got.length, head.length + body.length);
  assert.ok(got.subarray(0, head.length).equals(head));
  assert.ok(got.subarray(head.length).equals(body));
  const byFile = zeroCopyStatus().sentBytes - sentBefore;
  assert.ok(byFile > body.length * 0.9, `${byFile} of ${body.length} bytes by sendfile`);
});

test('the rest of a body stops when the viewer goes away, and its promise settles', {
  skip: !ON_LINUX,
  timeout: 30_000,
}, async (t) => {
  const body = filled(8 * 1024 * 1024, 12);
  const { server, client } = await socketPair(t);
  client.pause();
  const rest = writeHeadAndBody(server, Buffer.from('HTTP/1.1 200 OK\r\n\r\n', 'latin1'), body);
  assert.ok(rest instanceof Promise);
  client.destroy();
  server.on('error', () => {}); // the reset, when node writes into it
  await rest; // never settling fails the test by its timeout
  assert.ok(server.destroyed, 'the reset destroyed the socket');
});

test('sendZeroCopy leaves ordinary Buffers and corked sockets to node', {
  skip: !ON_LINUX,
  timeout: 30_000,
}, async (t) => {
  const { server } = await socketPair(t);
  const head = Buffer.from('head');
  assert.equal(sendZeroCopy(server, head, Buffer.alloc(ZERO_COPY_MIN_BYTES)), 0);
  server.cork();
  assert.equal(sendZeroCopy(server, head, filled(ZERO_COPY_MIN_BYTES, 1)), 0);
  server.uncork();
});

test('writeNow sends a whole response straight to the socket, byte for byte', {
  skip: !ON_LINUX,
  timeout: 30_000,
}, async (t) => {
  const { server, client } = await socketPair(t);
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 200_000 }),
      fc.integer({ min: 0, max: 255 }),
      async (size, seed) => {
        const out = pattern(size, seed);
        const reading = readExactly(client, size);
        const directBefore = zeroCopyStatus().directBytes;
        const sent = writeNow(server, out);
        assert.equal(zeroCopyStatus().directBytes - directBefore, sent, 'counted in /debug/cache');
        // A reading peer's socket buffers take a small response whole.
        if (size <= 16 * 1024) assert.equal(sent, size, 'sent at once, nothing left to node');
        const got = await reading;
        assert.equal(got.length, size, 'nothing more, nothing less');
        assert.ok(got.equals(out));
      },
    ),
    { numRuns: 40 },
  );
});

test('writeNow never overtakes bytes queued in node, and queues what the kernel did not take', {
  skip: !ON_LINUX,
  timeout: 30_000,
}, async (t) => {
  const { server, client } = await socketPair(t);
  client.pause();
  // Responses of a viewer that pipelines and does not read: the kernel's buffers fill, then
  // the rest of one response and every later one wait in node, in order.
  const responses = Array.from({ length: 40 }, (_, i) => pattern(i % 2 === 0 ? 300_000 : 700, i));
  const total = responses.reduce((n, r) => n + r.length, 0);
  const sent = responses.map((r) => writeNow(server, r));
  assert.ok(sent[0] > 0, 'the first went straight out');
  const firstPartial = sent.findIndex((n, i) => n < responses[i].length);
  assert.ok(firstPartial >= 0, 'the socket filled up');
  for (let i = firstPartial + 1; i < sent.length; i++)
    assert.equal(sent[i], 0, `response ${i} waited in node`);
  assert.ok(server.writableLength > 0);
  // Once the viewer reads, the kernel has room again while node still holds the rest: a
  // response written now must still wait behind it.
  const last = pattern(500, 99);
  let whileQueued = -1;
  client.once('data', () => {
    whileQueued = server.writableLength;
    writeNow(server, last);
  });
  client.resume();
  const got = await readExactly(client, total + last.length);
  assert.ok(whileQueued > 0, 'node still held queued bytes when the last response was written');
  assert.equal(got.length, total + last.length);
  assert.ok(got.equals(Buffer.concat([...responses, last])), 'every byte, in order');
});

test('writeNow leaves corked and TLS sockets to node', { skip: !ON_LINUX, timeout: 30_000 }, async (t) => {
  const { server, client } = await socketPair(t);
  const reading = readExactly(client, 10);
  server.cork();
  assert.equal(writeNow(server, Buffer.from('corked')), 0);
  server.uncork();
  writeNow(server, Buffer.from('then')); // straight out once node's queue is empty again
  assert.equal((await reading).toString(), 'corkedthen');
  const tls = new TLSSocket(server, { isServer: false });
  t.after(() => tls.destroy());
  assert.equal(writeNow(tls, Buffer.from('plaintext')), 0);
});

test('collected file-backed bodies give back their descriptor and mapping', { skip: !ON_LINUX }, async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const settle = async () => {
    for (let i = 0; i < 5; i++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await settle();
  const before = zeroCopyStatus().fileBackedBodies;
  const fdsBefore = readdirSync('/proc/self/fd').length;
  let bodies: Buffer[] | null = [];
  for (let i = 0; i < 40; i++) bodies.push(filled(ZERO_COPY_MIN_BYTES * 2, i));
  assert.equal(zeroCopyStatus().fileBackedBodies, before + 40);
  assert.ok(readdirSync('/proc/self/fd').length >= fdsBefore + 40, 'each holds a descriptor');
  assert.equal(bodies.length, 40);
  bodies = null;
  await settle();
  assert.ok(zeroCopyStatus().fileBackedBodies <= before, `${zeroCopyStatus().fileBackedBodies} still alive`);
  assert.ok(readdirSync('/proc/self/fd').length < fdsBefore + 5, 'their descriptors are closed');
});

const ZERO_COPY_MODULE = fileURLToPath(new URL('../../src/zero-copy.js', import.meta.url));

/** Runs `code` (an ES module importing zero-copy.js as `zc`) in a child node, in bash with `shellPrefix`. */
function child(code: string, shellPrefix = '') {
  const script = `import * as zc from ${JSON.stringify(ZERO_COPY_MODULE)};\n${code}`;
  return spawnSync(
    'bash',
    ['-c', `${shellPrefix} exec "$0" --input-type=module -e "$1"`, process.execPath, script],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
}

test('TLS sockets are left to node: their descriptor carries ciphertext', {
  skip: !ON_LINUX,
  timeout: 30_000,
}, async (t) => {
  const { server } = await socketPair(t);
  const tls = new TLSSocket(server, { isServer: false });
  t.after(() => tls.destroy());
  assert.equal(sendZeroCopy(tls, Buffer.from('head'), filled(ZERO_COPY_MIN_BYTES, 2)), 0);
});

test('a sealed body is read-only: a stray write faults instead of changing bytes in flight', {
  skip: !ON_LINUX,
}, () => {
  const readable = child(
    'const b = zc.largeBodyBuffer(70000); b.fill(1); zc.sealBody(b); console.log(b[69999]);',
  );
  assert.equal(readable.status, 0, readable.stderr);
  assert.equal(readable.stdout.trim(), '1');
  const written = child(
    'const b = zc.largeBodyBuffer(70000); b.fill(1); zc.sealBody(b); b[5] = 2; console.log("wrote");',
  );
  assert.notEqual(written.stdout.trim(), 'wrote', 'the write went through');
  assert.ok(written.signal === 'SIGSEGV' || written.signal === 'SIGBUS', `ended by ${written.signal}`);
  const joined = child(
    'const b = zc.concatBody([Buffer.alloc(40000, 1), Buffer.alloc(40000, 2)], 80000); console.log(zc.isFileBacked(b), b[79999]); b[5] = 3; console.log("wrote");',
  );
  assert.equal(joined.stdout.split('\n')[0], 'true 2', 'a joined body is file-backed and holds its bytes');
  assert.ok(
    joined.signal === 'SIGSEGV' || joined.signal === 'SIGBUS',
    `a joined body is read-only from the start (${joined.signal})`,
  );
});

test('file-backed bodies take at most a quarter of the descriptor limit; the rest are ordinary', {
  skip: !ON_LINUX,
}, () => {
  const run = child(
    'const kept = []; for (let i = 0; i < 200; i++) kept.push(zc.largeBodyBuffer(65536)); console.log(kept.filter(zc.isFileBacked).length, kept.length);',
    'ulimit -n 256;',
  );
  assert.equal(run.status, 0, run.stderr);
  const [fileBacked, all] = run.stdout.trim().split(' ').map(Number);
  assert.equal(all, 200);
  assert.ok(fileBacked > 0 && fileBacked <= 64, `${fileBacked} file-backed under a limit of 256 descriptors`);
});

test('a file-backed body is charged its last page whole', { skip: !ON_LINUX }, () => {
  const meta = {
    key: 'E1TEST\n4:/big',
    distributionId: 'E1TEST',
    path: '/big',
    headers: {},
    tags: [],
  } as unknown as Parameters<typeof memoryCharge>[0];
  const page = fileBackedPageBytes;
  const atPage = memoryCharge(meta, 16 * page);
  assert.equal(memoryCharge(meta, 16 * page + 1) - atPage, page, 'one more byte starts a page');
  assert.equal(memoryCharge(meta, 17 * page) - atPage, page, 'which it fills');
});
