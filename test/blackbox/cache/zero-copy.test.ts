/**
 * Large memory-tier hits go out with sendfile from file-backed bodies, and small responses with
 * one send straight to the socket (src/zero-copy.ts): a real `edgefront serve` answers them byte
 * for byte, whole, by range, pipelined behind each other and faster than the viewer reads,
 * exactly as with zero-copy sends turned off.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import test from 'node:test';
import { simpleConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { startEdgeProcess } from '../../helpers/edge-process.js';
import { startOrigin } from '../../helpers/origin.js';

function pattern(size: number, seed: number): Buffer {
  const body = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) body[i] = (i * 13 + seed + (i >> 12)) & 0xff;
  return body;
}

const OBJECTS: Record<string, Buffer> = {
  '/big.bin': pattern(1024 * 1024 + 77, 1),
  '/mid.bin': pattern(200_000, 2),
  '/edge.bin': pattern(64 * 1024, 3), // the smallest file-backed size
  '/under.bin': pattern(64 * 1024 - 1, 4),
  '/small.bin': pattern(1024, 5), // sent whole, head and body in one send
};

interface Parsed {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

/**
 * Sends `requests` on one connection in a single write and parses the `requests.length`
 * responses (Content-Length framing; a HEAD's has no body). The reader pauses after every chunk
 * and resumes on the next turn, so the edge is often ahead of it. With `halfClose` the viewer
 * sends FIN right after its requests, and the edge must also end the connection after the last
 * response.
 */
function pipelined(
  port: number,
  requests: { method: string; path: string; range?: string }[],
  { halfClose = false } = {},
): Promise<Parsed[]> {
  const text = requests
    .map(
      (r) =>
        `${r.method} ${r.path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${r.range ? `Range: ${r.range}\r\n` : ''}\r\n`,
    )
    .join('');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(text);
      if (halfClose) socket.end();
    });
    let pending: Buffer = Buffer.alloc(0);
    const out: Parsed[] = [];
    let ended = false;
    const done = () => {
      if (out.length < requests.length || (halfClose && !ended)) return;
      socket.destroy();
      resolve(out);
    };
    const parse = () => {
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = pending.subarray(0, end).toString('latin1').split('\r\n');
        const headers = new Map<string, string>();
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
        }
        const length = requests[out.length].method === 'HEAD' ? 0 : Number(headers.get('content-length'));
        if (pending.length < end + 4 + length) return;
        out.push({
          status: Number(lines[0].split(' ')[1]),
          headers,
          body: pending.subarray(end + 4, end + 4 + length),
        });
        pending = pending.subarray(end + 4 + length);
        if (out.length === requests.length) {
          done();
          return;
        }
      }
    };
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      parse();
      socket.pause();
      setImmediate(() => socket.resume());
    });
    socket.on('error', reject);
    socket.on('end', () => {
      ended = true;
      done();
    });
    socket.on('close', () => {
      if (out.length < requests.length) reject(new Error(`closed after ${out.length} responses`));
    });
  });
}

