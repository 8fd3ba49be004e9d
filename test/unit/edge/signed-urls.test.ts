/**
 * Signed URLs and cookies (reference/distribution.md §10) piece by piece: CloudFront's URL-safe
 * base64, where the signing values are read from, Resource wildcards by section, IpAddress
 * ranges, strict custom policies, the order of CloudFront's refusals and the exact instants of
 * DateLessThan and DateGreaterThan; values signed by `@aws-sdk/cloudfront-signer` throughout.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { posix } from 'node:path';
import test from 'node:test';
import { getSignedCookies, getSignedUrl } from '@aws-sdk/cloudfront-signer';
import fc from 'fast-check';
import { loadConfigObject } from '../../../src/config/load.js';
import { cannedPolicy, customPolicy } from '../../../src/edge/signed-urls/policy.js';
import { matchesResource } from '../../../src/edge/signed-urls/resource.js';
import { readSigningValues } from '../../../src/edge/signed-urls/signing-values.js';
import { parseSourceIp } from '../../../src/edge/signed-urls/source-ip.js';
import { decodeUrlSafeBase64 } from '../../../src/edge/signed-urls/url-safe-base64.js';
import { refusalOf, type SignedUrlRefusal } from '../../../src/edge/signed-urls/verify.js';
import type { PublicKeyModel } from '../../../src/model/types.js';
import { assertIssue, issuesOf, nativeDoc } from '../config/helpers.js';

const toUrlSafe = (b64: string) => b64.replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');
const pemOf = (key: KeyObject, type: 'spki' | 'pkcs8') => key.export({ type, format: 'pem' }) as string;

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

// ---- URL-safe base64 ----

test('URL-safe base64: any bytes encoded the signer’s way (+ → -, = → _, / → ~) decode back', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (bytes) => {
      const encoded = toUrlSafe(Buffer.from(bytes).toString('base64'));
      assert.deepEqual(decodeUrlSafeBase64(encoded), Buffer.from(bytes));
    }),
    { numRuns: 500 },
  );
});

test('URL-safe base64: text with characters outside the alphabet, or a stray length, is undecodable', () => {
  for (const bad of ['', 'abc!', 'ab cd%', 'a', 'abcde', '==ab', 'ab_c'])
    assert.equal(decodeUrlSafeBase64(bad), undefined, bad);
  assert.deepEqual(decodeUrlSafeBase64('aGk_'), Buffer.from('hi')); // `_` is padding
});

// ---- where the values come from ----

test('a URL with any reserved parameter is a signed URL: the values are read and removed, the rest kept raw and in order', () => {
  const parts = readSigningValues(
    'b=2&Expires=1767290400&a=%20x&Signature=ab~c&Key-Pair-Id=K2JCJMDEHXQW5F&Hash-Algorithm=SHA256',
    'CloudFront-Key-Pair-Id=KCOOKIE',
  );
  assert.equal(parts.from, 'url');
  assert.deepEqual(parts.values, {
    expires: '1767290400',
    signature: 'ab~c',
    keyPairId: 'K2JCJMDEHXQW5F',
    hashAlgorithm: 'SHA256',
  });
  assert.equal(parts.query, 'b=2&a=%20x');
});

test('reserved parameter names are case-sensitive, percent-decoded, the first occurrence wins', () => {
  const parts = readSigningValues('expires=1&Key%2DPair%2DId=K1&Key-Pair-Id=K2&Signature=a%7Eb', undefined);
  assert.deepEqual(parts.values, { keyPairId: 'K1', signature: 'a~b' });
  assert.equal(parts.query, 'expires=1');
});

test('without reserved parameters the CloudFront-* cookies are read and the query is untouched', () => {
  const parts = readSigningValues('constructor=1&toString=2', [
    'a=1; CloudFront-Policy=eyJ9; CloudFront-Signature="c2ln"',
    'CloudFront-Key-Pair-Id=K1; CloudFront-Key-Pair-Id=K2; cloudfront-expires=5',
  ]);
  assert.equal(parts.from, 'cookies');
  assert.deepEqual(parts.values, { policy: 'eyJ9', signature: 'c2ln', keyPairId: 'K1' });
  assert.equal(parts.query, 'constructor=1&toString=2');
});

// ---- Resource ----

const D = 'https://d111111abcdef8.cloudfront.net';
const RESOURCE_CASES: [resource: string, url: string, matches: boolean][] = [
  // CloudFront's own examples
  [`${D}/*game_download.zip*`, `${D}/game_download.zip`, true],
  [`${D}/*game_download.zip*`, `${D}/example_game_download.zip?license=yes`, true],
  [`${D}/*game_download.zip*`, `${D}/test_game_download.zip?license=temp`, true],
  [`${D}/training/*`, `${D}/training/orientation.pdf`, true],
  [`${D}/training/*`, `${D}/training/a/b.pdf?x=1`, true],
  [`${D}/training/*`, `${D}/other/orientation.pdf`, false],
  ['http://*', 'http://d111111abcdef8.cloudfront.net/training/orientation.pdf', true],
  ['http://*', `${D}/a`, false],
  ['*', `${D}/anything?at=all`, true],
  // exact URLs, with their query string
  [`${D}/horizon.jpg?size=large&license=yes`, `${D}/horizon.jpg?size=large&license=yes`, true],
  [`${D}/horizon.jpg?size=large&license=yes`, `${D}/horizon.jpg?size=small&license=yes`, false],
  [`${D}/horizon.jpg`, `${D}/horizon.jpg?size=large`, false],
  [`${D}/horizon.jpg`, `${D}/horizon.jpg`, true],
  // a * stays within its section; a trailing one takes the rest
  [`${D}/*.jpg`, `${D}/a/b.jpg`, true],
  [`${D}/*.jpg`, `${D}/secret.pdf?x=.jpg`, false],
  [`${D}/*.jpg`, `${D}/a.jpg?x=1`, false],
  [`${D}/hello*`, `${D}/hello?x=1`, true],
  [`${D}/hello*`, `${D}/hello/world`, true],
  [`${D}/a.jpg?*`, `${D}/a.jpg?v=2`, true],
  ['https://*.example.com/a.jpg', 'https://www.example.com/a.jpg', true],
  ['https://*.example.com/a.jpg', 'https://evil.test/x.example.com/a.jpg', false],
  ['https://*.example.com/*', 'https://evil.test/.example.com/a.jpg', false],
  ['https://www.example.com*', 'https://www.example.com/any/path?q=1', true],
  ['http*://d111111abcdef8.cloudfront.net/*', 'http://d111111abcdef8.cloudfront.net/x', true],
  ['http*://d111111abcdef8.cloudfront.net/*', `${D}/x`, true],
  ['*://d111111abcdef8.cloudfront.net/x', `${D}/x`, true],
  // ? is one character, in the path too
  [`${D}/a??.jpg`, `${D}/abc.jpg`, true],
  [`${D}/a??.jpg`, `${D}/ab.jpg`, false],
  [`${D}/a?.jpg`, `${D}/a/.jpg`, true],
  // no scheme: only with a leading * (which then covers the scheme)
  ['*d111111abcdef8.cloudfront.net/x', `${D}/x`, true],
  ['d111111abcdef8.cloudfront.net/x', `${D}/x`, false],
  [`${D}`, `${D}/`, false],
  // a `*` must also match the path as behaviors see it: dot segments never lead out of it (#6)
  [`${D}/public/*`, `${D}/public/../private/x`, false],
  [`${D}/public/*`, `${D}/public/%2e%2E/private/x`, false],
  [`${D}/public/*`, `${D}/public/a/../../private/x?v=1`, false],
  [`${D}/public/*`, `${D}/public/a/../b`, true],
  [`${D}/public/*`, `${D}/public/./a`, true],
  [`${D}/public/*`, `${D}/public//a`, true],
  [`${D}/public/*`, `${D}/public/..%2Fprivate/x`, true],
  [`${D}/private/*`, `${D}/public/../private/x`, false],
  [`${D}/*`, `${D}/public/../private/x`, true],
  // without a `*`, the one URL signed, as signed
  [`${D}/a/../b`, `${D}/a/../b`, true],
  [`${D}/b`, `${D}/a/../b`, false],
];

for (const [resource, url, expected] of RESOURCE_CASES) {
  test(`Resource ${resource} ${expected ? 'grants' : 'does not grant'} ${url}`, () => {
    assert.equal(matchesResource(resource, url), expected);
  });
}

const urlPart = fc.stringMatching(/^[a-z0-9._~%-]{1,12}$/);
const anyUrl = fc
  .record({
    scheme: fc.constantFrom('http', 'https'),
    host: fc.stringMatching(/^[a-z0-9.-]{1,20}(:[0-9]{1,5})?$/),
    path: fc.array(urlPart, { maxLength: 4 }).map((segments) => `/${segments.join('/')}`),
    query: fc.option(fc.stringMatching(/^[a-z0-9=&%._-]{0,20}$/), { nil: undefined }),
  })
  .map(
    ({ scheme, host, path, query }) => `${scheme}://${host}${path}${query === undefined ? '' : `?${query}`}`,
  );

test('Resource properties: a URL grants itself, `scheme://host/*` grants all of its host, another host never', () => {
  fc.assert(
    fc.property(anyUrl, (url) => {
      assert.ok(matchesResource(url, url));
      const host = url.slice(0, url.indexOf('/', url.indexOf('://') + 3));
      assert.ok(matchesResource(`${host}/*`, url));
      assert.ok(!matchesResource(`${host}x/*`, url));
    }),
    { numRuns: 1000 },
  );
});

test('Resource property: `scheme://host/dir/*` grants no URL whose path, normalised, leaves /dir/ (#6)', () => {
  const segment = fc.constantFrom('dir', 'x', '.', '..', '%2e%2e', '.%2E', '', 'a');
  fc.assert(
    fc.property(fc.array(segment, { maxLength: 6 }), (segments) => {
      const path = `/dir/${segments.join('/')}`;
      const url = `${D}${path}`;
      // Independently of normalize-path.ts: escaped dots decoded, then POSIX rules (plus the slash
      // RFC 3986 keeps after a trailing dot segment).
      const decoded = path.replace(/%2e/gi, '.');
      const resolved = posix.normalize(decoded);
      const normal = /\/\.\.?$/.test(decoded) && !resolved.endsWith('/') ? `${resolved}/` : resolved;
      const stays = normal.startsWith('/dir/');
      assert.equal(matchesResource(`${D}/dir/*`, url), stays, path);
    }),
    { numRuns: 2000 },
  );
});

// ---- IpAddress ----

test('IpAddress: an IPv4 CIDR range holds the addresses under its prefix and no others', () => {
  const range = parseSourceIp('192.0.2.0/24')!;
  assert.ok(range('192.0.2.0') && range('192.0.2.255'));
  assert.ok(!range('192.0.3.1') && !range('10.0.0.1') && !range('::1'));
  const host = parseSourceIp('192.0.2.10/32')!;
  assert.ok(host('192.0.2.10') && !host('192.0.2.11'));
  assert.ok(parseSourceIp('0.0.0.0/0')!('203.0.113.9'));
});

test('IpAddress: IPv6 ranges hold IPv6 viewers only', () => {
  const range = parseSourceIp('2001:db8::/32')!;
  assert.ok(range('2001:db8::1') && range('2001:db8:ffff::1'));
  assert.ok(!range('2001:db9::1') && !range('192.0.2.1'));
  assert.ok(parseSourceIp('::1/128')!('::1'));
});

test('IpAddress: anything but one address with a prefix length is refused', () => {
  for (const bad of ['192.0.2.1', '192.0.2.0/33', '::/129', 'x/24', '192.0.2.0/24,10.0.0.0/8', '', 24])
    assert.equal(parseSourceIp(bad), undefined, String(bad));
});

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
const dotted = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

test('IpAddress property: an IPv4 address is in a range exactly when its first PREFIX bits are the range’s', () => {
  fc.assert(
    fc.property(ipv4, ipv4, fc.integer({ min: 0, max: 32 }), (a, b, prefix) => {
      const [x, y] = [a, b].map(([p, q, r, s]) => ((p << 24) | (q << 16) | (r << 8) | s) >>> 0);
      const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
      const inside = (x & mask) >>> 0 === (y & mask) >>> 0;
      assert.equal(parseSourceIp(`${dotted(x)}/${prefix}`)!(dotted(y)), inside);
    }),
    { numRuns: 2000 },
  );
});

// ---- policies ----

const encode = (json: string) => toUrlSafe(Buffer.from(json).toString('base64'));
const statement = (condition: object, extra: object = {}) =>
  JSON.stringify({ Statement: [{ Resource: `${D}/*`, Condition: condition, ...extra }] });

test('a canned policy is rebuilt byte for byte as the signer built it', () => {
  const url = `${D}/horizon.jpg?size=large&license=yes`;
  const signerJson = JSON.stringify({
    Statement: [{ Resource: url, Condition: { DateLessThan: { 'AWS:EpochTime': 1767290400 } } }],
  });
  assert.equal(cannedPolicy(url, '1767290400')?.signed.toString(), signerJson);
  const latest = cannedPolicy(url, '9223372036854775807');
  assert.match(latest?.signed.toString() ?? '', /"AWS:EpochTime":9223372036854775807}/);
  for (const bad of ['', '-1', '1.5', '12a', '9223372036854775808', ' 1'])
    assert.equal(cannedPolicy(url, bad), undefined, bad);
});

test('a custom policy keeps its conditions; the bytes signed are the decoded Policy as sent', () => {
  const json = statement({
    DateLessThan: { 'AWS:EpochTime': 200 },
    DateGreaterThan: { 'AWS:EpochTime': 100 },
    IpAddress: { 'AWS:SourceIp': '192.0.2.0/24' },
  });
  const policy = customPolicy(encode(json))!;
  assert.equal(policy.signed.toString(), json);
  assert.equal(policy.statement.resource, `${D}/*`);
  assert.equal(policy.statement.dateLessThan, 200);
  assert.equal(policy.statement.dateGreaterThan, 100);
  assert.ok(policy.statement.sourceIp!('192.0.2.7'));
  const anyResource = customPolicy(
    encode(JSON.stringify({ Statement: [{ Condition: { DateLessThan: { 'AWS:EpochTime': 1 } } }] })),
  );
  assert.equal(anyResource?.statement.resource, undefined);
});

const MALFORMED: [string, string][] = [
  ['not JSON', '{"Statement":'],
  ['no Statement', '{}'],
  ['two statements', JSON.stringify({ Statement: [{}, {}] })],
  ['no DateLessThan', statement({ DateGreaterThan: { 'AWS:EpochTime': 1 } })],
  ['a quoted epoch', statement({ DateLessThan: { 'AWS:EpochTime': '1767290400' } })],
  ['a fractional epoch', statement({ DateLessThan: { 'AWS:EpochTime': 1.5 } })],
  ['an abbreviated key', statement({ DateLessThan: { EpochTime: 1 } })],
  ['an unknown condition', statement({ DateLessThan: { 'AWS:EpochTime': 1 }, Referer: {} })],
  ['an unknown statement key', statement({ DateLessThan: { 'AWS:EpochTime': 1 } }, { Effect: 'Allow' })],
  [
    'a Resource list',
    JSON.stringify({ Statement: [{ Resource: ['a'], Condition: { DateLessThan: { 'AWS:EpochTime': 1 } } }] }),
  ],
  [
    'an IpAddress without range',
    statement({ DateLessThan: { 'AWS:EpochTime': 1 }, IpAddress: { 'AWS:SourceIp': '1.2.3.4' } }),
  ],
  ['a bad DateGreaterThan', statement({ DateLessThan: { 'AWS:EpochTime': 1 }, DateGreaterThan: 5 })],
];

for (const [what, json] of MALFORMED) {
  test(`a custom policy with ${what} is malformed`, () => {
    assert.equal(customPolicy(encode(json)), undefined);
  });
}

test('a Policy that is not base64 is malformed', () => {
  assert.equal(customPolicy('eyJ!'), undefined);
});

// ---- the decision, on values the AWS SDK signed ----

function keyModel(Id: string, pair: { publicKey: KeyObject }): PublicKeyModel {
  const group = loadConfigObject({
    PublicKeys: [{ Id, PublicKeyConfig: { Name: Id, EncodedKey: pemOf(pair.publicKey, 'spki') } }],
    KeyGroups: [{ Id: 'G', KeyGroupConfig: { Name: 'G', Items: [Id] } }],
  }).model.keyGroups.get('G')!;
  return group.publicKeys.get(Id)!;
}

const TRUSTED = new Map([
  ['KRSA', keyModel('KRSA', rsa)],
  ['KEC', keyModel('KEC', ec)],
]);
const URL_BASE = 'https://d111111abcdef8.cloudfront.net/private/report.pdf?v=2';
const T = 1_800_000_000; // epoch seconds the tests sign around

/** Signs with the SDK and answers what edgefront decides for `url` at `nowSeconds`. */
function decide(
  signed: string,
  options: { url?: string; nowSeconds?: number; clientIp?: string } = {},
): SignedUrlRefusal | undefined {
  const target = new URL(signed);
  const parts = readSigningValues(target.search.slice(1), undefined);
  return refusalOf({
    values: parts.values,
    trustedKeys: TRUSTED,
    url: options.url ?? `${target.origin}${target.pathname}${parts.query ? `?${parts.query}` : ''}`,
    clientIp: options.clientIp ?? '192.0.2.10',
    nowMs: (options.nowSeconds ?? T) * 1000,
  });
}

