/**
 * The `edgefront` engine reads every connection into one shared buffer (src/edge/http1/
 * socket-reader.ts). A request body the origin is not taking yet waits in the edge's buffers;
 * it must be a copy, or the next read on any other connection overwrites it.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { allMethodsConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, startEdgeProcess } from '../../helpers/edge-process.js';
import { eventually } from '../../helpers/eventually.js';
import { rawHttp } from '../../helpers/http.js';

/** More than loopback's socket buffers on both sides hold, so the edge has to keep some itself. */
const UPLOAD_BYTES = 24 * 1024 * 1024;
const OTHER_BYTES = 256 * 1024;

let edge: EdgeProcess;
let cleanup: () => Promise<void>;
/** Opens when the test lets the origin read the upload it is holding. */
let openGate: () => void = () => {};
let gate = new Promise<void>((resolve) => {
  openGate = resolve;
});
/** Resolves when the origin has the upload's head (and is not reading its body). */
let uploadArrived: () => void = () => {};
const uploadSeen = new Promise<void>((resolve) => {
  uploadArrived = resolve;
});

async function digest(req: IncomingMessage): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of req) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

before(async () => {
  const origin = createServer(async (req, res) => {
    if (req.url === '/held') {
      uploadArrived();
      await gate; // node:http stops reading the socket while the body is not consumed
    }
    const { bytes, sha256 } = await digest(req);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${req.method} ${req.url} ${bytes} ${sha256}`);
  });
  origin.listen(0, '127.0.0.1');
  await once(origin, 'listening');
  const originPort = (origin.address() as AddressInfo).port;
  const tmp = await tempDir();
  const config = await writeYaml(tmp.dir, 'edgefront.yaml', allMethodsConfig(originPort));
  edge = await startEdgeProcess(['--config', config, '--http-engine', 'edgefront']);
  cleanup = async () => {
    openGate();
    origin.closeAllConnections();
    origin.close();
    await Promise.all([edge.close(), tmp.remove()]);
  };
});
after(() => cleanup());

test('an upload held back by a slow origin arrives byte for byte although other connections were read meanwhile', async () => {
  const body = randomBytes(UPLOAD_BYTES);
  const expected = createHash('sha256').update(body).digest('hex');
  let sent = () => 0;
  const answer = new Promise<string>((resolve, reject) => {
    const req = request(edge.url('/held'), { method: 'PUT', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve(text));
    });
    req.setHeader('content-length', UPLOAD_BYTES);
    req.on('error', reject);
    // In pieces, as fast as the connection takes them: `accepted` stops growing when it stalls.
    let accepted = 0;
    const more = () => {
      while (accepted < UPLOAD_BYTES) {
        const piece = body.subarray(accepted, accepted + 64 * 1024);
        accepted += piece.length;
        if (!req.write(piece)) return void req.once('drain', more);
      }
      req.end();
    };
    more();
    sent = () => accepted;
  });
  await uploadSeen;
  // Every buffer between the viewer and the origin is full once the viewer's upload stops moving.
  let last = -1;
  let still = 0;
  await eventually('the upload to stall', async () => {
    const now = sent();
    still = now === last && now < UPLOAD_BYTES ? still + 1 : 0;
    last = now;
    return still >= 5 ? true : undefined;
  });
  // While the origin holds the upload, uploads on other connections fill the shared buffer
  // (reads of up to 64 KiB each) over and over.
  for (let i = 0; i < 10; i++) {
    const raw = await rawHttp(
      Number(edge.http.port),
      `PUT /other HTTP/1.1\r\nHost: x\r\nContent-Length: ${OTHER_BYTES}\r\nConnection: close\r\n\r\n${'Z'.repeat(OTHER_BYTES)}`,
      5000,
    );
    assert.match(raw, /^HTTP\/1\.1 200 /);
  }
  openGate();
  const got = await answer;
  assert.equal(got, `PUT /held ${UPLOAD_BYTES} ${expected}`);
  gate = Promise.resolve();
});
