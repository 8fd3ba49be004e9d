/**
 * Slow viewers on both HTTP/1 engines, with small injected timeouts (createEdge's
 * `viewerTimeouts`): a head trickling in (slowloris) is 408 with CloudFront's page and close, an
 * idle keep-alive connection is closed, a stalled body never reaches the origin complete, and a
 * slow origin is never mistaken for a slow viewer. Timing is only asserted as "cut before the
 * bounded wait ended" or "answered".
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, type TestContext, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { createEdge, type Edge } from '../../../src/edge/create-edge.js';
import { clientErrorPage } from '../../../src/edge/http1/error-responses.js';
import { zeroCopyEnabled } from '../../../src/zero-copy.js';
import { allMethodsConfig, simpleConfig, tempDir } from '../../helpers/config.js';
import { startOrigin, type TestOrigin } from '../../helpers/origin.js';
import { BOUND_MS, ENGINES, type RecordingOrigin, readResponses, startRecordingOrigin } from './wire.js';

/** The head and body timeouts are short; keep-alive is longer; the slow origin outlasts them all. */
const TIMEOUTS = { keepAliveMs: 1000, headersMs: 200, bodyIdleMs: 400, requestMs: 400 };
const SLOW_ORIGIN_MS = 1500;
/** A trickling viewer sends a byte this often: far more often than any timeout. */
const TRICKLE_MS = 20;

/** A viewer on a raw socket (TLS with ALPN http/1.1 when `tls`), told when the edge closes the connection. */
function viewer(
  port: number,
  tls = false,
): { socket: Socket; received: () => string; closed: Promise<void> } {
  const socket = tls
    ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
    : connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    received += d;
  });
  socket.on('error', () => {}); // writes after the edge closed
  const closed = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not closed within ${BOUND_MS} ms`)), BOUND_MS);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return { socket, received: () => received, closed };
}

/** Sends a head for `path` a field at a time, never ending it, until the edge closes; returns what it answered. */
async function slowloris(port: number, path: string, tls = false): Promise<string> {
  const v = viewer(port, tls);
  v.socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n`);
  const trickle = setInterval(() => v.socket.write('X-Drip: 1\r\n'), TRICKLE_MS);
  try {
    await v.closed;
  } finally {
    clearInterval(trickle);
  }
  return v.received();
}

