import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { EdgeError } from '../../../src/errors.js';
import { createOriginFetcher } from '../../../src/origin/index.js';
import { classifyFailure, toEdgeError } from '../../../src/origin/origin-errors.js';
import {
  closedPort,
  customConfig,
  originModel,
  originRequest,
  settings,
  startHttpOrigin,
  startTcpOrigin,
} from './helpers.js';

function isEdgeError(code: string, status: number) {
  return (err: unknown) => {
    assert.ok(err instanceof EdgeError, String(err));
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    assert.ok(err.cause, 'the transport error is kept as cause');
    return true;
  };
}

test('a connection reset before any response is retried until ConnectionAttempts, then 502 OriginConnectError', async (t) => {
  const origin = await startTcpOrigin((socket) => socket.destroy());
  const fetcher = createOriginFetcher(settings());
  t.after(() => Promise.all([fetcher.close(), origin.close()]));
  for (const attempts of [3, 1]) {
    const before = origin.count();
    const model = originModel('custom', '127.0.0.1', {
      ConnectionAttempts: attempts,
      CustomOriginConfig: customConfig({ HTTPPort: origin.port }),
    });
    await assert.rejects(fetcher.fetch(originRequest(model)), isEdgeError('OriginConnectError', 502));
    assert.equal(origin.count() - before, attempts);
  }
});

test('a POST reset before the response is not retried (it may have reached the origin)', async (t) => {
  const origin = await startTcpOrigin((socket) => socket.destroy());
  const fetcher = createOriginFetcher(settings());
  t.after(() => Promise.all([fetcher.close(), origin.close()]));
  const model = originModel('custom', '127.0.0.1', {
    CustomOriginConfig: customConfig({ HTTPPort: origin.port }),
  });
  const request = originRequest(model, {
    method: 'POST',
    headers: { host: '127.0.0.1', 'content-length': '3' },
    body: Readable.from([Buffer.from('abc')]),
  });
  await assert.rejects(fetcher.fetch(request), isEdgeError('OriginConnectError', 502));
  assert.equal(origin.count(), 1);
});

test('a refused connection ends in 502 OriginConnectError with ECONNREFUSED as cause', async (t) => {
  const port = await closedPort();
  const fetcher = createOriginFetcher(settings());
  t.after(() => fetcher.close());
  const model = originModel('custom', '127.0.0.1', { CustomOriginConfig: customConfig({ HTTPPort: port }) });
  await assert.rejects(fetcher.fetch(originRequest(model)), (err: unknown) => {
    isEdgeError('OriginConnectError', 502)(err);
    assert.equal(((err as EdgeError).cause as { code?: string }).code, 'ECONNREFUSED');
    return true;
  });
});

test('a read timeout on GET is retried ConnectionAttempts times, then 504 OriginCommError', async (t) => {
  const origin = await startHttpOrigin(() => {}); // never answers
  const fetcher = createOriginFetcher(settings());
  t.after(() => Promise.all([fetcher.close(), origin.close()]));
  const model = originModel('custom', '127.0.0.1', {
    ConnectionAttempts: 2,
    CustomOriginConfig: customConfig({ HTTPPort: origin.port, OriginReadTimeout: 1 }),
  });
  await assert.rejects(fetcher.fetch(originRequest(model)), isEdgeError('OriginCommError', 504));
  assert.equal(origin.count(), 2);
});

test('a read timeout on POST is never retried: one request reaches the origin, then 504', async (t) => {
  const origin = await startHttpOrigin((req) => req.resume());
  const fetcher = createOriginFetcher(settings());
  t.after(() => Promise.all([fetcher.close(), origin.close()]));
  const model = originModel('custom', '127.0.0.1', {
    ConnectionAttempts: 3,
    CustomOriginConfig: customConfig({ HTTPPort: origin.port, OriginReadTimeout: 1 }),
  });
  const request = originRequest(model, {
    method: 'POST',
    headers: { host: '127.0.0.1', 'content-length': '2' },
    body: Readable.from([Buffer.from('hi')]),
  });
  await assert.rejects(fetcher.fetch(request), isEdgeError('OriginCommError', 504));
  assert.equal(origin.count(), 1);
});

test('a response that is not HTTP is 502 OriginInvalidResponseError, not retried', async (t) => {
  const origin = await startTcpOrigin((socket) => {
    socket.once('data', () => socket.end('SPDY/9 what\r\n\r\n'));
  });
  const fetcher = createOriginFetcher(settings());
  t.after(() => Promise.all([fetcher.close(), origin.close()]));
  const model = originModel('custom', '127.0.0.1', {
    CustomOriginConfig: customConfig({ HTTPPort: origin.port }),
  });
  await assert.rejects(fetcher.fetch(originRequest(model)), isEdgeError('OriginInvalidResponseError', 502));
  assert.equal(origin.count(), 1);
});

test('origin response headers over 20,480 bytes are 502 OriginHeaderTooBigError', async (t) => {
  const origin = await startHttpOrigin((_req, res) => {
    res.setHeader('x-big', 'a'.repeat(24_000));
    res.end();
  });
  const fetcher = createOriginFetcher(settings());
  t.after(() => Promise.all([fetcher.close(), origin.close()]));
  const model = originModel('custom', '127.0.0.1', {
    CustomOriginConfig: customConfig({ HTTPPort: origin.port }),
  });
  await assert.rejects(fetcher.fetch(originRequest(model)), isEdgeError('OriginHeaderTooBigError', 502));
});

test('DNS failures map to 502 OriginDnsError and TLS failures to OriginConnectError', () => {
  for (const code of ['ENOTFOUND', 'EAI_AGAIN']) {
    const cause = Object.assign(new Error(`getaddrinfo ${code} nowhere.invalid`), { code });
    const err = toEdgeError(classifyFailure(cause), cause, 3);
    assert.equal(err.code, 'OriginDnsError');
    assert.equal(err.status, 502);
    assert.equal(err.cause, cause);
  }
  for (const code of [
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'CERT_HAS_EXPIRED',
  ]) {
    assert.equal(classifyFailure({ code }), 'tls');
  }
  assert.equal(classifyFailure(new Error('no code')), 'other');
});
