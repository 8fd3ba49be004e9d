/**
 * Origin custom headers at config load (reference/origins.md §1.5): CloudFront's denied names
 * and prefixes, its quotas, and what could not be sent at all; each issue names the field.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadConfigObject } from '../../../src/config/load.js';
import { assertIssue, DC, issuesOf, nativeDoc } from './helpers.js';

const HEADERS = [...DC, 'Origins', 1, 'OriginCustomHeaders'];

/** origins.md §1.5, as AWS lists them (kept apart from the schema's own list on purpose). */
const DENIED = (
  'Cache-Control Connection Content-Length Cookie Host If-Match If-Modified-Since If-None-Match ' +
  'If-Range If-Unmodified-Since Max-Forwards Pragma Proxy-Authorization Proxy-Connection Range ' +
  'Request-Range TE Trailer Transfer-Encoding Upgrade Via X-Real-Ip'
).split(' ');

type Header = { HeaderName: string; HeaderValue: string };
const withHeaders = (headers: Header[]) => nativeDoc((dc) => (dc.Origins[1].OriginCustomHeaders = headers));
const h = (HeaderName: string, HeaderValue = 'v'): Header => ({ HeaderName, HeaderValue });

test('every header CloudFront cannot add, in any letter case, is an error at its HeaderName', () => {
  const names = [
    ...DENIED,
    ...DENIED.map((n) => n.toLowerCase()),
    'X-Amz-Date',
    'x-amz-cf-id',
    'X-Edge-Secret',
  ];
  for (let from = 0; from < names.length; from += 30) {
    const batch = names.slice(from, from + 30); // 30 headers per origin at most
    const issues = issuesOf(withHeaders(batch.map((n) => h(n))));
    for (let i = 0; i < batch.length; i++)
      assertIssue(issues, [...HEADERS, i, 'HeaderName'], /does not allow this header/);
  }
});

test('names that only resemble denied ones are allowed: Authorization, Referer, Origin, X-Amzn-*, X-Edge', () => {
  const allowed = [
    'Authorization',
    'Referer',
    'Origin',
    'X-Origin-Verify',
    'X-Amzn-Trace-Id',
    'X-Edge',
    'Hosts',
  ];
  const { model } = loadConfigObject(withHeaders(allowed.map((n) => h(n, `secret-${n}`))));
  const sent = model.distributions[0].origins.get('api')!.config.OriginCustomHeaders;
  assert.deepEqual(
    sent.map((x) => x.HeaderName),
    allowed,
  );
});

test('quotas: 30 headers, names up to 256 characters, values up to 1,783, all together up to 10,240', () => {
  loadConfigObject(withHeaders(Array.from({ length: 30 }, (_, i) => h(`X-H${i}`))));
  assertIssue(issuesOf(withHeaders(Array.from({ length: 31 }, (_, i) => h(`X-H${i}`)))), HEADERS, /30/);
  loadConfigObject(withHeaders([h(`X-${'n'.repeat(254)}`, 'v'.repeat(1783))]));
  assertIssue(issuesOf(withHeaders([h(`X-${'n'.repeat(255)}`)])), [...HEADERS, 0, 'HeaderName'], /256/);
  assertIssue(issuesOf(withHeaders([h('X-Long', 'v'.repeat(1784))])), [...HEADERS, 0, 'HeaderValue'], /1783/);
  // 6 headers of 4 + 1,700 characters = 10,224; one more of 16 reaches 10,240 exactly.
  const six = Array.from({ length: 6 }, (_, i) => h(`X-H${i}`, 'v'.repeat(1700)));
  loadConfigObject(withHeaders([...six, h('X-Last', 'v'.repeat(10))]));
  assertIssue(issuesOf(withHeaders([...six, h('X-Last', 'v'.repeat(11))])), HEADERS, /10,240/);
});

test('a name that is not an HTTP token is an error naming it', () => {
  for (const name of ['X Secret', 'X-Secret:', 'X-Sé', '(x)']) {
    const issue = assertIssue(
      issuesOf(withHeaders([h(name)])),
      [...HEADERS, 0, 'HeaderName'],
      /is not a valid header name/,
    );
    assert.ok(issue.message.includes(JSON.stringify(name)), issue.message);
    assert.ok(issue.fix);
  }
});

test('a value with CR, LF, NUL or another control character, or beyond Latin-1, is an error; tabs and Latin-1 are not', () => {
  for (const value of ['a\r\nX-Injected: 1', 'a\nb', 'a\u0000b', 'a\u007fb']) {
    assertIssue(
      issuesOf(withHeaders([h('X-Secret', value)])),
      [...HEADERS, 0, 'HeaderValue'],
      /control character/,
    );
  }
  assertIssue(
    issuesOf(withHeaders([h('X-Secret', 'key-😀')])),
    [...HEADERS, 0, 'HeaderValue'],
    /not a Latin-1/,
  );
  loadConfigObject(withHeaders([h('X-Secret', 'a\tb'), h('X-Name', 'Zoë')]));
});

test('a name listed twice (in any letter case) is an error at the second entry', () => {
  const issues = issuesOf(withHeaders([h('X-Origin-Verify', 'a'), h('X-Other'), h('x-origin-verify', 'b')]));
  assertIssue(issues, [...HEADERS, 2, 'HeaderName'], /already set by OriginCustomHeaders\[0\]/);
  assert.equal(issues.length, 1);
});

test('the API shape (CustomHeaders with Quantity/Items) is checked the same way', () => {
  const doc = nativeDoc((dc) => {
    dc.Origins[1].CustomHeaders = { Quantity: 2, Items: [h('Via'), h('X-Ok')] };
  });
  assertIssue(issuesOf(doc), [...HEADERS, 0, 'HeaderName'], /does not allow this header/);
});

test('property: a token name that is not denied loads; the same name with a denied prefix does not', () => {
  const tchar = fc.constantFrom(
    ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.!#$%&*+^`|~',
  );
  const suffix = fc.string({ unit: tchar, minLength: 1, maxLength: 40 });
  fc.assert(
    fc.property(suffix, fc.constantFrom('X-Amz-', 'x-amz-', 'X-EDGE-'), (rest, prefix) => {
      const name = `X-App-${rest}`;
      loadConfigObject(withHeaders([h(name)]));
      assertIssue(issuesOf(withHeaders([h(prefix + rest)])), [...HEADERS, 0, 'HeaderName'], /does not allow/);
    }),
    { numRuns: 200 },
  );
});