for (const engine of ENGINES) {
  describe(`--http-engine ${engine}`, () => {
    let origin: RecordingOrigin;
    let edge: Edge;
    let port: number;
    before(async () => {
      origin = await startRecordingOrigin(SLOW_ORIGIN_MS);
      edge = await createEdge({
        config: allMethodsConfig(origin.port),
        httpEngine: engine,
        viewerTimeouts: TIMEOUTS,
      });
      port = Number((await edge.listen()).http.port);
    });
    after(() => Promise.all([edge.close(), origin.close()]));

    test('a head still incomplete after the headers timeout is 408 and close, however steadily it trickles (slowloris)', async () => {
      const [response, ...more] = readResponses(await slowloris(port, '/slowloris'));
      assert.equal(response.statusLine, 'HTTP/1.1 408 Request Timeout');
      assert.equal(response.body, clientErrorPage(408));
      assert.equal(response.headers['x-cache'], 'Error from cloudfront');
      assert.equal(more.length, 0);
      assert.equal(origin.seen.filter((s) => s.url === '/slowloris').length, 0);
    });

    test('an idle keep-alive connection is closed without a response, before and after a request', async () => {
      const silent = viewer(port);
      await silent.closed;
      assert.equal(silent.received(), '');
      const used = viewer(port);
      used.socket.write('GET /idle HTTP/1.1\r\nHost: x\r\n\r\n');
      await used.closed;
      assert.deepEqual(
        readResponses(used.received()).map((r) => r.status),
        [200],
      );
    });

    test('a request body that stalls is cut (408 when nothing was answered yet); the origin never sees it complete', async () => {
      const v = viewer(port);
      v.socket.write('POST /stalled HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nfirst bytes');
      await v.closed;
      // The edgefront engine answers 408 (its body-stall timeout); node:http's request timeout
      // cuts the connection, since the body was already streaming to the origin.
      for (const r of readResponses(v.received(), [], true)) assert.equal(r.status, 408);
      await origin.settled();
      assert.ok(origin.seen.filter((s) => s.url === '/stalled').every((s) => s.state === 'aborted'));
    });

    test('a slow origin is not a slow viewer: the answer arrives after every timeout has passed', async () => {
      const v = viewer(port);
      v.socket.write('GET /slow/origin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      await v.closed;
      const [response] = readResponses(v.received());
      assert.equal(response.status, 200);
      assert.equal(response.body, 'seen GET /slow/origin 0');
    });
  });
}

// A memory-tier hit this large goes out by sendfile as the viewer's socket drains (zero-copy.ts),
// and the edgefront engine times such a viewer by its progress (Wait.Send), not from the
// response's start: it may read slowly for as long as it keeps reading, and is cut when it stops.
describe('a large cached body going out as the socket drains', { skip: !zeroCopyEnabled }, () => {
  const big = Buffer.alloc(4 * 1024 * 1024);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 16)) & 0xff;
  const keepAliveMs = 400;
  let origin: TestOrigin;
  let edge: Edge;
  let port: number;
  before(async () => {
    origin = await startOrigin((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(big.length),
        'cache-control': 'max-age=3600',
      });
      res.end(big);
    });
    edge = await createEdge({
      config: simpleConfig(origin.port, {
        DefaultCacheBehavior: {
          TargetOriginId: 'app',
          ViewerProtocolPolicy: 'allow-all',
          CachePolicyId: 'CachingOptimized',
        },
      }),
      httpEngine: 'edgefront',
      viewerTimeouts: { keepAliveMs, headersMs: keepAliveMs, bodyIdleMs: keepAliveMs },
    });
    port = Number((await edge.listen()).http.port);
    const miss = await fetch(`http://127.0.0.1:${port}/big.bin`, {
      headers: { 'accept-encoding': 'identity' },
    });
    assert.equal((await miss.arrayBuffer()).byteLength, big.length);
  });
  after(() => Promise.all([edge.close(), origin.close()]));

  /** A raw viewer asking for the hit, paused: the test decides when it reads. */
  function pausedViewer(t: TestContext): { socket: Socket; closed: Promise<void> } {
    const socket = connect(port, '127.0.0.1');
    socket.pause();
    socket.on('error', () => {});
    socket.write(
      'GET /big.bin HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n',
    );
    t.after(() => socket.destroy());
    const closed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not closed within ${BOUND_MS} ms`)), BOUND_MS);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return { socket, closed };
  }

  test('a viewer reading it slowly, for several keep-alive timeouts, gets it whole', async (t) => {
    const { socket, closed } = pausedViewer(t);
    socket.on('end', () => socket.destroy());
    // Takes what has arrived every 20 ms: the 4 MiB take several keep-alive timeouts, while the
    // socket drains far more often than one.
    const chunks: Buffer[] = [];
    const take = () => {
      for (let chunk = socket.read(); chunk !== null; chunk = socket.read()) chunks.push(chunk);
    };
    const began = Date.now();
    const reader = setInterval(take, 20);
    t.after(() => clearInterval(reader));
    await closed;
    clearInterval(reader);
    take();
    const took = Date.now() - began;
    const raw = Buffer.concat(chunks);
    const headEnd = raw.indexOf('\r\n\r\n');
    const head = raw.subarray(0, headEnd).toString('latin1');
    assert.match(head, /^HTTP\/1\.1 200 /);
    assert.match(head, /x-cache: Hit from cloudfront/i);
    const body = raw.subarray(headEnd + 4);
    assert.equal(body.length, big.length, `the whole body (reading took ${took} ms)`);
    assert.ok(body.equals(big), 'byte for byte');
    assert.ok(took > 2 * keepAliveMs, `reading outlasted the keep-alive timeout (${took} ms)`);
  });

  test('a viewer that stops reading is cut, however steadily it sends bytes', async (t) => {
    const { socket, closed } = pausedViewer(t);
    // Never reads; writes a byte every 20 ms (which must not count as taking the response).
    const trickle = setInterval(() => socket.write('x'), TRICKLE_MS);
    t.after(() => clearInterval(trickle));
    await closed; // bounded: the edge closes it, or this rejects
    clearInterval(trickle);
  });
});

describe('HTTPS/1.1 (node:http behind TLS)', () => {
  let origin: RecordingOrigin;
  let edge: Edge;
  let port: number;
  let state: { dir: string; remove(): Promise<void> };
  before(async () => {
    origin = await startRecordingOrigin();
    state = await tempDir();
    const options = { config: allMethodsConfig(origin.port), viewerTimeouts: TIMEOUTS, httpsPort: 0 };
    edge = await createEdge({ ...options, stateDir: state.dir });
    port = Number((await edge.listen()).https!.port);
  });
  after(async () => {
    await Promise.all([edge.close(), origin.close()]);
    await state.remove();
  });

  test('a slowloris head is 408 and close; an idle keep-alive connection is closed (it stayed open for ever)', async () => {
    const slow = await slowloris(port, '/tls-slowloris', true);
    assert.equal(readResponses(slow)[0].statusLine, 'HTTP/1.1 408 Request Timeout');
    const idle = viewer(port, true);
    idle.socket.write('GET /tls-idle HTTP/1.1\r\nHost: x\r\n\r\n');
    await idle.closed;
    assert.deepEqual(
      readResponses(idle.received()).map((r) => r.status),
      [200],
    );
  });
});
