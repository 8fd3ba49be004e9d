import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import {
  forwardedCookies,
  forwardedQuery,
  normalizedAcceptEncoding,
} from '../../../src/edge/origin-headers.js';

// reference/caching.md §1.3, one row each.
const ENCODINGS: [gzip: boolean, br: boolean, viewer: string, expected: string | undefined][] = [
  [true, true, 'gzip, deflate, br', 'br,gzip'],
  [true, true, 'gzip', 'gzip'],
  [true, true, 'br', 'br'],
  [true, true, 'deflate', undefined],
  [true, false, 'gzip, br', 'gzip'],
  [true, false, 'br', undefined],
  [false, true, 'br, gzip', 'br'],
  [false, true, 'gzip', undefined],
  [true, true, 'gzip;q=0, br', 'br'],
  [true, true, 'GZIP;q=0.5', 'gzip'],
];
for (const [gzip, br, viewer, expected] of ENCODINGS) {
  test(`Accept-Encoding "${viewer}" with gzip=${gzip} br=${br} is sent as ${expected ?? 'identity'}`, () => {
    assert.equal(normalizedAcceptEncoding(viewer, gzip, br), expected);
  });
}

test('cookies reach the origin filtered and sorted by name', () => {
  const allow = new Set(['b', 'a', 'session']);
  assert.equal(
    forwardedCookies('session=1; z=9; b=2; a=3', (n) => allow.has(n)),
    'a=3; b=2; session=1',
  );
  assert.equal(
    forwardedCookies(['b=2', 'a=1'], () => true),
    'a=1; b=2',
  );
  assert.equal(
    forwardedCookies('novalue; =x; ok=1', () => true),
    'ok=1',
  );
  assert.equal(
    forwardedCookies(undefined, () => true),
    '',
  );
});

test('cookie names are case-sensitive', () => {
  assert.equal(
    forwardedCookies('Session=1; session=2', (n) => n === 'session'),
    'session=2',
  );
});

test('query strings keep the selected parameters in request order, raw', () => {
  const sel = new Set(['b', 'a']);
  assert.equal(
    forwardedQuery('b=2&c=3&a=1', (n) => sel.has(n)),
    'b=2&a=1',
  );
  assert.equal(
    forwardedQuery('color=red;size=large', (n) => n === 'color'),
    'color=red;size=large',
  ); // ; is no separator
  assert.equal(forwardedQuery('x=1', null), '');
  assert.equal(
    forwardedQuery('a%20b=1&c=2', (n) => n === 'a b'),
    'a%20b=1',
  );
});

test('forwarding every query parameter keeps every parameter, in order', () => {
  fc.assert(
    fc.property(fc.string(), (query) => {
      const kept = forwardedQuery(query, () => true)
        .split('&')
        .filter(Boolean);
      assert.deepEqual(kept, query.split('&').filter(Boolean));
    }),
  );
});

test('forwarded cookies are always a sorted subset of the viewer cookies', () => {
  const cookie = fc.tuple(fc.stringMatching(/^[a-zA-Z0-9_]{1,6}$/), fc.stringMatching(/^[a-z0-9]{0,6}$/));
  fc.assert(
    fc.property(fc.array(cookie, { maxLength: 8 }), fc.func(fc.boolean()), (pairs, pick) => {
      const header = pairs.map(([n, v]) => `${n}=${v}`).join('; ');
      const out = forwardedCookies(header, (n) => pick(n));
      const names = out ? out.split('; ').map((p) => p.split('=')[0]) : [];
      assert.deepEqual(names, [...names].sort());
      for (const n of names) assert.ok(pairs.some(([pn]) => pn === n) && pick(n));
    }),
  );
});
