/**
 * Requests returned by viewer-request and origin-request functions (reference/lambda-edge.md §2.2, §5):
 * what CloudFront forwards, and what it refuses with 502 LambdaValidationError.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import type { CfHeaders } from '../../../../src/functions/lambda/index.js';
import {
  assertInvalid,
  assertReadOnly,
  assertRequest,
  CUSTOM_ORIGIN,
  check,
  EVENTS,
  edgeEvent,
  unchanged,
  withHeaders,
} from './helpers.js';

const { viewer, origin } = EVENTS;

test('an unchanged request continues; header entries without key get the title-cased name', () => {
  const out = assertRequest(
    check('viewer-request', viewer, withHeaders(viewer, { 'x-added-by-edge': [{ value: 'yes' }] })),
  );
  assert.deepEqual(out.headers['x-added-by-edge'], [{ key: 'X-Added-By-Edge', value: 'yes' }]);
  assert.equal(out.uri, '/index.html');
  assert.deepEqual(out.headers.host, viewer.Records[0].cf.request.headers.host);
});

test('uri and querystring may change in viewer-request and origin-request', () => {
  for (const [eventType, event] of [
    ['viewer-request', viewer],
    ['origin-request', origin],
  ] as const) {
    const out = assertRequest(
      check(eventType, event, { ...unchanged(event), uri: '/en/index.html', querystring: 'a=1&b=2' }),
    );
    assert.equal(out.uri, '/en/index.html');
    assert.equal(out.querystring, 'a=1&b=2');
  }
});

test('a uri that does not start with "/", or holds a space, is a validation error', () => {
  assertInvalid(check('viewer-request', viewer, { ...unchanged(viewer), uri: 'index.html' }), 'request.uri');
  assertInvalid(check('viewer-request', viewer, { ...unchanged(viewer), uri: '/a b' }), 'request.uri');
  assertInvalid(check('viewer-request', viewer, { ...unchanged(viewer), uri: undefined }), 'request.uri');
});

test('a query string with a space, control character or "#" is a validation error', () => {
  for (const querystring of ['a=1 2', 'a=1#frag', 'a=\u0001', 7])
    assertInvalid(
      check('viewer-request', viewer, { ...unchanged(viewer), querystring }),
      'request.querystring',
    );
});

test('URI and query string together must stay under 8,192 characters', () => {
  const uri = `/${'a'.repeat(4000)}`;
  assertRequest(
    check('viewer-request', viewer, { ...unchanged(viewer), uri, querystring: 'q'.repeat(4000) }),
  );
  assertInvalid(
    check('viewer-request', viewer, { ...unchanged(viewer), uri, querystring: 'q'.repeat(4190) }),
    'request.uri',
    /8192/,
  );
});

test('clientIp and method are read-only; left out, they keep the viewer values', () => {
  assertInvalid(check('viewer-request', viewer, { ...unchanged(viewer), method: 'POST' }), 'request.method');
  assertInvalid(
    check('origin-request', origin, { ...unchanged(origin), clientIp: '10.0.0.1' }),
    'request.clientIp',
  );
  const { clientIp: _ip, method: _m, querystring: _q, ...rest } = unchanged(viewer);
  const out = assertRequest(check('viewer-request', viewer, rest));
  assert.equal(out.clientIp, '203.0.113.178');
  assert.equal(out.method, 'GET');
  assert.equal(out.querystring, '');
});

test('a request without headers is a validation error', () => {
  assertInvalid(
    check('viewer-request', viewer, { ...unchanged(viewer), headers: undefined }),
    'request.headers',
  );
  assertInvalid(check('viewer-request', viewer, { ...unchanged(viewer), headers: [] }), 'request.headers');
});

test('header maps: lowercase names, lists of { key, value } with a matching key and a string value', () => {
  const cases: [string, unknown, string, RegExp?][] = [
    ['X-Upper', [{ value: '1' }], '["X-Upper"]', /lowercase/],
    ['bad name', [{ value: '1' }], '["bad name"]'],
    ['x-a', { value: '1' }, '["x-a"]'],
    ['x-a', [{ key: 'X-B', value: '1' }], '["x-a"][0].key'],
    ['x-a', [{ value: 1 }], '["x-a"][0].value'],
    ['x-a', [{ value: 'a\r\nInjected: 1' }], '["x-a"][0].value', /CR, LF/],
    ['x-a', ['1'], '["x-a"][0]'],
  ];
  for (const [name, entries, at, why] of cases)
    assertInvalid(
      check('viewer-request', viewer, withHeaders(viewer, { [name]: entries })),
      `request.headers${at}`,
      why,
    );
  const out = assertRequest(check('viewer-request', viewer, withHeaders(viewer, { 'x-empty': [] })));
  assert.equal(out.headers['x-empty'], undefined, 'an empty list removes the header');
});

test('adding a disallowed header is a validation error, in every request event', () => {
  for (const name of [
    'connection',
    'x-accel-redirect',
    'x-amz-cf-pop',
    'x-edge-location',
    'x-forwarded-proto',
    'upgrade',
  ])
    for (const [eventType, event] of [
      ['viewer-request', viewer],
      ['origin-request', origin],
    ] as const) {
      const request = withHeaders(event, { [name]: [{ value: 'x' }] });
      assertInvalid(check(eventType, event, request), `request.headers["${name}"]`, /disallowed/);
    }
});

test('read-only headers of viewer-request: Host, Via, Content-Length… cannot be changed, added or removed', () => {
  assertReadOnly('viewer-request', viewer, [
    { host: [{ key: 'Host', value: 'evil.example' }] },
    { host: undefined },
    { via: [{ value: '1' }] },
    { 'content-length': [{ value: '1' }] },
    { 'transfer-encoding': [{ value: 'chunked' }] },
    { 'cdn-loop': [{ value: 'x' }] },
  ]);
});

test('read-only headers of origin-request: Accept-Encoding, Via, conditionals…; Host may change there', () => {
  assertReadOnly('origin-request', origin, [
    { 'accept-encoding': [{ key: 'Accept-Encoding', value: 'br' }] },
    { via: undefined },
    { 'if-none-match': [{ value: 'x' }] },
    { 'if-modified-since': [{ value: 'x' }] },
    { 'if-range': [{ value: 'x' }] },
    { 'if-unmodified-since': [{ value: 'x' }] },
  ]);
  const host = withHeaders(origin, { host: [{ key: 'Host', value: 'other.example.org' }] });
  assert.equal(
    assertRequest(check('origin-request', origin, host)).headers.host[0].value,
    'other.example.org',
  );
});

test('a read-only header whose key case changes but whose value stays is unchanged', () => {
  const request = withHeaders(viewer, { host: [{ key: 'HOST', value: 'd111111abcdef8.cloudfront.net' }] });
  assertRequest(check('viewer-request', viewer, request));
});

test('viewer-request may not add CloudFront-* headers; origin-request may', () => {
  const country = { 'cloudfront-viewer-country': [{ value: 'US' }] };
  assertInvalid(
    check('viewer-request', viewer, withHeaders(viewer, country)),
    'request.headers["cloudfront-viewer-country"]',
    /after that stage/,
  );
  const mobile = { 'cloudfront-is-mobile-viewer': [{ value: 'true' }] };
  const sentByViewer = edgeEvent('viewer-request', {
    request: { headers: withHeaders(viewer, mobile).headers as CfHeaders },
  });
  assertRequest(check('viewer-request', sentByViewer, unchanged(sentByViewer)));
  assertRequest(check('origin-request', origin, withHeaders(origin, { ...country, ...mobile })));
});

test('only origin-request functions may set request.origin', () => {
  assertInvalid(
    check('viewer-request', viewer, { ...unchanged(viewer), origin: CUSTOM_ORIGIN }),
    'request.origin',
  );
});

test('an origin-request result that leaves origin out keeps the event origin', () => {
  const { origin: _o, ...rest } = unchanged(origin);
  assert.deepEqual(assertRequest(check('origin-request', origin, rest)).origin, CUSTOM_ORIGIN);
});
