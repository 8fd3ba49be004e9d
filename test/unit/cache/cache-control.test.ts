/** Origin Cache-Control parsing for the TTL rules (reference/caching.md §2.1–2.3, RFC 9111 §5.2). */
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { type CacheControl, MAX_DELTA_SECONDS, parseCacheControl } from '../../../src/cache/cache-control.js';

function cc(fields: Partial<CacheControl>): CacheControl {
  return {
    maxAge: undefined,
    sMaxAge: undefined,
    noCache: false,
    noStore: false,
    private: false,
    mustRevalidate: false,
    proxyRevalidate: false,
    staleWhileRevalidate: undefined,
    staleIfError: undefined,
    noCacheFields: [],
    ...fields,
  };
}

test('no Cache-Control header is no directive at all', () => {
  assert.deepEqual(parseCacheControl(undefined), cc({}));
  assert.deepEqual(parseCacheControl(''), cc({}));
});

test("CloudFront's stale example parses into its three lifetimes", () => {
  assert.deepEqual(
    parseCacheControl('max-age=3600, stale-while-revalidate=600, stale-if-error=86400'),
    cc({ maxAge: 3600, staleWhileRevalidate: 600, staleIfError: 86400 }),
  );
});

test('directive names are case-insensitive and spaces are tolerated anywhere between items', () => {
  assert.deepEqual(
    parseCacheControl('  Max-Age = 60 ,S-MAXAGE=120,,  No-Store ,\tPRIVATE'),
    cc({ maxAge: 60, sMaxAge: 120, noStore: true, private: true }),
  );
});

test('every boolean directive is recognised', () => {
  assert.deepEqual(
    parseCacheControl('no-cache, no-store, private, must-revalidate, proxy-revalidate'),
    cc({ noCache: true, noStore: true, private: true, mustRevalidate: true, proxyRevalidate: true }),
  );
});

test('no-cache="Set-Cookie" names a field and leaves the body cacheable', () => {
  assert.deepEqual(
    parseCacheControl('max-age=60, no-cache="Set-Cookie"'),
    cc({ maxAge: 60, noCacheFields: ['set-cookie'] }),
  );
  assert.deepEqual(
    parseCacheControl('no-cache="Set-Cookie, Set-Cookie2", max-age=5'),
    cc({ maxAge: 5, noCacheFields: ['set-cookie', 'set-cookie2'] }),
  );
  assert.deepEqual(parseCacheControl('no-cache=""'), cc({ noCache: true }));
});

test('quoted numbers are accepted, with escapes inside quoted strings', () => {
  assert.deepEqual(parseCacheControl('max-age="60", s-maxage="1\\0"'), cc({ maxAge: 60, sMaxAge: 10 }));
});

test('invalid numbers are ignored as if the directive were absent', () => {
  for (const bad of ['max-age=abc', 'max-age=-1', 'max-age=1.5', 'max-age=', 'max-age', 'max-age=6 0']) {
    assert.equal(parseCacheControl(bad).maxAge, undefined, bad);
  }
  assert.equal(parseCacheControl('max-age=abc, max-age=30').maxAge, 30);
});

test('the first valid occurrence of a repeated directive wins', () => {
  assert.equal(parseCacheControl('max-age=10, max-age=20').maxAge, 10);
});

test('max-age is capped at 100 years', () => {
  assert.equal(parseCacheControl('max-age=99999999999999999999999').maxAge, MAX_DELTA_SECONDS);
  assert.equal(parseCacheControl(`max-age=${MAX_DELTA_SECONDS}`).maxAge, MAX_DELTA_SECONDS);
});

test('several header lines are read as one list', () => {
  assert.deepEqual(
    parseCacheControl(['max-age=60', 'no-cache="set-cookie"']),
    cc({ maxAge: 60, noCacheFields: ['set-cookie'] }),
  );
});

test('unknown directives and junk are skipped without losing the rest', () => {
  assert.deepEqual(
    parseCacheControl('public, immutable, foo="a,b", max-age 9, =3, s-maxage=7'),
    cc({ sMaxAge: 7 }),
  );
});

test('any max-age value round-trips, whatever surrounds it', () => {
  fc.assert(
    fc.property(
      fc.nat({ max: MAX_DELTA_SECONDS }),
      fc.constantFrom('', ' ', '\t'),
      fc.constantFrom('max-age', 'MAX-AGE', 'Max-Age'),
      fc.boolean(),
      (n, sp, name, quoted) => {
        const v = quoted ? `"${n}"` : String(n);
        assert.equal(parseCacheControl(`public,${sp}${name}${sp}=${sp}${v}${sp},no-transform`).maxAge, n);
      },
    ),
  );
});

test('parsing never throws on arbitrary input', () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      parseCacheControl(s);
    }),
  );
});
