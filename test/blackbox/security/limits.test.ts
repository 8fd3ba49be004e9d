/**
 * CloudFront's request size limits (distribution.md §4.3): a URL over 8,192 bytes, or a request
 * line plus headers over 20,480 bytes, is 413 with the connection closed and never reaches the
 * origin; on both HTTP/1 engines, on HTTPS/1.1, and on HTTP/2 (where only the stream ends).
 */
import assert from 'node:assert/strict';
import { connect as http2Connect } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { clientErrorPage } from '../../../src/edge/http1/error-responses.js';
import { allMethodsConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, startEdgeProcess } from '../../helpers/edge-process.js';
import { ENGINES, exchange, type RecordingOrigin, readResponses, startRecordingOrigin } from './wire.js';

const URL_LIMIT = 8192;

function get(path: string, headers: Record<string, string> = {}): string {
  let text = `GET ${path} HTTP/1.1\r\nHost: x\r\n`;
  for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
  return `${text}Connection: close\r\n\r\n`;
}

let origin: RecordingOrigin;
let cleanup: () => Promise<void>;
let config: string;
before(async () => {
  origin = await startRecordingOrigin();
  const tmp = await tempDir();
  config = await writeYaml(tmp.dir, 'edgefront.yaml', allMethodsConfig(origin.port));
  cleanup = () => Promise.all([origin.close(), tmp.remove()]).then(() => undefined);
});
after(() => cleanup());

function reachedOrigin(prefix: string): number {
  return origin.seen.filter((s) => s.url.startsWith(prefix)).length;
}

for (const engine of ENGINES) {
  describe(`--http-engine ${engine}`, () => {
    let edge: EdgeProcess;
    let port: number;
    before(async () => {
      edge = await startEdgeProcess(['--config', config, '--http-engine', engine]);
      port = Number(edge.http.port);
    });
    after(() => edge.close());

    test('a URL of 8,192 bytes is served; one byte more is 413 and close, never forwarded', async () => {
      const prefix = `/${engine}-url/`;
      const atLimit = `${prefix}${'u'.repeat(URL_LIMIT - prefix.length)}`;
      const served = readResponses((await exchange(port, [get(atLimit)])).text);
      assert.deepEqual(
        served.map((r) => r.status),
        [200],
      );
      const over = await exchange(port, [get(`${atLimit}u`)]);
      const [refused] = readResponses(over.text);
      assert.equal(refused.status, 413);
      assert.equal(refused.headers.connection, 'close');
      assert.equal(refused.headers['x-cache'], 'Error from cloudfront');
      assert.ok(over.closedByEdge);
      assert.equal(reachedOrigin(prefix), 1);
    });

    test('request line and headers over 20,480 bytes are 413 with CloudFront’s page and close; under it, served', async () => {
      const prefix = `/${engine}-head/`;
      const under = readResponses(
        (await exchange(port, [get(`${prefix}under`, { 'x-big': 'b'.repeat(19_000) })])).text,
      );
      assert.equal(under[0].status, 200);
      for (const headers of [
        { 'x-big': 'b'.repeat(21_000) },
        Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-many-${i}`, 'm'.repeat(64)])),
      ]) {
        const over = await exchange(port, [get(`${prefix}over`, headers)]);
        const [refused, ...more] = readResponses(over.text);
        assert.equal(refused.statusLine, 'HTTP/1.1 413 Request Entity Too Large');
        assert.equal(refused.body, clientErrorPage(413));
        assert.equal(refused.headers.connection, 'close');
        assert.equal(more.length, 0);
        assert.ok(over.closedByEdge);
      }
      // Too large is judged on the head alone: a NUL in the next request's body is not this one's (#6).
      const next = await exchange(port, [
        `${get(`${prefix}over`, { 'x-big': 'b'.repeat(24_000) }).replace('Connection: close\r\n', '')}PUT ${prefix}next HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n\x00`,
      ]);
      assert.equal(readResponses(next.text)[0].status, 413);
      // A long URL counts toward the 20,480 bytes too.
      const both = readResponses(
        (await exchange(port, [get(`${prefix}both/${'u'.repeat(8000)}`, { 'x-big': 'b'.repeat(13_000) })]))
          .text,
      );
      assert.equal(both[0].status, 413);
      assert.equal(reachedOrigin(`${prefix}over`) + reachedOrigin(`${prefix}both`), 0);
    });
  });
}

describe('HTTPS', () => {
  let edge: EdgeProcess;
  before(async () => {
    edge = await startEdgeProcess(['--config', config, '--https-port', '0']);
  });
  after(() => edge.close());

  test('HTTP/2: headers over 20,480 bytes are 413 on that stream, never forwarded; the session serves on', async () => {
    const session = http2Connect(edge.https!.href, { rejectUnauthorized: false });
    session.on('error', () => {});
    try {
      const ask = (headers: Record<string, string>) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const stream = session.request(headers);
          let status = 0;
          let body = '';
          stream.setEncoding('utf8');
          stream.on('response', (h) => {
            status = Number(h[':status']);
          });
          stream.on('data', (d: string) => {
            body += d;
          });
          stream.on('end', () => resolve({ status, body }));
          stream.on('error', reject);
          stream.end();
        });
      const big = await ask({ ':path': '/h2-head/over', 'x-big': 'b'.repeat(21_000) });
      assert.equal(big.status, 413);
      assert.equal(big.body, clientErrorPage(413));
      const longUrl = await ask({ ':path': `/h2-url/${'u'.repeat(URL_LIMIT)}` });
      assert.equal(longUrl.status, 413);
      const fine = await ask({ ':path': '/h2-head/under', 'x-big': 'b'.repeat(19_000) });
      assert.equal(fine.status, 200);
      assert.equal(reachedOrigin('/h2-head/over') + reachedOrigin('/h2-url/'), 0);
    } finally {
      session.close();
    }
  });

  test('HTTPS/1.1: headers over 20,480 bytes are 413 with CloudFront’s page', async () => {
    const res = await httpsGet(edge.https!.href, { 'x-big': 'b'.repeat(21_000) });
    assert.equal(res.status, 413);
    assert.equal(res.body, clientErrorPage(413));
  });
});

function httpsGet(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpsRequest(
      `${url}https-head/over`,
      { headers, rejectUnauthorized: false, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
