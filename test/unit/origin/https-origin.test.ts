import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import { EdgeError } from '../../../src/errors.js';
import { createOriginFetcher } from '../../../src/origin/index.js';
import { customConfig, originModel, originRequest, readText, settings, startHttpsOrigin } from './helpers.js';

/** A test CA and a leaf for `origin.test` signed by it: CloudFront wants CA-signed origin certs (§1.2). */
let ca: { cert: string };
let leaf: { key: string; cert: string };

before(async () => {
  const root = await generate([{ name: 'commonName', value: 'edgefront test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const server = await generate([{ name: 'commonName', value: 'origin.test' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: root.private, cert: root.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'origin.test' }] },
    ],
  });
  ca = { cert: root.cert };
  leaf = { key: server.private, cert: server.cert };
});

async function startOrigin() {
  return startHttpsOrigin(leaf.key, leaf.cert, (req, res) => {
    const socket = req.socket as TLSSocket;
    res.end(`${req.headers.host} sni=${socket.servername} ${socket.getProtocol()}`);
  });
}

const httpsOnly = customConfig({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });

test('an https-only origin with a certificate from a trusted CA: SNI and Host are the origin domain', async (t) => {
  const origin = await startOrigin();
  const fetcher = createOriginFetcher(
    settings({ ca: [ca.cert], originOverrides: new Map([['origin.test', new URL(origin.url)]]) }),
  );
  t.after(() => Promise.all([fetcher.close(), origin.close()]));
  const model = originModel('custom', 'origin.test', { CustomOriginConfig: httpsOnly });
  const res = await fetcher.fetch(originRequest(model, { viewerProtocol: 'http' }));
  assert.equal(res.status, 200);
  assert.match(await readText(res.body), /^origin\.test sni=origin\.test TLSv1\.[23]$/);
});

test('an origin certificate from an untrusted CA is 502 OriginConnectError', async (t) => {
  const origin = await startOrigin();
  const fetcher = createOriginFetcher(
    settings({ originOverrides: new Map([['origin.test', new URL(origin.url)]]) }),
  );
  t.after(() => Promise.all([fetcher.close(), origin.close()]));
  const model = originModel('custom', 'origin.test', { CustomOriginConfig: httpsOnly });
  await assert.rejects(fetcher.fetch(originRequest(model)), (err: unknown) => {
    assert.ok(err instanceof EdgeError);
    assert.equal(err.code, 'OriginConnectError');
    assert.equal(err.status, 502);
    return true;
  });
});

test('a forwarded viewer Host the certificate does not name is 502 OriginConnectError', async (t) => {
  const origin = await startOrigin();
  const fetcher = createOriginFetcher(
    settings({ ca: [ca.cert], originOverrides: new Map([['origin.test', new URL(origin.url)]]) }),
  );
  t.after(() => Promise.all([fetcher.close(), origin.close()]));
  const model = originModel('custom', 'origin.test', { CustomOriginConfig: httpsOnly });
  await assert.rejects(
    fetcher.fetch(originRequest(model, { headers: { host: 'www.viewer.test' } })),
    (err: unknown) => {
      assert.ok(err instanceof EdgeError);
      assert.equal(err.code, 'OriginConnectError');
      return true;
    },
  );
});

test('match-viewer with an https viewer goes to the origin over TLS', async (t) => {
  const origin = await startOrigin();
  const fetcher = createOriginFetcher(
    settings({ ca: [ca.cert], originOverrides: new Map([['origin.test', new URL(origin.url)]]) }),
  );
  t.after(() => Promise.all([fetcher.close(), origin.close()]));
  // The override's scheme decides here; the policy decides without an override (destination.test.ts).
  const model = originModel('custom', 'origin.test', {
    CustomOriginConfig: customConfig({ OriginProtocolPolicy: 'match-viewer' }),
  });
  const res = await fetcher.fetch(originRequest(model, { viewerProtocol: 'https' }));
  assert.match(await readText(res.body), /sni=origin\.test/);
});
