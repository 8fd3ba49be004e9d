/**
 * Requests returned by viewer-request and origin-request functions (reference/lambda-edge.md §2.2, §5):
 * what CloudFront forwards, and what it refuses with 502 LambdaValidationError.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { assertInvalid, assertRequest, CUSTOM_ORIGIN, check, edgeEvent, unchanged } from './helpers.js';

const viewer = edgeEvent('viewer-request');
const origin = edgeEvent('origin-request');

test('an unchanged request continues; header entries without key get the title-cased name', () => {
  const request = unchanged(viewer);
  (request.headers as Record<string, unknown>)['x-added-by-edge'] = [{ value: 'yes' }];
  const out = assertRequest(check('viewer-request', viewer, request));
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
  const withHeader = (name: string, entries: unknown) => ({
    ...unchanged(viewer),
    headers: { ...(unchanged(viewer).headers as object), [name]: entries },
  });
  assertInvalid(
    check('viewer-request', viewer, withHeader('X-Upper', [{ value: '1' }])),
    'request.headers["X-Upper"]',
    /lowercase/,
  );
  assertInvalid(
    check('viewer-request', viewer, withHeader('bad name', [{ value: '1' }])),
    'request.headers["bad name"]',
  );
  assertInvalid(check('viewer-request', viewer, withHeader('x-a', { value: '1' })), 'request.headers["x-a"]');
  assertInvalid(
    check('viewer-request', viewer, withHeader('x-a', [{ key: 'X-B', value: '1' }])),
    'request.headers["x-a"][0].key',
  );
  assertInvalid(
    check('viewer-request', viewer, withHeader('x-a', [{ value: 1 }])),
    'request.headers["x-a"][0].value',
  );
  assertInvalid(
    check('viewer-request', viewer, withHeader('x-a', [{ value: 'a\r\nInjected: 1' }])),
    'request.headers["x-a"][0].value',
  );
  assertInvalid(check('viewer-request', viewer, withHeader('x-a', ['1'])), 'request.headers["x-a"][0]');
  const out = assertRequest(check('viewer-request', viewer, withHeader('x-empty', [])));
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
      const request = unchanged(event);
      (request.headers as Record<string, unknown>)[name] = [{ value: 'x' }];
      assertInvalid(check(eventType, event, request), `request.headers["${name}"]`, /disallowed/);
    }
});

test('read-only headers of viewer-request: Host and Via cannot be changed, added or removed', () => {
  const changedHost = unchanged(viewer);
  (changedHost.headers as Record<string, unknown>).host = [{ key: 'Host', value: 'evil.example' }];
  assertInvalid(
    check('viewer-request', viewer, changedHost),
    'request.headers["host"]',
    /read-only in viewer-request/,
  );
  const removedHost = unchanged(viewer);
  delete (removedHost.headers as Record<string, unknown>).host;
  assertInvalid(check('viewer-request', viewer, removedHost), 'request.headers["host"]', /removed/);
  for (const name of ['via', 'content-length', 'transfer-encoding', 'cdn-loop']) {
    const added = unchanged(viewer);
    (added.headers as Record<string, unknown>)[name] = [{ value: '1' }];
    assertInvalid(check('viewer-request', viewer, added), `request.headers["${name}"]`, /read-only/);
  }
});

test('read-only headers of origin-request: Accept-Encoding, Via…; Host may change there', () => {
  const request = unchanged(origin);
  (request.headers as Record<string, unknown>).host = [{ key: 'Host', value: 'other.example.org' }];
  assert.equal(
    assertRequest(check('origin-request', origin, request)).headers.host[0].value,
    'other.example.org',
  );
  const encoding = unchanged(origin);
  (encoding.headers as Record<string, unknown>)['accept-encoding'] = [
    { key: 'Accept-Encoding', value: 'br' },
  ];
  assertInvalid(
    check('origin-request', origin, encoding),
    'request.headers["accept-encoding"]',
    /origin-request/,
  );
  const via = unchanged(origin);
  delete (via.headers as Record<string, unknown>).via;
  assertInvalid(check('origin-request', origin, via), 'request.headers["via"]');
  for (const name of ['if-none-match', 'if-modified-since', 'if-range', 'if-unmodified-since']) {
    const added = unchanged(origin);
    (added.headers as Record<string, unknown>)[name] = [{ value: 'x' }];
    assertInvalid(check('origin-request', origin, added), `request.headers["${name}"]`);
  }
});

test('a read-only header whose key case changes but whose value stays is unchanged', () => {
  const request = unchanged(viewer);
  (request.headers as Record<string, unknown>).host = [
    { key: 'HOST', value: 'd111111abcdef8.cloudfront.net' },
  ];
  assertRequest(check('viewer-request', viewer, request));
});

test('viewer-request may not add CloudFront-* headers; origin-request may', () => {
  const added = unchanged(viewer);
  (added.headers as Record<string, unknown>)['cloudfront-viewer-country'] = [{ value: 'US' }];
  assertInvalid(
    check('viewer-request', viewer, added),
    'request.headers["cloudfront-viewer-country"]',
    /after that stage/,
  );

  const sentByViewer = edgeEvent('viewer-request', {
    request: {
      headers: {
        ...viewer.Records[0].cf.request.headers,
        'cloudfront-is-mobile-viewer': [{ value: 'true' }],
      },
    },
  });
  assertRequest(check('viewer-request', sentByViewer, unchanged(sentByViewer)));

  const atOrigin = unchanged(origin);
  (atOrigin.headers as Record<string, unknown>)['cloudfront-viewer-country'] = [{ value: 'US' }];
  (atOrigin.headers as Record<string, unknown>)['cloudfront-is-desktop-viewer'] = [{ value: 'true' }];
  assertRequest(check('origin-request', origin, atOrigin));
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