const at = (seconds: number) => new Date(seconds * 1000).toISOString();
const SIGNERS = {
  rsa: { keyPairId: 'KRSA', privateKey: pemOf(rsa.privateKey, 'pkcs8') },
  ec: { keyPairId: 'KEC', privateKey: pemOf(ec.privateKey, 'pkcs8') },
  stranger: { keyPairId: 'KRSA', privateKey: pemOf(stranger.privateKey, 'pkcs8') },
};
type SignInput = Parameters<typeof getSignedUrl>[0];

/** URL_BASE signed by the SDK, valid until a minute after T unless `options` say otherwise. */
const sdkUrl = (signer: keyof typeof SIGNERS, options: Partial<SignInput> = {}) =>
  getSignedUrl({ url: URL_BASE, ...SIGNERS[signer], dateLessThan: at(T + 60), ...options } as SignInput);

test('canned policies signed by the SDK: RSA-SHA1, ECDSA-SHA1 and ECDSA-SHA256 are granted', () => {
  assert.equal(decide(sdkUrl('rsa')), undefined);
  assert.equal(decide(sdkUrl('ec')), undefined);
  const sha256 = sdkUrl('ec', { algorithm: 'SHA256' });
  assert.match(sha256, /Hash-Algorithm=SHA256/);
  assert.equal(decide(sha256), undefined);
  for (const other of ['SHA1', 'MD5'])
    assert.equal(decide(sha256.replace('=SHA256', `=${other}`)), 'SignedUrlAccessDenied', other);
});

