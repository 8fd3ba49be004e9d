/**
 * Signed cookies through a real `edgefront serve` (reference/distribution.md §10): the
 * `CloudFront-*` cookies made by `@aws-sdk/cloudfront-signer`'s getSignedCookies, canned and
 * custom, RSA and ECDSA, sent back the way a browser does; a signed URL's parameters win over
 * cookies. Dates sit days away from now.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getSignedCookies } from '@aws-sdk/cloudfront-signer';
import { cookieHeader, daysFromNow, type Signer, sharedSigningEdge } from '../../helpers/signing.js';

const s = sharedSigningEdge();

const epochIn = (days: number) => Math.floor(Date.now() / 1000) + days * 86400;

/** Cookies for a custom policy over `resource` (a path on the edge, wildcards allowed). */
function policyCookies(
  resource: string,
  signer: Signer,
  condition: object = {},
  algorithm?: 'SHA256',
): Record<string, string> {
  const policy = JSON.stringify({
    Statement: [
      {
        Resource: s.edge.url(resource),
        Condition: { DateLessThan: { 'AWS:EpochTime': epochIn(1) }, ...condition },
      },
    ],
  });
  const cookies = getSignedCookies({
    keyPairId: signer.keyPairId,
    privateKey: signer.privateKey,
    policy,
    algorithm,
  });
  return Object.fromEntries(Object.entries(cookies).map(([name, value]) => [name, String(value)]));
}

async function get(path: string, cookies: object | string) {
  const cookie = typeof cookies === 'string' ? cookies : cookieHeader(cookies);
  const res = await fetch(s.edge.url(path), { headers: { cookie } });
  return { status: res.status, cache: res.headers.get('x-cache'), body: await res.text() };
}

const refusal = (code: string, message: string) => ({
  status: 403,
  cache: 'Error from cloudfront',
  body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`,
});
const ACCESS_DENIED = refusal('AccessDenied', 'Access denied');
const MISSING_KEY = refusal('MissingKey', 'Missing Key-Pair-Id query parameter or cookie value');

test('canned cookies (CloudFront-Expires) grant exactly the URL they were signed for', async () => {
  const cookies = getSignedCookies({
    url: s.edge.url('/private/movie.mp4'),
    keyPairId: s.rsa.keyPairId,
    privateKey: s.rsa.privateKey,
    dateLessThan: daysFromNow(1),
  });
  assert.deepEqual(Object.keys(cookies).sort(), [
    'CloudFront-Expires',
    'CloudFront-Key-Pair-Id',
    'CloudFront-Signature',
  ]);
  const ok = await get('/private/movie.mp4', cookies);
  assert.equal(ok.status, 200);
  assert.equal(ok.body, 'origin saw /private/movie.mp4');
  assert.deepEqual(await get('/private/other.mp4', cookies), ACCESS_DENIED);
});

test('custom-policy cookies with a wildcard Resource grant a whole directory, and nothing beside it', async () => {
  const cookies = policyCookies('/private/hls/*', s.ec);
  assert.ok('CloudFront-Policy' in cookies);
  for (const path of ['/private/hls/index.m3u8', '/private/hls/720p/segment-001.ts?start=0']) {
    const res = await get(path, cookies);
    assert.equal(res.status, 200, path);
    assert.equal(res.body, `origin saw ${path}`);
  }
  assert.deepEqual(await get('/private/keys/master.key', cookies), ACCESS_DENIED);
});

test('ECDSA cookies signed with SHA-256 carry CloudFront-Hash-Algorithm and are granted', async () => {
  const cookies = policyCookies('/private/*', s.ec, {}, 'SHA256');
  assert.equal(cookies['CloudFront-Hash-Algorithm'], 'SHA256');
  assert.equal((await get('/private/ec256.txt', cookies)).status, 200);
});

test('expired, not yet valid and wrong-IP cookies are AccessDenied', async () => {
  const expired = getSignedCookies({
    url: s.edge.url('/private/late.txt'),
    keyPairId: s.rsa.keyPairId,
    privateKey: s.rsa.privateKey,
    dateLessThan: daysFromNow(-1),
  });
  assert.deepEqual(await get('/private/late.txt', expired), ACCESS_DENIED);
  const early = policyCookies('/private/*', s.rsa, {
    DateGreaterThan: { 'AWS:EpochTime': epochIn(1) },
    DateLessThan: { 'AWS:EpochTime': epochIn(2) },
  });
  assert.deepEqual(await get('/private/early.txt', early), ACCESS_DENIED);
  const elsewhere = policyCookies('/private/*', s.rsa, { IpAddress: { 'AWS:SourceIp': '198.51.100.0/24' } });
  assert.deepEqual(await get('/private/ip.txt', elsewhere), ACCESS_DENIED);
  const here = policyCookies('/private/*', s.rsa, { IpAddress: { 'AWS:SourceIp': '127.0.0.1/32' } });
  assert.equal((await get('/private/ip.txt', here)).status, 200);
});

test('tampered cookies are refused: a changed policy or signature is AccessDenied, an outsider’s key InvalidKey', async () => {
  const cookies = policyCookies('/private/reports/*', s.rsa);
  const wider = policyCookies('/private/*', s.rsa);
  // The wider policy with the narrow one's signature.
  assert.deepEqual(
    await get('/private/x.txt', { ...cookies, 'CloudFront-Policy': wider['CloudFront-Policy'] }),
    ACCESS_DENIED,
  );
  const signature = cookies['CloudFront-Signature'];
  const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
  assert.deepEqual(
    await get('/private/reports/q1.pdf', { ...cookies, 'CloudFront-Signature': flipped }),
    ACCESS_DENIED,
  );
  assert.deepEqual(
    await get('/private/reports/q1.pdf', policyCookies('/private/*', s.outsider)),
    refusal('InvalidKey', 'Unknown Key'),
  );
});

test('without CloudFront-Key-Pair-Id the cookies are MissingKey', async () => {
  const { 'CloudFront-Key-Pair-Id': _, ...rest } = policyCookies('/private/*', s.rsa);
  assert.deepEqual(await get('/private/nokey.txt', rest), MISSING_KEY);
  assert.deepEqual(await get('/private/nokey.txt', 'session=abc; theme=dark'), MISSING_KEY);
});

test('a signed URL wins over cookies: one reserved query parameter and valid cookies are ignored', async () => {
  const cookies = policyCookies('/private/*', s.rsa);
  assert.equal((await get('/private/both.txt', cookies)).status, 200);
  assert.deepEqual(await get('/private/both.txt?Expires=2000000000', cookies), MISSING_KEY);
});

test('cookies are checked on every request: a cached object is not served without them', async () => {
  const cookies = policyCookies('/private/*', s.ec);
  assert.equal((await get('/private/shared.css', cookies)).cache, 'Miss from cloudfront');
  assert.equal((await get('/private/shared.css', cookies)).cache, 'Hit from cloudfront');
  assert.deepEqual(await get('/private/shared.css', 'theme=dark'), MISSING_KEY);
});
