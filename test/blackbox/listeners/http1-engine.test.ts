/**
 * `--http-engine edgefront`: the node:net HTTP/1.x engine of the viewer HTTP port, on the wire.
 * (It is the default engine; EDGEFRONT_TEST_HTTP_ENGINE=node runs the black-box suite on node:http.)
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { allMethodsConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, startEdgeProcess } from '../../helpers/edge-process.js';
import { httpRequest, rawHttp } from '../../helpers/http.js';
import { startOrigin, type TestOrigin } from '../../helpers/origin.js';

const BIG_BYTES = 2 * 1024 * 1024;

let edge: EdgeProcess;
let origin: TestOrigin;
let port: number;
let cleanup: () => Promise<void>;

before(async () => {
  origin = await startOrigin((req, res, seen) => {
    if (req.url === '/big') {
      // No Content-Length: the edge streams it to the viewer chunked.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const piece = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const more = () => {
        while (sent < BIG_BYTES) {
          sent += piece.length;
          if (!res.write(piece)) return res.once('drain', more);
        }
        res.end();
      };
      more();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${seen.method} ${req.url} ${seen.bodyBytes} ${seen.body}`);
  });
  const tmp = await tempDir();
  const config = await writeYaml(tmp.dir, 'edgefront.yaml', allMethodsConfig(origin.port));
  edge = await startEdgeProcess(['--config', config, '--http-engine', 'edgefront']);
  port = Number(edge.http.port);
  cleanup = () => Promise.all([edge.close(), origin.close(), tmp.remove()]).then(() => undefined);
});
after(() => cleanup());

function statuses(raw: string): string[] {
  return [...raw.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1]);
}

test('pipelined requests are answered in order on one connection', async () => {
  const raw = await rawHttp(
    port,
    'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  assert.deepEqual(statuses(raw), ['200', '200', '200']);
  const order = [...raw.matchAll(/GET (\/[abc]) 0/g)].map((m) => m[1]);
  assert.deepEqual(order, ['/a', '/b', '/c']);
});

test('a chunked request body reaches the origin whole', async () => {
  const raw = await rawHttp(
    port,
    'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n',
  );
  assert.match(raw, /^HTTP\/1\.1 200 OK/);
  assert.match(raw, /POST \/echo 11 hello world/);
});

test('a Content-Length body, then a pipelined GET, on one connection', async () => {
  const raw = await rawHttp(
    port,
    'PUT /put HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcdGET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  assert.deepEqual(statuses(raw), ['200', '200']);
  assert.match(raw, /PUT \/put 4 abcd/);
  assert.match(raw, /GET \/after 0/);
});

test('a keep-alive connection reads the next request after an upload that filled the body stream at its end', async () => {
  // 20,000 bytes in one read: the body stream's buffer is over its mark when the body ends.
  const body = 'u'.repeat(20_000);
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('latin1');
  let raw = '';
  const closed = new Promise<void>((resolve, reject) => {
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  const received = (pattern: RegExp) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!pattern.test(raw)) return;
        socket.off('data', onData);
        resolve();
      };
      const onData = (chunk: string) => {
        raw += chunk;
        check();
      };
      socket.on('data', onData);
      check();
    });
  socket.write(`PUT /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  await received(/PUT \/upload 20000 u+/);
  socket.write('GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await received(/GET \/next 0/); // never arriving fails the test by its timeout
  await closed;
  assert.deepEqual(statuses(raw), ['200', '200']);
});

test('request smuggling defences: both Content-Length and Transfer-Encoding, duplicate or invalid lengths, bad chunk sizes are 400 and close', async () => {
  const cases = [
    'POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    'POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd',
    'POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
    'POST /s HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n',
    'POST /s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
    'POST /s HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n',
    'GET /s HTTP/1.1\r\nHost: x\r\n folded: value\r\n\r\n',
    'GET /s HTTP/9.9\r\nHost: x\r\n\r\n',
    'GET\r\n\r\n',
  ];
  for (const text of cases) {
    const raw = await rawHttp(port, text);
    assert.match(raw, /^HTTP\/1\.1 400 Bad Request/, JSON.stringify(text));
    assert.match(raw, /Connection: close/);
  }
  assert.equal(origin.requests.filter((r) => r.url === '/s').length, 0);
});

test('request line + headers over 20,480 bytes are 413 and close; a URL over 8,192 bytes is 413', async () => {
  const big = await rawHttp(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(21_000)}\r\n\r\n`);
  assert.match(big, /^HTTP\/1\.1 413 Request Entity Too Large/);
  const longUrl = await rawHttp(port, `GET /${'u'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
  assert.match(longUrl, /^HTTP\/1\.1 413/);
  assert.match(longUrl, /Connection: close/);
});

test('Expect: 100-continue is answered before the body is sent', async () => {
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () =>
      socket.write(
        'POST /continue HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n',
      ),
    );
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => {
      if (out === '' && String(d).startsWith('HTTP/1.1 100 Continue\r\n\r\n')) socket.write('xyz');
      out += d;
    });
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
  assert.match(raw, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
  assert.match(raw, /POST \/continue 3 xyz/);
});

test('HEAD answers the headers and no body', async () => {
  const raw = await rawHttp(
    port,
    'HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /h2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  const [head, rest] = raw.split('\r\n\r\n', 2);
  assert.match(head, /^HTTP\/1\.1 200 OK/);
  assert.match(head, /x-cache: Miss from cloudfront/i);
  assert.match(rest, /^HTTP\/1\.1 200 OK/); // the next response follows the empty line directly
});

test('HTTP/1.1 keeps the connection alive; Connection: close and HTTP/1.0 close it', async () => {
  const kept = await rawHttp(port, 'GET /k HTTP/1.1\r\nHost: x\r\n\r\n', 300);
  assert.match(kept, /Connection: keep-alive\r\nKeep-Alive: timeout=60\r\n/); // serve's default idle timeout
  const closed = await rawHttp(port, 'GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 5000);
  assert.match(closed, /Connection: close/);
  const old = await rawHttp(port, 'GET /old HTTP/1.0\r\nHost: x\r\n\r\n', 5000);
  assert.match(old, /Connection: close/);
  assert.match(old, /GET \/old 0/);
});

test('a large origin body without Content-Length streams to the viewer chunked', async () => {
  const res = await fetch(edge.url('/big'));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('transfer-encoding'), 'chunked');
  const body = Buffer.from(await res.arrayBuffer());
  assert.equal(body.length, BIG_BYTES);
  assert.ok(body.every((b) => b === 120));
});

test('absolute-form targets take their authority as the Host', async () => {
  const raw = await rawHttp(
    port,
    'GET http://anything.example/abs?q=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  );
  assert.match(raw, /GET \/abs 0/); // CachingDisabled forwards no query string
});

/** A viewer connection written to in steps; `received` is everything the edge sent until it closed. */
function openViewer(): { write(text: string): void; received: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('latin1');
  let out = '';
  socket.on('data', (d) => {
    out += d;
  });
  const received = new Promise<string>((resolve, reject) => {
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
  return { write: (text) => socket.write(text, 'latin1'), received };
}

/** Requests on other connections: their bytes pass through the read buffer all connections share. */
async function otherTraffic(rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const raw = await rawHttp(
      port,
      'PUT /other HTTP/1.1\r\nHost: x\r\nContent-Length: 16\r\nConnection: close\r\n\r\nZZZZZZZZZZZZZZZZ',
      5000,
    );
    assert.match(raw, /PUT \/other 16 Z{16}/);
  }
}

test('bytes kept between reads (a partial head, a partial body, pipelined requests) survive other connections reading', async () => {
  const partialBody = openViewer();
  partialBody.write('PUT /lent HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nAAAAA');
  const partialHead = openViewer();
  partialHead.write('GET /split-he');
  const pipelined = openViewer();
  pipelined.write('GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /p2 HTTP/1.1\r\nHo');
  await otherTraffic(8);
  partialBody.write('BBBBBGET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  partialHead.write('ad HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  pipelined.write('st: x\r\nConnection: close\r\n\r\n');
  const [body, head, rest] = await Promise.all([
    partialBody.received,
    partialHead.received,
    pipelined.received,
  ]);
  assert.deepEqual(statuses(body), ['200', '200']);
  assert.match(body, /PUT \/lent 10 AAAAABBBBB/);
  assert.match(body, /GET \/after 0/);
  assert.match(head, /GET \/split-head 0/);
  assert.deepEqual(statuses(rest), ['200', '200']);
  assert.match(rest, /GET \/p1 0[\s\S]*GET \/p2 0/);
});

test('a large upload reaches the origin byte for byte while other connections are read', async () => {
  const body = randomBytes(300_000).toString('base64');
  const [upload] = await Promise.all([
    httpRequest(edge.url('/upload'), { method: 'PUT', body }),
    otherTraffic(20),
  ]);
  assert.equal(upload.status, 200);
  assert.ok(upload.body === `PUT /upload ${body.length} ${body}`, 'the origin saw the body as sent');
});

test('pipelined requests past the 64 KiB buffered while answering pause the socket, and all are answered in order', async () => {
  const count = 1500; // about 130 KiB of heads, each answered by the origin (CachingDisabled)
  let text = '';
  for (let i = 0; i < count; i++)
    text += `GET /flood-${i} HTTP/1.1\r\nHost: x\r\nUser-Agent: pipeline\r\n\r\n`;
  text += 'GET /flood-last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
  const raw = await rawHttp(port, text, 10_000);
  const order = [...raw.matchAll(/GET \/flood-(\d+|last) 0/g)].map((m) => m[1]);
  assert.equal(order.length, count + 1);
  assert.deepEqual(order.slice(0, 3), ['0', '1', '2']);
  assert.equal(order[count - 1], String(count - 1));
  assert.equal(order[count], 'last');
  assert.ok(
    order.every((v, i) => i === count || v === String(i)),
    'answered in request order',
  );
});