test('DateLessThan: granted up to the second before it, denied from that instant on', () => {
  const url = sdkUrl('rsa', { dateLessThan: at(T) });
  assert.equal(decide(url, { nowSeconds: T - 1 }), undefined);
  assert.equal(decide(url, { nowSeconds: T - 0.001 }), undefined);
  assert.equal(decide(url, { nowSeconds: T }), 'SignedUrlAccessDenied');
  assert.equal(decide(url, { nowSeconds: T + 86400 }), 'SignedUrlAccessDenied');
});

test('DateGreaterThan: denied on or before it, granted from the next second', () => {
  const url = sdkUrl('ec', { dateLessThan: at(T + 3600), dateGreaterThan: at(T) });
  assert.match(url, /Policy=/);
  assert.equal(decide(url, { nowSeconds: T - 60 }), 'SignedUrlAccessDenied');
  assert.equal(decide(url, { nowSeconds: T + 0.5 }), 'SignedUrlAccessDenied');
  assert.equal(decide(url, { nowSeconds: T + 1 }), undefined);
});

test('IpAddress in a custom policy: the viewer’s address must be in the range', () => {
  const url = sdkUrl('rsa', { ipAddress: '192.0.2.0/24' });
  assert.equal(decide(url, { clientIp: '192.0.2.200' }), undefined);
  assert.equal(decide(url, { clientIp: '198.51.100.1' }), 'SignedUrlAccessDenied');
  assert.equal(decide(url, { clientIp: '2001:db8::1' }), 'SignedUrlAccessDenied');
});

