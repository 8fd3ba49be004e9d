import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:http2';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { simpleConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, startEdgeProcess } from '../../helpers/edge-process.js';
import { httpRequest } from '../../helpers/http.js';
import { startOrigin, type TestOrigin } from '../../helpers/origin.js';

let edge: EdgeProcess;
let origin: TestOrigin;
let ca: string;
let cleanup: () => Promise<void>;

before(async () => {
  origin = await startOrigin((req, res) => {
    // A repeated single-value header: HTTP/1 can carry it, HTTP/2 cannot.
    res.setHeader('content-language', ['en', 'de']);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`origin saw ${req.method} ${req.url}`);
  });
  const tmp = await tempDir();
  const config = await writeYaml(
    tmp.dir,
    'edgefront.yaml',
    simpleConfig(origin.port, {}, [
      {
        PathPattern: '/secure/*',
        TargetOriginId: 'app',
        ViewerProtocolPolicy: 'redirect-to-https',
        CachePolicyId: 'CachingDisabled',
        OriginRequestPolicyId: 'AllViewerAndCloudFrontHeaders-2022-06',
      },
    ]),
  );
  edge = await startEdgeProcess([
    '--config',
    config,
    '--https-port',
    '0',
    '--state-dir',
    join(tmp.dir, 'state'),
  ]);
  ca = await readFile(join(tmp.dir, 'state', 'tls', 'localhost-cert.pem'), 'utf8');
  cleanup = () => Promise.all([edge.close(), origin.close(), tmp.remove()]).then(() => undefined);
});
after(() => cleanup());

test('the admin port answers /healthz with 200 once listening', async () => {
  const res = await fetch(new URL('/healthz', edge.admin!));
  assert.equal(res.status, 200);
});

test('HTTPS negotiates HTTP/2 by ALPN with the generated localhost certificate', async () => {
  const session = connect(`https://localhost:${edge.https!.port}`, { ca });
  try {
    const { status, body, alpn } = await new Promise<{ status: number; body: string; alpn: string }>(
      (resolve, reject) => {
        const stream = session.request({
          ':path': '/secure/h2',
          ':authority': `localhost:${edge.https!.port}`,
        });
        let data = '';
        let status = 0;
        stream.on('response', (headers) => {
          status = Number(headers[':status']);
        });
        stream.setEncoding('utf8');
        stream.on('data', (d) => {
          data += d;
        });
        stream.on('end', () => resolve({ status, body: data, alpn: String(session.alpnProtocol) }));
        stream.on('error', reject);
        stream.end();
      },
    );
    assert.equal(alpn, 'h2');
    assert.equal(status, 200);
    assert.equal(body, 'origin saw GET /secure/h2');
    const seen = origin.requests[origin.requests.length - 1];
    assert.equal(seen.headers['cloudfront-forwarded-proto'], 'https');
    assert.equal(seen.headers['cloudfront-viewer-http-version'], '2.0');
    assert.match(String(seen.headers['cloudfront-viewer-tls']), /^TLSv1\.[23]:TLS_[A-Z0-9_]+:fullHandshake$/);
    assert.match(String(seen.headers.via), /^2\.0 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)$/);
  } finally {
    session.close();
  }
});

test('HTTPS also serves HTTP/1.1 clients', async () => {
  const result = await new Promise<{ status: number; alpn: string }>((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port: edge.https!.port,
        path: '/x',
        ca,
        ALPNProtocols: ['http/1.1'],
      } as RequestOptions,
      (res) => {
        const alpn = String((res.socket as { alpnProtocol?: string }).alpnProtocol);
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, alpn }));
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.equal(result.status, 200);
  assert.equal(result.alpn, 'http/1.1');
});

test('redirect-to-https points the viewer at the HTTPS listener', async () => {
  const res = await httpRequest(edge.url('/secure/page?x=1'), {
    headers: { host: `localhost:${edge.http.port}` },
  });
  assert.equal(res.status, 301);
  assert.equal(res.headers.location, `https://localhost:${edge.https!.port}/secure/page?x=1`);
});

function tlsGet(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port: edge.https!.port,
        path,
        ca,
        headers,
        ALPNProtocols: ['http/1.1'],
      } as RequestOptions,
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test("HTTPS/1.1 accepts headers up to CloudFront's 20,480-byte limit and answers 413 beyond it", async () => {
  assert.equal(await tlsGet('/x', { 'x-big': 'b'.repeat(18_000) }), 200);
  assert.equal(await tlsGet('/x', { 'x-big': 'b'.repeat(21_000) }), 413);
});

test('a repeated single-value origin header reaches HTTP/2 viewers joined, not as a stream error', async () => {
  const session = connect(`https://localhost:${edge.https!.port}`, { ca });
  // What this test checks fails on the stream; a reset of the session as it closes is not it
  // (seen once in CI as an uncaught ECONNRESET after the test had passed).
  session.on('error', () => {});
  try {
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const stream = session.request({ ':path': '/dup' });
      stream.on('response', (h) => {
        stream.resume();
        resolve(h);
      });
      stream.on('error', reject);
      stream.end();
    });
    assert.equal(headers[':status'], 200);
    assert.equal(headers['content-language'], 'en, de');
  } finally {
    session.close();
  }
});
