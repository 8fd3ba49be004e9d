/**
 * The `edgefront` HTTP/1 engine's viewer timeouts (src/edge/http1/timeouts.ts), with small
 * injected timeouts: the engine on loopback over a real node:http origin, viewers on raw
 * node:net sockets. Timing is only asserted as "cut before the bounded wait ended" (or "not
 * cut": the answer arrived).
 */
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import { type AddressInfo, connect, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { createHttp1Server } from '../../../src/edge/http1/server.js';
import { http1Settings, Wait } from '../../../src/edge/http1/timeouts.js';
import { testRuntime } from './test-runtime.js';

/** Head and body timeouts are the period; keep-alive is several, so a slow origin outlasts all. */
const TIMEOUTS = { keepAliveMs: 1000, headersMs: 200, bodyIdleMs: 400 };
/** The slow origin answers after every timeout has passed at least once. */
const SLOW_ORIGIN_MS = 1500;
/** How long any expected cut or answer may take before the test fails. */
const BOUND_MS = 10_000;
/** A trickling viewer sends a byte this often: far more often than any timeout. */
const TRICKLE_MS = 20;

interface OriginRequestSeen {
  url: string;
  bodyBytes: number;
  outcome: 'in progress' | 'complete' | 'aborted';
}

const seen: OriginRequestSeen[] = [];
let origin: HttpServer;
let edge: Server;
let edgePort: number;
let closeRuntime: () => Promise<void>;

before(async () => {
  origin = createServer((req, res) => {
    const request: OriginRequestSeen = { url: req.url ?? '', bodyBytes: 0, outcome: 'in progress' };
    seen.push(request);
    req.on('data', (chunk: Buffer) => {
      request.bodyBytes += chunk.length;
    });
    req.on('error', () => {}); // an aborted request: 'close' below records it
    req.on('close', () => {
      if (request.outcome === 'in progress') request.outcome = req.complete ? 'complete' : 'aborted';
    });
    req.on('end', () => {
      request.outcome = 'complete';
      const answer = () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`${req.method} ${req.url} ${request.bodyBytes}`);
      };
      if (req.url?.startsWith('/slow')) setTimeout(answer, SLOW_ORIGIN_MS);
      else answer();
    });
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const runtime = testRuntime((origin.address() as AddressInfo).port);
  closeRuntime = runtime.close;
  edge = createHttp1Server(() => runtime.runtime, { timeouts: TIMEOUTS });
  await new Promise<void>((resolve) => edge.listen(0, '127.0.0.1', resolve));
  edgePort = (edge.address() as AddressInfo).port;
});

after(async () => {
  origin.closeAllConnections();
  await Promise.all([
    new Promise((resolve) => edge.close(resolve)),
    new Promise((resolve) => origin.close(resolve)),
    closeRuntime(),
  ]);
});

/** What createEdge builds for one config, minus the listeners (they are what is tested here). */
/** Resolves once `holds()` does; fails the test if BOUND_MS passes first. */
async function eventually(what: string, holds: () => boolean): Promise<void> {
  const deadline = Date.now() + BOUND_MS;
  while (!holds()) {
    if (Date.now() > deadline) assert.fail(`not within ${BOUND_MS} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A viewer on a raw socket: what it received, and whether the edge closed the connection. */
class Viewer {
  received = '';
  closed = false;
  private readonly socket: Socket;
  private trickle: NodeJS.Timeout | undefined;

  constructor() {
    this.socket = connect(edgePort, '127.0.0.1');
    this.socket.setEncoding('latin1');
    this.socket.on('data', (text: string) => {
      this.received += text;
    });
    this.socket.on('error', () => {}); // writes after the edge closed: the test looks at `closed`
    this.socket.on('close', () => {
      this.closed = true;
      this.stopTrickle();
    });
  }

  write(text: string): void {
    this.socket.write(text, 'latin1');
  }

  /** Sends `byte` every TRICKLE_MS until stopped or closed; returns how many were sent so far. */
  startTrickle(byte: string): () => number {
    let sent = 0;
    this.trickle = setInterval(() => {
      if (this.closed) return;
      this.write(byte);
      sent++;
    }, TRICKLE_MS);
    return () => sent;
  }

  stopTrickle(): void {
    clearInterval(this.trickle);
  }

  statuses(): string[] {
    return [...this.received.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]);
  }

  close(): void {
    this.stopTrickle();
    this.socket.destroy();
  }
}

function viewer(t: { after(fn: () => void): void }): Viewer {
  const v = new Viewer();
  t.after(() => v.close());
  return v;
}

test('a request head still incomplete when the headers timeout passes is 408 and close, however steadily it trickles in (slowloris)', async (t) => {
  const v = viewer(t);
  v.write('GET /slowloris HTTP/1.1\r\nHost: x\r\nX-Slow: ');
  const trickled = v.startTrickle('a');
  await eventually('the edge closes the slowloris connection', () => v.closed);
  assert.match(v.received, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  assert.match(v.received, /\r\nConnection: close\r\n/);
  assert.match(v.received, /\r\nX-Cache: Error from cloudfront\r\n/);
  assert.ok(trickled() > 0, 'the head was still arriving when it was cut');
  assert.equal(seen.filter((r) => r.url === '/slowloris').length, 0);
});

test('a request body that stalls is 408 and close, and the origin sees its request aborted, never complete', async (t) => {
  const framings = [
    { name: 'content-length', head: 'Content-Length: 100', start: 'x'.repeat(10), byte: 'x', maxBytes: 50 },
    // One open 1 KiB chunk, trickled into byte by byte.
    { name: 'chunked', head: 'Transfer-Encoding: chunked', start: '400\r\nxxxxx', byte: 'x', maxBytes: 500 },
  ];
  for (const framing of framings) {
    const url = `/upload-${framing.name}`;
    const v = viewer(t);
    v.write(`POST ${url} HTTP/1.1\r\nHost: x\r\n${framing.head}\r\n\r\n${framing.start}`);
    // The body keeps moving until the origin is receiving it, then stalls.
    const trickled = v.startTrickle(framing.byte);
    await eventually(`the origin receives ${url}`, () => seen.some((r) => r.url === url) || v.closed);
    v.stopTrickle();
    assert.ok(trickled() < framing.maxBytes, 'the body stayed incomplete');
    await eventually(`the edge closes the stalled ${framing.name} upload`, () => v.closed);
    assert.match(v.received, /^HTTP\/1\.1 408 Request Timeout\r\n/, framing.name);
    assert.match(v.received, /\r\nConnection: close\r\n/);
    assert.deepEqual(v.statuses(), ['408'], 'nothing follows the 408');
    const atOrigin = seen.filter((r) => r.url === url);
    assert.equal(atOrigin.length, 1, `the origin received ${url} before the stall`);
    await eventually(`the origin sees ${url} end`, () => atOrigin[0].outcome !== 'in progress');
    assert.equal(atOrigin[0].outcome, 'aborted', framing.name);
  }
});

test('a connection idle past the keep-alive timeout is closed without a response, before or after a request', async (t) => {
  const silent = viewer(t);
  const kept = viewer(t);
  kept.write('GET /idle HTTP/1.1\r\nHost: x\r\n\r\n');
  await eventually('the response to /idle', () => kept.received.includes('GET /idle 0'));
  assert.match(kept.received, /\r\nConnection: keep-alive\r\n/);
  await eventually('the edge closes the idle keep-alive connection', () => kept.closed);
  assert.deepEqual(kept.statuses(), ['200'], 'no 408 for a viewer that owed nothing');
  await eventually('the edge closes a connection that never sent a byte', () => silent.closed);
  assert.equal(silent.received, '');
});

test('requests waiting on a slow origin are not cut, and the keep-alive connection serves the next request', async (t) => {
  const v = viewer(t);
  v.write('GET /slow-get HTTP/1.1\r\nHost: x\r\n\r\n');
  await eventually('the slow origin answers /slow-get', () => v.received.includes('GET /slow-get 0'));
  // A whole body, then the wait on the origin: the body timeout no longer applies.
  v.write('POST /slow-post HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc');
  await eventually('the slow origin answers /slow-post', () => v.received.includes('POST /slow-post 3'));
  v.write('GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await eventually('the edge closes after /after', () => v.closed);
  assert.deepEqual(v.statuses(), ['200', '200', '200']);
  assert.match(v.received, /GET \/after 0/);
});

test('pipelined requests behind a slow one are answered in order; their waiting heads are not timed', async (t) => {
  const v = viewer(t);
  v.write(
    'GET /slow-first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\nGET /third HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  await eventually('all three answered and the connection closed', () => v.closed);
  assert.deepEqual(v.statuses(), ['200', '200', '200']);
  const order = [...v.received.matchAll(/GET (\/[a-z-]+) 0/g)].map((m) => m[1]);
  assert.deepEqual(order, ['/slow-first', '/second', '/third']);
});

test('timeouts are whole milliseconds; each wait lasts whole periods of the shortest, and Keep-Alive names the idle one', () => {
  const settings = http1Settings(TIMEOUTS);
  assert.equal(settings.tickMs, 200);
  assert.equal(settings.ticks[Wait.Idle], 5);
  assert.equal(settings.ticks[Wait.Head], 1);
  assert.equal(settings.ticks[Wait.Body], 2);
  assert.equal(settings.ticks[Wait.Send], 5);
  assert.match(
    http1Settings().keepAliveEnd.toString('latin1'),
    /^Connection: keep-alive\r\nKeep-Alive: timeout=60\r\n\r\n$/,
  );
  assert.equal(http1Settings().tickMs, 60_000);
  for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 31])
    assert.throws(() => http1Settings({ headersMs: bad }), RangeError, String(bad));
});