test('a custom policy’s wildcard Resource grants every URL it matches and only those', () => {
  const policy = JSON.stringify({
    Statement: [{ Resource: `${D}/private/*`, Condition: { DateLessThan: { 'AWS:EpochTime': T + 60 } } }],
  });
  const url = sdkUrl('rsa', { policy, dateLessThan: undefined });
  assert.equal(decide(url), undefined);
  assert.equal(decide(url, { url: `${D}/private/a/b.png` }), undefined);
  assert.equal(decide(url, { url: `${D}/public/a.png` }), 'SignedUrlAccessDenied');
});

test('refusals in CloudFront’s order: MissingKey, InvalidKey, MalformedSignature, MalformedPolicy, AccessDenied', () => {
  const good = sdkUrl('rsa');
  const without = (name: string) => good.replace(new RegExp(`[?&]${name}=[^&]*`), '');
  const withKey = (id: string) => good.replace('Key-Pair-Id=KRSA', `Key-Pair-Id=${id}`);
  assert.equal(decide(without('Key-Pair-Id')), 'SignedUrlMissingKey');
  assert.equal(decide(withKey('')), 'SignedUrlMissingKey');
  assert.equal(decide(withKey('KSTRANGER')), 'SignedUrlInvalidKey');
  assert.equal(decide(withKey('KEC')), 'SignedUrlAccessDenied');
  assert.equal(decide(without('Signature')), 'SignedUrlMalformedSignature');
  assert.equal(
    decide(good.replace(/Signature=[^&]*/, 'Signature=not%20base64!')),
    'SignedUrlMalformedSignature',
  );
  assert.equal(decide(without('Expires')), 'SignedUrlMalformedPolicy');
  assert.equal(decide(good.replace(/Expires=\d+/, 'Expires=soon')), 'SignedUrlMalformedPolicy');
  assert.equal(decide(good.replace(/Expires=\d+/, `Expires=${T + 3600}`)), 'SignedUrlAccessDenied');
  assert.equal(decide(good, { url: `${URL_BASE}&extra=1` }), 'SignedUrlAccessDenied');
  assert.equal(decide(sdkUrl('stranger')), 'SignedUrlAccessDenied');
});

