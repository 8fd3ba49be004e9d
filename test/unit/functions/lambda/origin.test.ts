/**
 * Dynamic origin selection (reference/lambda-edge.md §2.2): an origin-request function rewrites
 * `request.origin` to any custom or S3 origin; every field is checked.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { assertInvalid, assertRequest, CUSTOM_ORIGIN, check, edgeEvent, unchanged } from './helpers.js';

const event = edgeEvent('origin-request');
const custom = (fields: Record<string, unknown>) => ({
  ...unchanged(event),
  origin: { custom: { ...CUSTOM_ORIGIN.custom, ...fields } },
});
const S3 = {
  authMethod: 'none',
  customHeaders: {},
  domainName: 'bucket.s3.eu-west-1.amazonaws.com',
  path: '',
};
const s3 = (fields: Record<string, unknown>) => ({
  ...unchanged(event),
  origin: { s3: { ...S3, ...fields } },
});

test('switching to another custom origin returns the new origin, only its documented fields', () => {
  const out = assertRequest(
    check(
      'origin-request',
      event,
      custom({ domainName: 'api.example.com', port: 8443, path: '/v2', extra: 1 }),
    ),
  );
  assert.deepEqual(out.origin, {
    custom: { ...CUSTOM_ORIGIN.custom, domainName: 'api.example.com', port: 8443, path: '/v2' },
  });
});

test('switching from custom to S3 without an origin access identity', () => {
  const out = assertRequest(check('origin-request', event, s3({})));
  assert.deepEqual(out.origin, { s3: S3 });
});

test('an origin access identity cannot be used when switching from a custom origin, and needs a region', () => {
  assertInvalid(
    check('origin-request', event, s3({ authMethod: 'origin-access-identity', region: 'eu-west-1' })),
    'request.origin.s3.authMethod',
    /switching from a custom origin/,
  );
  const fromS3 = edgeEvent('origin-request', {
    request: { origin: { s3: { ...S3, authMethod: 'origin-access-identity', region: 'eu-west-1' } } },
  });
  const other = {
    ...unchanged(fromS3),
    origin: {
      s3: {
        ...S3,
        authMethod: 'origin-access-identity',
        region: 'us-east-1',
        domainName: 'other.s3.amazonaws.com',
      },
    },
  };
  assert.equal(
    assertRequest(check('origin-request', fromS3, other)).origin?.s3?.domainName,
    'other.s3.amazonaws.com',
  );
  const noRegion = { ...unchanged(fromS3), origin: { s3: { ...S3, authMethod: 'origin-access-identity' } } };
  assertInvalid(check('origin-request', fromS3, noRegion), 'request.origin.s3.region');
});

test('an origin is exactly one of custom or s3', () => {
  assertInvalid(
    check('origin-request', event, { ...unchanged(event), origin: { custom: CUSTOM_ORIGIN.custom, s3: S3 } }),
    'request.origin',
  );
  assertInvalid(check('origin-request', event, { ...unchanged(event), origin: {} }), 'request.origin');
  assertInvalid(
    check('origin-request', event, { ...unchanged(event), origin: 'example.org' }),
    'request.origin',
  );
});

test('custom origin fields out of range are validation errors naming the field', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ port: 22 }, 'port'],
    [{ port: '443' }, 'port'],
    [{ port: 70000 }, 'port'],
    [{ protocol: 'ftp' }, 'protocol'],
    [{ domainName: '' }, 'domainName'],
    [{ domainName: 'example.org:8080' }, 'domainName'],
    [{ domainName: '192.0.2.10' }, 'domainName'],
    [{ domainName: '::1' }, 'domainName'],
    [{ domainName: Array(5).fill('a'.repeat(60)).join('.') }, 'domainName'],
    [{ domainName: 'exa mple.org' }, 'domainName'],
    [{ path: 'v2' }, 'path'],
    [{ path: '/v2/' }, 'path'],
    [{ path: '/a b' }, 'path'],
    [{ path: `/${'p'.repeat(255)}` }, 'path'],
    [{ keepaliveTimeout: 0 }, 'keepaliveTimeout'],
    [{ keepaliveTimeout: 61 }, 'keepaliveTimeout'],
    [{ readTimeout: 3 }, 'readTimeout'],
    [{ readTimeout: 61 }, 'readTimeout'],
    [{ readTimeout: undefined }, 'readTimeout'],
    [{ sslProtocols: [] }, 'sslProtocols'],
    [{ sslProtocols: 'TLSv1.2' }, 'sslProtocols'],
    [{ sslProtocols: ['TLSv1.2', 'TLSv1.3'] }, 'sslProtocols[1]'],
  ];
  for (const [fields, field] of cases)
    assertInvalid(check('origin-request', event, custom(fields)), `request.origin.custom.${field}`);
  for (const fields of [
    { port: 80, protocol: 'http' },
    { port: 1024 },
    { keepaliveTimeout: 60, readTimeout: 4 },
    { path: '/a/b%20c' },
  ])
    assertRequest(check('origin-request', event, custom(fields)));
});

test('S3 origin fields: authMethod, a lowercase bucket domain of at most 128 characters, path', () => {
  assertInvalid(check('origin-request', event, s3({ authMethod: 'oac' })), 'request.origin.s3.authMethod');
  assertInvalid(
    check('origin-request', event, s3({ domainName: 'Bucket.s3.amazonaws.com' })),
    'request.origin.s3.domainName',
    /lowercase/,
  );
  assertInvalid(
    check(
      'origin-request',
      event,
      s3({ domainName: `${'b'.repeat(60)}.${'c'.repeat(60)}.s3.amazonaws.com` }),
    ),
    'request.origin.s3.domainName',
  );
  assertInvalid(check('origin-request', event, s3({ path: '/x/' })), 'request.origin.s3.path');
});

test('custom origin headers: no disallowed header, none that is also a request header', () => {
  const withCustomHeaders = (customHeaders: unknown) => custom({ customHeaders });
  const ok = assertRequest(
    check('origin-request', event, withCustomHeaders({ 'x-origin-secret': [{ value: 'abc' }] })),
  );
  assert.deepEqual(ok.origin?.custom?.customHeaders, {
    'x-origin-secret': [{ key: 'X-Origin-Secret', value: 'abc' }],
  });
  assertInvalid(
    check('origin-request', event, withCustomHeaders({ 'x-forwarded-proto': [{ value: 'https' }] })),
    'request.origin.custom.customHeaders["x-forwarded-proto"]',
    /disallowed/,
  );
  assertInvalid(
    check('origin-request', event, withCustomHeaders({ 'user-agent': [{ value: 'me' }] })),
    'request.origin.custom.customHeaders["user-agent"]',
    /also a request header/,
  );
  assertInvalid(
    check('origin-request', event, s3({ customHeaders: { 'x-a': 'b' } })),
    'request.origin.s3.customHeaders["x-a"]',
  );
});
