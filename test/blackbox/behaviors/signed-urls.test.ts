/**
 * Signed URLs through a real `edgefront serve` (reference/distribution.md §10): URLs made by
 * `@aws-sdk/cloudfront-signer` with RSA 2048 and ECDSA P-256 keys, canned and custom policies,
 * and each way CloudFront refuses one (403, its XML body, `X-Cache: Error from cloudfront`,
 * nothing asked of the origin). Dates sit days away from now, so a slow machine changes nothing;
 * the exact instants are in test/unit/edge/signed-urls.test.ts, and the one test that moves
 * time does it with the edge's injected clock.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateDistributionCommand,
  CreateKeyGroupCommand,
  CreatePublicKeyCommand,
  GetDistributionConfigCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import { createEdge, ManualClock } from '../../../src/index.js';
import { simpleConfig } from '../../helpers/config.js';
import { apiDistributionConfig, startApiEdge } from '../../helpers/control-api.js';
import { startOrigin } from '../../helpers/origin.js';
import { daysFromNow, newSigner, type Signer, sharedSigningEdge } from '../../helpers/signing.js';

const s = sharedSigningEdge();

/** A canned URL for `path` on the edge, valid for a day unless `options` say otherwise. */
function signed(
  path: string,
  signer: Signer = s.rsa,
  options: Partial<Parameters<typeof getSignedUrl>[0]> = {},
) {
  return getSignedUrl({
    url: s.edge.url(path),
    keyPairId: signer.keyPairId,
    privateKey: signer.privateKey,
    dateLessThan: daysFromNow(1),
    ...options,
  } as Parameters<typeof getSignedUrl>[0]);
}

const XML = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
const ACCESS_DENIED = XML('AccessDenied', 'Access denied');

/** Fetches `url` and asserts CloudFront's 403 with `body`, and that the origin was not asked. */
async function assertRefused(url: string, body: string, init: RequestInit = {}) {
  const hits = s.origin.hits;
  const res = await fetch(url, init);
  assert.equal(res.status, 403, url);
  assert.equal(res.headers.get('content-type'), 'text/xml');
  assert.equal(res.headers.get('x-cache'), 'Error from cloudfront');
  assert.equal(await res.text(), body);
  assert.equal(s.origin.hits, hits, 'the origin was not asked');
}

async function assertServed(url: string, init: RequestInit = {}): Promise<string> {
  const res = await fetch(url, init);
  const text = await res.text();
  assert.equal(res.status, 200, `${url}: ${text}`);
  return text;
}

test('a canned URL signed with RSA (SHA-1) is served; the origin gets the viewer’s own query without Expires, Signature, Key-Pair-Id', async () => {
  const url = signed('/private/report.pdf?lang=en&v=2');
  assert.match(url, /&Expires=\d+&Key-Pair-Id=K2RSAEXAMPLE01&Signature=/);
  assert.equal(await assertServed(url), 'origin saw /private/report.pdf?lang=en&v=2');
});

test('ECDSA P-256 keys sign canned URLs with SHA-1 and, with Hash-Algorithm=SHA256, SHA-256', async () => {
  assert.equal(await assertServed(signed('/private/ec-sha1.txt', s.ec)), 'origin saw /private/ec-sha1.txt');
  const sha256 = signed('/private/ec-sha256.txt?a=1', s.ec, { algorithm: 'SHA256' });
  assert.match(sha256, /Hash-Algorithm=SHA256/);
  assert.equal(await assertServed(sha256), 'origin saw /private/ec-sha256.txt?a=1');
  assert.equal(
    await assertServed(signed('/private/rsa-sha256.txt', s.rsa, { algorithm: 'SHA256' })),
    'origin saw /private/rsa-sha256.txt',
  );
});

test('a request without a signature is 403 MissingKey in CloudFront’s XML; the public behavior still serves', async () => {
  await assertRefused(
    s.edge.url('/private/report.pdf'),
    XML('MissingKey', 'Missing Key-Pair-Id query parameter or cookie value'),
  );
  await assertRefused(
    s.edge.url('/private/report.pdf?Expires=2000000000&Signature=abc'),
    XML('MissingKey', 'Missing Key-Pair-Id query parameter or cookie value'),
  );
  assert.equal(await assertServed(s.edge.url('/public.txt?Expires=1')), 'origin saw /public.txt');
});

test('an expired canned URL is 403 AccessDenied', async () => {
  await assertRefused(signed('/private/old.txt', s.rsa, { dateLessThan: daysFromNow(-1) }), ACCESS_DENIED);
});