test('a tampered custom policy fails its signature; one that cannot be read is MalformedPolicy', () => {
  const signed = sdkUrl('rsa', { ipAddress: '10.0.0.0/8' });
  const policy = new URL(signed).searchParams.get('Policy')!;
  const json = decodeUrlSafeBase64(policy)!.toString();
  const widened = encode(json.replace('10.0.0.0/8', '0.0.0.0/0'));
  assert.equal(decide(signed.replace(policy, widened)), 'SignedUrlAccessDenied');
  assert.equal(decide(signed.replace(policy, encode('{"Statement":[]}'))), 'SignedUrlMalformedPolicy');
});

test('signed cookies from the SDK carry the same values under CloudFront-* names', () => {
  const cookies = getSignedCookies({
    url: URL_BASE,
    ...SIGNERS.ec,
    dateLessThan: at(T + 60),
    algorithm: 'SHA256',
  });
  const header = Object.entries(cookies)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
  const parts = readSigningValues('v=2', header);
  assert.equal(parts.from, 'cookies');
  assert.equal(parts.values.hashAlgorithm, 'SHA256');
  const decision = refusalOf({
    values: parts.values,
    trustedKeys: TRUSTED,
    url: URL_BASE,
    clientIp: '192.0.2.10',
    nowMs: T * 1000,
  });
  assert.equal(decision, undefined);
});