for (const mode of ['on', 'off'] as const) {
  test(`large hits are answered byte for byte with zero-copy sends ${mode}`, {
    timeout: 60_000,
  }, async (t) => {
    const origin = await startOrigin((req, res) => {
      const body = OBJECTS[req.url ?? ''];
      if (body === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(body.length),
        'cache-control': 'max-age=3600',
      });
      res.end(body);
    });
    const tmp = await tempDir();
    t.after(() => Promise.all([origin.close(), tmp.remove()]));
    const config = await writeYaml(
      tmp.dir,
      'edgefront.yaml',
      simpleConfig(origin.port, {
        DefaultCacheBehavior: {
          TargetOriginId: 'app',
          ViewerProtocolPolicy: 'allow-all',
          CachePolicyId: 'CachingOptimized',
        },
      }),
    );
    const edge = await startEdgeProcess(['--config', config], { env: { EDGEFRONT_ZERO_COPY: mode } });
    t.after(() => edge.close());

    for (const [path, body] of Object.entries(OBJECTS)) {
      const miss = await fetch(edge.url(path));
      assert.equal(miss.headers.get('x-cache'), 'Miss from cloudfront', path);
      assert.ok(Buffer.from(await miss.arrayBuffer()).equals(body), `${path} miss bytes`);
      const hit = await fetch(edge.url(path));
      assert.equal(hit.headers.get('x-cache'), 'Hit from cloudfront', path);
      assert.ok(Buffer.from(await hit.arrayBuffer()).equals(body), `${path} hit bytes`);
    }

    const debug = (await (await fetch(new URL('/debug/cache?distribution=E1TEST', edge.admin))).json()) as {
      memory: {
        zeroCopy: {
          enabled: boolean;
          reason: string;
          fileBackedBodies: number;
          sentBytes: number;
          directBytes: number;
        };
      };
    };
    const zeroCopy = debug.memory.zeroCopy;
    if (mode === 'off') {
      assert.deepEqual(zeroCopy, {
        enabled: false,
        reason: 'EDGEFRONT_ZERO_COPY=off',
        fileBackedBodies: 0,
        sentBytes: 0,
        directBytes: 0,
      });
    } else if (process.platform === 'linux') {
      assert.equal(zeroCopy.enabled, true, zeroCopy.reason);
      // /big, /mid and /edge; /under and /small are below the size and stay ordinary Buffers.
      assert.equal(zeroCopy.fileBackedBodies, 3);
      assert.ok(zeroCopy.directBytes > 1024, `${zeroCopy.directBytes} bytes sent straight`);
    }

    const big = OBJECTS['/big.bin'];
    // fetch() asks for gzip and br, which is in the cache key; these requests ask for neither.
    const warm = await pipelined(
      Number(edge.http.port),
      Object.keys(OBJECTS).map((path) => ({ method: 'GET', path })),
    );
    assert.deepEqual(
      warm.map((r) => r.body.equals(OBJECTS[Object.keys(OBJECTS)[warm.indexOf(r)]])),
      Object.keys(OBJECTS).map(() => true),
    );
    const responses = await pipelined(Number(edge.http.port), [
      ...Array.from({ length: 8 }, () => ({ method: 'GET', path: '/big.bin' })),
      { method: 'GET', path: '/big.bin', range: 'bytes=1000-700000' },
      { method: 'HEAD', path: '/big.bin' },
      { method: 'GET', path: '/mid.bin', range: 'bytes=-70000' },
      { method: 'GET', path: '/edge.bin' },
      { method: 'GET', path: '/under.bin' },
      { method: 'GET', path: '/big.bin' },
      // Small responses behind a large one the reader is still taking: whole and in order (the
      // kernel's buffer is full here, so this checks framing; the unit test in
      // test/unit/zero-copy.test.ts writes while node holds bytes and the kernel has room).
      ...Array.from({ length: 20 }, () => ({ method: 'GET', path: '/small.bin' })),
      { method: 'HEAD', path: '/small.bin' },
      { method: 'GET', path: '/big.bin' },
      { method: 'GET', path: '/small.bin' },
    ]);
    for (let i = 0; i < 8; i++) {
      assert.equal(responses[i].status, 200);
      assert.equal(responses[i].headers.get('x-cache'), 'Hit from cloudfront');
      assert.ok(responses[i].body.equals(big), `pipelined response ${i}`);
    }
    assert.equal(responses[8].status, 206);
    assert.equal(responses[8].headers.get('content-range'), `bytes 1000-700000/${big.length}`);
    assert.ok(responses[8].body.equals(big.subarray(1000, 700_001)), 'range of a file-backed body');
    assert.equal(responses[9].status, 200);
    assert.equal(responses[9].headers.get('content-length'), String(big.length));
    const mid = OBJECTS['/mid.bin'];
    assert.equal(responses[10].status, 206);
    assert.ok(responses[10].body.equals(mid.subarray(mid.length - 70_000)), 'suffix range');
    assert.ok(responses[11].body.equals(OBJECTS['/edge.bin']));
    assert.ok(responses[12].body.equals(OBJECTS['/under.bin']));
    assert.ok(responses[13].body.equals(big), 'after all the others');
    for (let i = 14; i < 34; i++) {
      assert.equal(responses[i].headers.get('x-cache'), 'Hit from cloudfront');
      assert.ok(responses[i].body.equals(OBJECTS['/small.bin']), `small response ${i}`);
    }
    assert.equal(responses[34].headers.get('content-length'), '1024');
    assert.ok(responses[35].body.equals(big));
    assert.ok(responses[36].body.equals(OBJECTS['/small.bin']), 'the last response after all the others');
    assert.equal(
      origin.hits,
      2 * Object.keys(OBJECTS).length,
      'each object came from the origin once per key',
    );
    // A viewer that sends FIN right after its requests still reads: every response whole, in
    // order, then the edge ends the connection too (a body still going out as the socket drains
    // must not be cut by the viewer's FIN).
    const halfClosed = await pipelined(
      Number(edge.http.port),
      [
        { method: 'GET', path: '/big.bin' },
        { method: 'GET', path: '/small.bin' },
        { method: 'GET', path: '/big.bin' },
      ],
      { halfClose: true },
    );
    assert.deepEqual(
      halfClosed.map((r) => r.status),
      [200, 200, 200],
    );
    assert.ok(halfClosed[0].body.equals(big), 'the first body, whole');
    assert.ok(halfClosed[1].body.equals(OBJECTS['/small.bin']));
    assert.ok(halfClosed[2].body.equals(big), 'the last body, whole');

    const after = (await (await fetch(new URL('/debug/cache?distribution=E1TEST', edge.admin))).json()) as {
      memory: { zeroCopy: { sentBytes: number; directBytes: number } };
    };
    const sent = after.memory.zeroCopy.sentBytes;
    if (mode === 'off') assert.deepEqual([sent, after.memory.zeroCopy.directBytes], [0, 0]);
    // The hits above sent ~12 MiB of file-backed bodies: most of it went by sendfile.
    else if (process.platform === 'linux') assert.ok(sent > 4 * 1024 * 1024, `${sent} bytes by sendfile`);
  });
}