test('a custom policy is refused before its DateGreaterThan and granted inside its window', async () => {
  const later = signed('/private/embargo.txt', s.ec, {
    dateGreaterThan: daysFromNow(1),
    dateLessThan: daysFromNow(2),
  });
  assert.match(later, /Policy=/);
  await assertRefused(later, ACCESS_DENIED);
  const now = signed('/private/embargo.txt', s.ec, {
    dateGreaterThan: daysFromNow(-1),
    dateLessThan: daysFromNow(1),
  });
  assert.equal(await assertServed(now), 'origin saw /private/embargo.txt');
});

test('a tampered URL is AccessDenied: another path, an added parameter, a later Expires', async () => {
  const url = signed('/private/a.txt?size=1');
  assert.equal(await assertServed(url), 'origin saw /private/a.txt?size=1');
  await assertRefused(url.replace('/private/a.txt', '/private/b.txt'), ACCESS_DENIED);
  await assertRefused(url.replace('size=1', 'size=2'), ACCESS_DENIED);
  await assertRefused(`${url}&admin=true`, ACCESS_DENIED);
  await assertRefused(
    url.replace(/Expires=\d+/, `Expires=${Math.floor(Date.now() / 1000) + 10 * 86400}`),
    ACCESS_DENIED,
  );
});