// ---- the model ----

test('key groups are in the model with their keys; a behavior trusting one lists every key of its groups', () => {
  const doc = nativeDoc(
    (dc) => {
      dc.CacheBehaviors[0].TrustedKeyGroups = ['signers'];
      dc.DefaultCacheBehavior.TrustedSigners = ['self'];
    },
    {
      PublicKeys: [
        { Id: 'KRSA', PublicKeyConfig: { Name: 'rsa', EncodedKey: pemOf(rsa.publicKey, 'spki') } },
        { Id: 'KEC', PublicKeyConfig: { Name: 'ec', EncodedKey: pemOf(ec.publicKey, 'spki') } },
      ],
      KeyGroups: [{ Id: 'G1', KeyGroupConfig: { Name: 'signers', Items: ['KRSA', 'ec'] } }],
    },
  );
  const { model } = loadConfigObject(doc);
  const group = model.keyGroups.get('G1')!;
  assert.equal(group.Name, 'signers');
  assert.deepEqual([...group.publicKeys.keys()], ['KRSA', 'KEC']);
  assert.equal(group.publicKeys.get('KEC')!.keyType, 'ec');
  const [api, fallback] = model.distributions[0].behaviors;
  assert.deepEqual(api.config.TrustedKeyGroups, ['G1']);
  assert.deepEqual([...api.trustedKeys!.keys()], ['KRSA', 'KEC']);
  // Legacy TrustedSigners require signing but no local key can satisfy them.
  assert.equal(fallback.trustedKeys!.size, 0);
  assert.equal(loadConfigObject(nativeDoc()).model.distributions[0].behaviors[0].trustedKeys, undefined);
});

test('a public key CloudFront would refuse is a config error at its EncodedKey', () => {
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey;
  const doc = nativeDoc(() => {}, {
    PublicKeys: [
      { Id: 'K1', PublicKeyConfig: { Name: 'small', EncodedKey: pemOf(rsa1024, 'spki') } },
      { Id: 'K2', PublicKeyConfig: { Name: 'p384', EncodedKey: pemOf(p384, 'spki') } },
      {
        Id: 'K3',
        PublicKeyConfig: {
          Name: 'junk',
          EncodedKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----',
        },
      },
    ],
  });
  const issues = issuesOf(doc);
  assertIssue(issues, ['PublicKeys', 0, 'PublicKeyConfig', 'EncodedKey'], /RSA 1024-bit key/);
  assertIssue(
    issues,
    ['PublicKeys', 1, 'PublicKeyConfig', 'EncodedKey'],
    /an EC key on secp384r1; CloudFront takes/,
  );
  assertIssue(issues, ['PublicKeys', 2, 'PublicKeyConfig', 'EncodedKey'], /cannot be read|can be read/);
});