test('a tampered policy is AccessDenied; one that cannot be read is MalformedPolicy; an unreadable signature MalformedSignature', async () => {
  const url = signed('/private/custom.txt', s.rsa, { ipAddress: '10.0.0.0/8' });
  const policy = new URL(url).searchParams.get('Policy') as string;
  const json = Buffer.from(
    policy.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'),
    'base64',
  ).toString();
  const widened = Buffer.from(json.replace('10.0.0.0/8', '0.0.0.0/0'))
    .toString('base64')
    .replace(/\+/g, '-')
    .replace(/=/g, '_')
    .replace(/\//g, '~');
  await assertRefused(url.replace(policy, widened), ACCESS_DENIED);
  await assertRefused(url.replace(policy, 'bm90IGpzb24_'), XML('MalformedPolicy', 'Malformed Policy'));
  await assertRefused(
    url.replace(/Signature=[^&]+/, 'Signature=%21%21%21'),
    XML('MalformedSignature', 'Could not unencode Signature'),
  );
});

test('a key outside the behavior’s key groups is InvalidKey, even one the config holds; another private key under a trusted id is AccessDenied', async () => {
  await assertRefused(signed('/private/x.txt', s.outsider), XML('InvalidKey', 'Unknown Key'));
  const impostor = { ...s.outsider, keyPairId: s.rsa.keyPairId };
  await assertRefused(signed('/private/x.txt', impostor), ACCESS_DENIED);
});

test('IpAddress: a range that excludes 127.0.0.1 is AccessDenied; one that holds it is served', async () => {
  await assertRefused(signed('/private/ip.txt', s.rsa, { ipAddress: '192.0.2.0/24' }), ACCESS_DENIED);
  assert.equal(
    await assertServed(signed('/private/ip.txt', s.rsa, { ipAddress: '127.0.0.0/8' })),
    'origin saw /private/ip.txt',
  );
  assert.equal(
    await assertServed(signed('/private/ip.txt', s.ec, { ipAddress: '127.0.0.1/32' })),
    'origin saw /private/ip.txt',
  );
});

test('one custom policy with a wildcard Resource grants every object under it and nothing outside it', async () => {
  const policy = JSON.stringify({
    Statement: [
      {
        Resource: s.edge.url('/private/docs/*'),
        Condition: { DateLessThan: { 'AWS:EpochTime': Math.floor(Date.now() / 1000) + 86400 } },
      },
    ],
  });
  const query = new URL(
    getSignedUrl({
      url: s.edge.url('/private/docs/'),
      keyPairId: s.ec.keyPairId,
      privateKey: s.ec.privateKey,
      policy,
    }),
  ).search;
  assert.equal(
    await assertServed(s.edge.url(`/private/docs/a.pdf${query}`)),
    'origin saw /private/docs/a.pdf',
  );
  assert.equal(
    await assertServed(s.edge.url(`/private/docs/2024/b.pdf${query}&page=3`)),
    'origin saw /private/docs/2024/b.pdf?page=3',
  );
  await assertRefused(s.edge.url(`/private/secret.pdf${query}`), ACCESS_DENIED);
});

test('the signing parameters are not in the cache key: a URL signed again is a Hit; a cached object still needs a signature', async () => {
  const hits = s.origin.hits;
  const first = await fetch(signed('/private/cached.txt?v=1', s.rsa));
  assert.equal(first.headers.get('x-cache'), 'Miss from cloudfront');
  await first.text();
  const second = await fetch(signed('/private/cached.txt?v=1', s.ec, { dateLessThan: daysFromNow(2) }));
  assert.equal(second.headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(await second.text(), 'origin saw /private/cached.txt?v=1');
  assert.equal(s.origin.hits, hits + 1);
  await assertRefused(
    s.edge.url('/private/cached.txt?v=1'),
    XML('MissingKey', 'Missing Key-Pair-Id query parameter or cookie value'),
  );
});

test('legacy TrustedSigners cannot be checked locally: requests are refused and startup says why', async () => {
  await assertRefused(
    s.edge.url('/legacy/a.txt'),
    XML('MissingKey', 'Missing Key-Pair-Id query parameter or cookie value'),
  );
  await assertRefused(
    signed('/legacy/a.txt', { ...s.rsa, keyPairId: 'APKAEXAMPLEKEYPAIR' }),
    XML('InvalidKey', 'Unknown Key'),
  );
  assert.match(
    s.edge.stderr(),
    /note: E1SIGNED behavior \/legacy\/\*: TrustedSigners .* cannot be checked locally/,
  );
  assert.doesNotMatch(s.edge.stderr(), /not enforced/);
});

test('through the control API: CreatePublicKey, CreateKeyGroup and UpdateDistribution with TrustedKeyGroups require a signature at once', async (t) => {
  const origin = await startOrigin();
  const api = await startApiEdge([]);
  t.after(() => Promise.all([api.edge.close(), origin.close()]));
  const created = await api.cf.send(
    new CreateDistributionCommand({ DistributionConfig: apiDistributionConfig(origin.port, 'signed-api') }),
  );
  const id = created.Distribution?.Id as string;
  const path = '/video.mp4';
  assert.equal((await fetch(api.edge.url(path))).status, 200);

  const signer = newSigner('unused', 'ec');
  const key = await api.cf.send(
    new CreatePublicKeyCommand({
      PublicKeyConfig: { CallerReference: 'k1', Name: 'api-key', EncodedKey: signer.publicKey },
    }),
  );
  const group = await api.cf.send(
    new CreateKeyGroupCommand({
      KeyGroupConfig: { Name: 'api-signers', Items: [key.PublicKey?.Id as string] },
    }),
  );
  const current = await api.cf.send(new GetDistributionConfigCommand({ Id: id }));
  const config = current.DistributionConfig!;
  await api.cf.send(
    new UpdateDistributionCommand({
      Id: id,
      IfMatch: current.ETag,
      DistributionConfig: {
        ...config,
        DefaultCacheBehavior: {
          ...config.DefaultCacheBehavior!,
          TrustedKeyGroups: { Enabled: true, Quantity: 1, Items: [group.KeyGroup?.Id as string] },
        },
      },
    }),
  );
  const unsigned = await fetch(api.edge.url(path));
  assert.equal(unsigned.status, 403);
  assert.match(await unsigned.text(), /<Code>MissingKey<\/Code>/);
  const url = getSignedUrl({
    url: api.edge.url(path),
    keyPairId: key.PublicKey?.Id as string,
    privateKey: signer.privateKey,
    dateLessThan: daysFromNow(1),
  });
  const granted = await fetch(url);
  assert.equal(granted.status, 200);
  assert.equal(await granted.text(), `origin saw GET ${path}`);
});

test('by the edge’s clock: a signed URL works until its DateLessThan instant, then not even a cached copy is served', async (t) => {
  const origin = await startOrigin();
  const signer = newSigner('K2CLOCKKEY0001', 'rsa');
  const clock = new ManualClock(Date.UTC(2030, 0, 1));
  const edge = await createEdge({
    clock,
    config: {
      ...simpleConfig(origin.port, {
        DefaultCacheBehavior: {
          TargetOriginId: 'app',
          ViewerProtocolPolicy: 'allow-all',
          CachePolicyId: 'CachingOptimized',
          TrustedKeyGroups: ['clock-signers'],
        },
      }),
      PublicKeys: [
        { Id: signer.keyPairId, PublicKeyConfig: { Name: 'clock', EncodedKey: signer.publicKey } },
      ],
      KeyGroups: [
        { Id: 'clock-signers', KeyGroupConfig: { Name: 'clock-signers', Items: [signer.keyPairId] } },
      ],
    },
  });
  const { http } = await edge.listen();
  t.after(() => Promise.all([edge.close(), origin.close()]));
  const expires = Date.UTC(2030, 0, 1, 0, 0, 30); // 30 s after the clock's start, inside max-age=60
  const url = getSignedUrl({
    url: new URL('/film.mp4', http).href,
    keyPairId: signer.keyPairId,
    privateKey: signer.privateKey,
    dateLessThan: new Date(expires).toISOString(),
  });
  assert.equal((await fetch(url)).headers.get('x-cache'), 'Miss from cloudfront');
  clock.set(expires - 1000);
  const last = await fetch(url);
  assert.equal(last.headers.get('x-cache'), 'Hit from cloudfront');
  await last.text();
  clock.set(expires);
  const expired = await fetch(url);
  assert.equal(expired.status, 403);
  assert.equal(await expired.text(), ACCESS_DENIED);
  assert.equal(origin.hits, 1);
});
