/**
 * CloudFront's cache key (reference/caching.md §1.1–1.6): what is always in it, each cache
 * policy setting, legacy ForwardedValues, and properties: case/order insensitivity where
 * CloudFront has it, sensitivity to selected values only, and no collisions.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { cacheKey, isCachingDisabled } from '../../../src/cache/key.js';
import { loadConfigObject } from '../../../src/config/load.js';
import type { ViewerRequest } from '../../../src/edge/exchange.js';
import type { BehaviorModel } from '../../../src/model/types.js';

// --- fixtures: native config objects through the real loader -----------------------------------

type Behavior = Record<string, unknown>;

function load(behavior: Behavior, cachePolicies: unknown[] = []): BehaviorModel {
  const { model } = loadConfigObject({
    Distributions: [
      {
        Id: 'E1KEY',
        DistributionConfig: {
          Enabled: true,
          Aliases: ['a.example.com', 'b.example.com'],
          Origins: [
            {
              Id: 'app',
              DomainName: 'app.example.com',
              CustomOriginConfig: { OriginProtocolPolicy: 'http-only' },
            },
          ],
          DefaultCacheBehavior: {
            TargetOriginId: 'app',
            ViewerProtocolPolicy: 'allow-all',
            AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
            CachedMethods: ['GET', 'HEAD', 'OPTIONS'],
            ...behavior,
          },
        },
      },
    ],
    CachePolicies: cachePolicies,
  });
  return model.distributions[0].behaviors[0];
}

interface Params {
  gzip?: boolean;
  br?: boolean;
  headers?: string[];
  cookies?: [string, string[]?];
  query?: [string, string[]?];
}

/** A behavior with a cache policy keyed on exactly `p`. */
function policy(p: Params = {}): BehaviorModel {
  return load({ CachePolicyId: 'CP' }, [
    {
      Id: 'CP',
      CachePolicyConfig: {
        Name: 'cp',
        MinTTL: 1,
        ParametersInCacheKeyAndForwardedToOrigin: {
          EnableAcceptEncodingGzip: p.gzip ?? false,
          EnableAcceptEncodingBrotli: p.br ?? false,
          HeadersConfig: p.headers
            ? { HeaderBehavior: 'whitelist', Headers: p.headers }
            : { HeaderBehavior: 'none' },
          CookiesConfig: p.cookies
            ? { CookieBehavior: p.cookies[0], ...(p.cookies[1] ? { Cookies: p.cookies[1] } : {}) }
            : { CookieBehavior: 'none' },
          QueryStringsConfig: p.query
            ? { QueryStringBehavior: p.query[0], ...(p.query[1] ? { QueryStrings: p.query[1] } : {}) }
            : { QueryStringBehavior: 'none' },
        },
      },
    },
  ]);
}

function legacy(forwardedValues: Record<string, unknown>, more: Behavior = {}): BehaviorModel {
  return load({ ForwardedValues: forwardedValues, ...more });
}

function req(
  url: string,
  headers: Record<string, string | string[]> = {},
  more: Partial<ViewerRequest> = {},
) {
  const q = url.indexOf('?');
  const r: ViewerRequest = {
    method: 'GET',
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? '' : url.slice(q + 1),
    headers: { host: 'a.example.com', ...headers },
    rawHeaders: Object.entries(headers).flat(2),
    body: null,
    protocol: 'https',
    httpVersion: '1.1',
    clientIp: '192.0.2.1',
    clientPort: 50000,
    ...more,
  };
  return r;
}

const key = (b: BehaviorModel, r: ViewerRequest, dist = 'E1KEY') => cacheKey(b, dist, r);

// --- §1.1 always in the key -----------------------------------------------------------------------

test('the key names the distribution, not the viewer Host: aliases share entries', () => {
  const b = policy();
  assert.equal(key(b, req('/a', { host: 'a.example.com' })), key(b, req('/a', { host: 'b.example.com' })));
  assert.notEqual(key(b, req('/a'), 'E1ONE'), key(b, req('/a'), 'E1TWO'));
});

test('each key names its own distribution, even one whose id starts another', () => {
  const b = policy();
  // Same path, alternating distributions whose ids are prefixes of each other.
  const ids = ['E1', 'E12', 'E1', 'E123', 'E12', 'E1'];
  const keys = ids.map((id) => key(b, req('/same'), id));
  for (const [i, id] of ids.entries())
    assert.ok(keys[i].startsWith(`${id}\n`), `${keys[i]} is keyed under ${id}`);
  assert.equal(keys[0], keys[2]);
  assert.equal(keys[1], keys[4]);
  assert.notEqual(keys[0], keys[1]);
});

test('the path component is length-prefixed and stable for any path', () => {
  const b = policy();
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 40 }).filter((t) => !t.includes('?')),
      fc.constantFrom('E1KEY', 'E2', 'E1KEYX'),
      (tail, id) => {
        const path = `/${tail}`;
        const once = key(b, req(path), id);
        assert.equal(key(b, req(path), id), once);
        assert.ok(once.startsWith(`${id}\n${path.length}:${path}`));
      },
    ),
  );
});

test('the remembered distribution-and-path part never mixes distributions, whatever their ids', () => {
  const b = policy();
  // Ids that are prefixes of each other or hold the key's own separators (the loader does not
  // restrict them), over a few paths, in any interleaving.
  const ids = ['E1', 'E12', 'E1\n2:/a', 'E1\n', 'E1:', 'e1'];
  const paths = ['/a', '/a\n2:/a', '/b', '/', '/a/b'];
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom(...ids), fc.constantFrom(...paths)), { maxLength: 40 }),
      (lookups) => {
        for (const [id, path] of lookups)
          assert.equal(key(b, req(path), id), `${id}\n${path.length}:${path}`);
      },
    ),
  );
});

test('remembered keys hold neither the request head nor more than a bounded number of paths', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const b = policy();
  gc();
  const before = process.memoryUsage().heapUsed;
  // As the engine's paths are: slices of a ~19 KB head. 6,000 paths also overflow the memo.
  for (let i = 0; i < 6000; i++) {
    const head = `GET /memo/path/${i} HTTP/1.1\r\nHost: a\r\nCookie: ${'x'.repeat(19_000)}${i}`;
    const path = head.slice(4, head.indexOf(' HTTP/'));
    assert.equal(key(b, req(path)), `E1KEY\n${path.length}:${path}`);
  }
  gc();
  const grown = process.memoryUsage().heapUsed - before;
  // 6,000 heads are ~114 MB; the memo keeps at most a few thousand short copies.
  assert.ok(grown < 8e6, `the memo held ${grown} bytes`);
});

test('Host is keyed when the cache policy lists it', () => {
  const b = policy({ headers: ['Host'] });
  assert.notEqual(key(b, req('/a', { host: 'a.example.com' })), key(b, req('/a', { host: 'b.example.com' })));
});

test('the URL path is case-sensitive and raw', () => {
  const b = policy();
  assert.notEqual(key(b, req('/A.html')), key(b, req('/a.html')));
  assert.notEqual(key(b, req('/a%20b')), key(b, req('/a b')));
});

test('GET and HEAD share a key; OPTIONS is cached apart', () => {
  const b = policy();
  const get = key(b, req('/a'));
  assert.equal(key(b, req('/a', {}, { method: 'HEAD' })), get);
  assert.notEqual(key(b, req('/a', {}, { method: 'OPTIONS' })), get);
});

test('by default query strings, headers, cookies and protocol are not in the key', () => {
  const b = policy();
  assert.equal(
    key(b, req('/a?x=1', { cookie: 'a=1', 'x-h': '1' }, { protocol: 'http' })),
    key(b, req('/a?x=2', { cookie: 'a=2', 'x-h': '2' }, { protocol: 'https' })),
  );
});

// --- §1.3 Accept-Encoding, one test per table row --------------------------------------------------

/** Asserts that the viewer's Accept-Encoding keys like the canonical value (undefined: no header). */
function assertEncodingKey(b: BehaviorModel, viewer: string, canonical: string | undefined) {
  const canonicalHeaders: Record<string, string> =
    canonical === undefined ? {} : { 'accept-encoding': canonical };
  assert.equal(key(b, req('/a', { 'accept-encoding': viewer })), key(b, req('/a', canonicalHeaders)), viewer);
}

test('gzip+br on, viewer accepts both: keyed as br,gzip', () => {
  const b = policy({ gzip: true, br: true });
  assertEncodingKey(b, 'gzip, deflate, br', 'br,gzip');
  assertEncodingKey(b, 'br;q=0.9, gzip', 'br,gzip');
  assert.notEqual(key(b, req('/a', { 'accept-encoding': 'br,gzip' })), key(b, req('/a')));
});

test('gzip+br on, viewer accepts only gzip: keyed as gzip', () => {
  const b = policy({ gzip: true, br: true });
  assertEncodingKey(b, 'gzip, deflate', 'gzip');
  assert.notEqual(
    key(b, req('/a', { 'accept-encoding': 'gzip' })),
    key(b, req('/a', { 'accept-encoding': 'br' })),
  );
});

test('gzip+br on, viewer accepts only br: keyed as br', () => {
  assertEncodingKey(policy({ gzip: true, br: true }), 'deflate, br', 'br');
});

test('gzip+br on, viewer accepts neither: not in the key', () => {
  const b = policy({ gzip: true, br: true });
  assertEncodingKey(b, 'deflate, identity', undefined);
  assertEncodingKey(b, 'gzip;q=0', undefined);
});

test('gzip only, viewer accepts gzip with or without br: keyed as gzip', () => {
  const b = policy({ gzip: true });
  assertEncodingKey(b, 'gzip, br', 'gzip');
  assertEncodingKey(b, 'GZIP', 'gzip');
});

test('gzip only, viewer without gzip: not in the key', () => {
  assertEncodingKey(policy({ gzip: true }), 'br, deflate', undefined);
});

test('br only, viewer accepts br with or without gzip: keyed as br', () => {
  assertEncodingKey(policy({ br: true }), 'gzip, br', 'br');
});

test('br only, viewer without br: not in the key', () => {
  assertEncodingKey(policy({ br: true }), 'gzip', undefined);
});

test('both flags off: Accept-Encoding is an ordinary header, not keyed unless listed', () => {
  assertEncodingKey(policy(), 'gzip, br', undefined);
  const listed = policy({ headers: ['Accept-Encoding'] });
  assert.notEqual(
    key(listed, req('/a', { 'accept-encoding': 'gzip, br' })),
    key(listed, req('/a', { 'accept-encoding': 'br,gzip' })),
  );
});

test('HTTP/1.0 requests have no Accept-Encoding in the key', () => {
  const b = policy({ gzip: true, br: true });
  assert.equal(
    key(b, req('/a', { 'accept-encoding': 'gzip' }, { httpVersion: '1.0' })),
    key(b, req('/a', {}, { httpVersion: '1.0' })),
  );
});

test('legacy Compress: true keys the normalised gzip value (Brotli needs a cache policy)', () => {
  const b = legacy({ QueryString: false }, { Compress: true });
  assertEncodingKey(b, 'gzip, deflate, br', 'gzip');
  assertEncodingKey(b, 'br', undefined);
});

// --- §1.2 / §1.4 headers -------------------------------------------------------------------------

test('listed header names are case-insensitive; their values are case-sensitive', () => {
  const b = policy({ headers: ['X-Device', 'Product'] });
  const base = key(b, req('/a', { 'x-device': 'Mobile', product: 'p1' }));
  assert.equal(
    key(policy({ headers: ['x-device', 'PRODUCT'] }), req('/a', { 'x-device': 'Mobile', product: 'p1' })),
    base,
  );
  assert.equal(
    key(policy({ headers: ['Product', 'X-Device'] }), req('/a', { product: 'p1', 'x-device': 'Mobile' })),
    base,
  );
  assert.notEqual(key(b, req('/a', { 'x-device': 'mobile', product: 'p1' })), base);
});

test('an unlisted header never changes the key; an absent header differs from an empty one', () => {
  const b = policy({ headers: ['X-Device'] });
  assert.equal(
    key(b, req('/a', { 'x-device': 'm', 'x-other': '1' })),
    key(b, req('/a', { 'x-device': 'm' })),
  );
  assert.notEqual(key(b, req('/a', { 'x-device': '' })), key(b, req('/a')));
});

test('CloudFront-* headers are keyed on the value CloudFront generates, never the viewer’s', () => {
  const b = policy({ headers: ['CloudFront-Forwarded-Proto'] });
  assert.notEqual(key(b, req('/a', {}, { protocol: 'http' })), key(b, req('/a', {}, { protocol: 'https' })));
  assert.equal(
    key(b, req('/a', { 'cloudfront-forwarded-proto': 'http' }, { protocol: 'https' })),
    key(b, req('/a', {}, { protocol: 'https' })),
  );
  const device = policy({ headers: ['CloudFront-Is-Mobile-Viewer'] });
  const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148';
  const desktop = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0';
  assert.notEqual(
    key(device, req('/a', { 'user-agent': iphone })),
    key(device, req('/a', { 'user-agent': desktop })),
  );
  assert.equal(
    key(device, req('/a', { 'user-agent': desktop })),
    key(device, req('/a', { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0) Chrome/120' })),
  );
});

// --- cookies, each CookieBehavior --------------------------------------------------------------------

test('cookies "none": no cookie is keyed', () => {
  const b = policy({ cookies: ['none'] });
  assert.equal(key(b, req('/a', { cookie: 'session=1' })), key(b, req('/a')));
});

test('cookies "whitelist": only the listed names, case-sensitive', () => {
  const b = policy({ cookies: ['whitelist', ['session']] });
  const base = key(b, req('/a', { cookie: 'session=1' }));
  assert.equal(key(b, req('/a', { cookie: 'theme=dark; session=1; Session=9' })), base);
  assert.notEqual(key(b, req('/a', { cookie: 'session=2' })), base);
  assert.notEqual(key(b, req('/a')), base);
});

test('cookies "allExcept": every cookie but the listed ones', () => {
  const b = policy({ cookies: ['allExcept', ['tracking']] });
  const base = key(b, req('/a', { cookie: 'a=1; b=2' }));
  assert.equal(key(b, req('/a', { cookie: 'a=1; tracking=x; b=2' })), base);
  assert.notEqual(key(b, req('/a', { cookie: 'a=1; b=2; c=3' })), base);
});

test('cookies "all": every cookie, sorted by name so their order does not matter', () => {
  const b = policy({ cookies: ['all'] });
  assert.equal(key(b, req('/a', { cookie: 'b=2; a=1' })), key(b, req('/a', { cookie: ['a=1', 'b=2'] })));
  assert.notEqual(key(b, req('/a', { cookie: 'a=1; b=2' })), key(b, req('/a', { cookie: 'a=1; b=3' })));
  // Malformed pairs are not cookies, as when forwarding them (origin-headers.ts).
  assert.equal(
    key(b, req('/a', { cookie: 'novalue; =x; a=1; b=2' })),
    key(b, req('/a', { cookie: 'a=1; b=2' })),
  );
});

test('in a cache policy * and ? in a cookie name are literal', () => {
  const b = policy({ cookies: ['whitelist', ['sess*']] });
  assert.equal(key(b, req('/a', { cookie: 'session=1' })), key(b, req('/a')));
  assert.notEqual(key(b, req('/a', { cookie: 'sess*=1' })), key(b, req('/a')));
});

test('legacy cookie WhitelistedNames accept * and ? wildcards', () => {
  const b = legacy({
    QueryString: false,
    Cookies: { Forward: 'whitelist', WhitelistedNames: ['sess*', 'a?c'] },
  });
  assert.notEqual(key(b, req('/a', { cookie: 'session=1' })), key(b, req('/a')));
  assert.notEqual(key(b, req('/a', { cookie: 'abc=1' })), key(b, req('/a')));
  assert.equal(key(b, req('/a', { cookie: 'ac=1; abbc=1; other=1' })), key(b, req('/a')));
});

test('legacy Forward: all keys every cookie; none keys none', () => {
  const all = legacy({ QueryString: false, Cookies: { Forward: 'all' } });
  assert.notEqual(key(all, req('/a', { cookie: 'x=1' })), key(all, req('/a', { cookie: 'x=2' })));
  const none = legacy({ QueryString: false, Cookies: { Forward: 'none' } });
  assert.equal(key(none, req('/a', { cookie: 'x=1' })), key(none, req('/a', { cookie: 'x=2' })));
});

// --- query strings, each QueryStringBehavior -----------------------------------------------------------

test('query strings "none": the query string is not keyed', () => {
  const b = policy({ query: ['none'] });
  assert.equal(key(b, req('/a?x=1')), key(b, req('/a')));
});

test('query strings "whitelist": only the listed parameters, names and values case-sensitive', () => {
  const b = policy({ query: ['whitelist', ['color']] });
  const base = key(b, req('/a?color=red'));
  assert.equal(key(b, req('/a?utm=1&color=red&x')), base);
  assert.notEqual(key(b, req('/a?color=Red')), base);
  assert.equal(key(b, req('/a?Color=red')), key(b, req('/a')));
});

test('query strings "allExcept": every parameter but the listed ones', () => {
  const b = policy({ query: ['allExcept', ['utm_source', 'fbclid']] });
  assert.equal(key(b, req('/a?id=1&utm_source=x&fbclid=y')), key(b, req('/a?id=1')));
  assert.notEqual(key(b, req('/a?id=1&page=2')), key(b, req('/a?id=1')));
});

test('query strings "all": every parameter, raw', () => {
  const b = policy({ query: ['all'] });
  assert.notEqual(key(b, req('/a?x=1')), key(b, req('/a?x=2')));
  assert.notEqual(key(b, req('/a?x=1')), key(b, req('/a')));
});

test('query string order matters: a=1&b=2 and b=2&a=1 are different keys', () => {
  for (const b of [policy({ query: ['all'] }), policy({ query: ['whitelist', ['a', 'b']] })]) {
    assert.notEqual(key(b, req('/p?a=1&b=2')), key(b, req('/p?b=2&a=1')));
  }
  // …but only the order of the selected parameters.
  const w = policy({ query: ['whitelist', ['a', 'b']] });
  assert.equal(key(w, req('/p?a=1&z=0&b=2')), key(w, req('/p?z=9&a=1&b=2')));
});

test('; is not a query string separator', () => {
  const b = policy({ query: ['whitelist', ['color', 'size']] });
  assert.notEqual(key(b, req('/a?color=red;size=large')), key(b, req('/a?color=red&size=large')));
  assert.equal(key(b, req('/a?color=red;size=large&x=1')), key(b, req('/a?color=red;size=large')));
});

test('listed query names match percent-decoded names', () => {
  const b = policy({ query: ['whitelist', ['a b']] });
  assert.notEqual(key(b, req('/p?a%20b=1')), key(b, req('/p')));
  assert.notEqual(key(b, req('/p?a+b=1')), key(b, req('/p')));
});

test('legacy QueryString: true with QueryStringCacheKeys keys only the listed keys', () => {
  const b = legacy({ QueryString: true, QueryStringCacheKeys: ['id'] });
  assert.equal(key(b, req('/a?id=1&utm=x')), key(b, req('/a?utm=y&id=1')));
  assert.notEqual(key(b, req('/a?id=1')), key(b, req('/a?id=2')));
});

test('legacy QueryString: true without QueryStringCacheKeys keys on all; false keys on none', () => {
  const all = legacy({ QueryString: true });
  assert.notEqual(key(all, req('/a?utm=x')), key(all, req('/a?utm=y')));
  const none = legacy({ QueryString: false });
  assert.equal(key(none, req('/a?id=1')), key(none, req('/a?id=2')));
});

test('legacy Headers are keyed like a whitelist', () => {
  const b = legacy({ QueryString: false, Headers: ['Origin'] });
  assert.notEqual(key(b, req('/a', { origin: 'https://x' })), key(b, req('/a', { origin: 'https://y' })));
});

// --- isCachingDisabled ------------------------------------------------------------------------------

test('CachingDisabled (all TTLs 0) disables caching; CachingOptimized does not', () => {
  assert.equal(isCachingDisabled(load({ CachePolicyId: 'CachingDisabled' })), true);
  assert.equal(isCachingDisabled(load({ CachePolicyId: 'CachingOptimized' })), false);
  assert.equal(
    isCachingDisabled(legacy({ QueryString: false }, { MinTTL: 0, DefaultTTL: 0, MaxTTL: 0 })),
    true,
  );
  assert.equal(
    isCachingDisabled(legacy({ QueryString: false }, { MinTTL: 0, DefaultTTL: 0, MaxTTL: 1 })),
    false,
  );
});

test('a legacy behavior forwarding all headers (*) is not cached', () => {
  assert.equal(isCachingDisabled(legacy({ QueryString: false, Headers: ['*'] })), true);
});

// --- properties ------------------------------------------------------------------------------------------

const NAMES = ['x-a', 'x-b', 'x-c'];

test('property: the key does not depend on the case of listed header names', () => {
  const base = policy({ headers: NAMES });
  const r = req('/a', { 'x-a': '1', 'x-b': 'B', 'x-c': 'c c' });
  const expected = key(base, r);
  fc.assert(
    fc.property(
      fc.shuffledSubarray(NAMES, { minLength: 3, maxLength: 3 }),
      fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
      (names, upper) => {
        let i = 0;
        const cased = names.map((n) => [...n].map((ch) => (upper[i++] ? ch.toUpperCase() : ch)).join(''));
        assert.equal(key(policy({ headers: cased }), r), expected);
      },
    ),
    { numRuns: 25 },
  );
});

const tokenName = fc.stringMatching(/^[A-Za-z0-9_.-]{1,8}$/);
const cookieValue = fc.stringMatching(/^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]{0,8}$/); // no ; , " \ or space

test('property: the key does not depend on cookie order', () => {
  const b = policy({ cookies: ['all'] });
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.tuple(tokenName, cookieValue), { selector: (c) => c[0], maxLength: 40 }),
      fc.nat(),
      (cookies, seed) => {
        const shuffled = [...cookies].sort(
          (x, y) => ((hash(x[0]) ^ seed) & 0xff) - ((hash(y[0]) ^ seed) & 0xff),
        );
        const header = (cs: [string, string][]) => cs.map(([n, v]) => `${n}=${v}`).join('; ');
        assert.equal(
          key(b, req('/a', { cookie: header(cookies) })),
          key(b, req('/a', { cookie: header(shuffled) })),
        );
      },
    ),
  );
});

test('property: the key does not depend on request header order', () => {
  const b = policy({ headers: NAMES });
  fc.assert(
    fc.property(
      fc.shuffledSubarray(NAMES, { minLength: 3, maxLength: 3 }),
      fc.array(fc.string(), { minLength: 3, maxLength: 3 }),
      (order, values) => {
        const inOrder: Record<string, string> = {};
        NAMES.forEach((n, i) => {
          inOrder[n] = values[i];
        });
        const reordered: Record<string, string> = {};
        for (const n of order) reordered[n] = inOrder[n];
        assert.equal(key(b, req('/a', inOrder)), key(b, req('/a', reordered)));
      },
    ),
  );
});

const SELECTIVE = policy({
  gzip: true,
  br: true,
  headers: ['X-A', 'X-B', 'CloudFront-Forwarded-Proto'],
  cookies: ['whitelist', ['s', 't']],
  query: ['whitelist', ['p', 'q']],
});
/** Values full of the key's own separators. */
const nasty = fc.string({
  unit: fc.constantFrom('\n', ':', '=', '&', ';', ',', '1', '2', 'a', 'h', 'c', 'q', ' ', '%'),
});
const queryValue = nasty.map((s) => s.replace(/&/g, ''));
const ckValue = nasty.map((s) => s.replace(/;/g, '').trim());

interface Selection {
  path: string;
  options: boolean;
  encoding: string | undefined;
  proto: 'http' | 'https';
  headers: Partial<Record<'x-a' | 'x-b', string>>;
  cookies: Partial<Record<'s' | 't', string>>;
  query: [string, string][];
}

const selection: fc.Arbitrary<Selection> = fc.record({
  path: nasty.map((s) => `/${s}`),
  options: fc.boolean(),
  encoding: fc.constantFrom(undefined, 'gzip', 'br', 'br,gzip'),
  proto: fc.constantFrom('http' as const, 'https' as const),
  headers: fc.record({ 'x-a': nasty, 'x-b': nasty }, { requiredKeys: [] }),
  cookies: fc.record({ s: ckValue, t: ckValue }, { requiredKeys: [] }),
  query: fc.array(fc.tuple(fc.constantFrom('p', 'q'), queryValue), { maxLength: 3 }),
});

/** A request carrying the selection plus noise the policy does not select. */
function requestOf(s: Selection, noise: string): ViewerRequest {
  const headers: Record<string, string> = { 'x-unlisted': noise, ...s.headers };
  if (s.encoding) headers['accept-encoding'] = s.encoding;
  const cookies = Object.entries(s.cookies).map(([n, v]) => `${n}=${v}`);
  headers.cookie = ['other=' + noise.replace(/;/g, ''), ...cookies].join('; ');
  const query = ['zz=' + noise.replace(/&/g, ''), ...s.query.map(([n, v]) => `${n}=${v}`)].join('&');
  return req(`${s.path}?${query}`, headers, { method: s.options ? 'OPTIONS' : 'GET', protocol: s.proto });
}

test('property: the key changes when a selected value changes, and not when an unselected one does', () => {
  fc.assert(
    fc.property(selection, nasty, nasty, (s, noise1, noise2) => {
      assert.equal(key(SELECTIVE, requestOf(s, noise1)), key(SELECTIVE, requestOf(s, noise2)));
      const changed = { ...s, headers: { ...s.headers, 'x-a': `${s.headers['x-a'] ?? ''}!` } };
      assert.notEqual(key(SELECTIVE, requestOf(changed, noise1)), key(SELECTIVE, requestOf(s, noise1)));
      const cookie = { ...s, cookies: { ...s.cookies, t: `${s.cookies.t ?? ''}!` } };
      assert.notEqual(key(SELECTIVE, requestOf(cookie, noise1)), key(SELECTIVE, requestOf(s, noise1)));
      const query = { ...s, query: [...s.query, ['p', '!'] as [string, string]] };
      assert.notEqual(key(SELECTIVE, requestOf(query, noise1)), key(SELECTIVE, requestOf(s, noise1)));
    }),
  );
});

test('property: two different selections never share a key, whatever separators the values hold', () => {
  const canonical = (s: Selection) =>
    JSON.stringify([
      s.path,
      s.options,
      s.encoding ?? null,
      s.proto,
      s.headers['x-a'] ?? null,
      s.headers['x-b'] ?? null,
      s.cookies.s ?? null,
      s.cookies.t ?? null,
      s.query,
    ]);
  fc.assert(
    fc.property(selection, selection, nasty, (a, b, noise) => {
      const same = canonical(a) === canonical(b);
      assert.equal(key(SELECTIVE, requestOf(a, noise)) === key(SELECTIVE, requestOf(b, noise)), same);
    }),
    { numRuns: 500 },
  );
});

test('crafted selections that would collide under a naive encoding all get distinct keys', () => {
  // Values copy the key's own section tags: with a bare path or bare values, '/a\ne:gzip' without
  // Accept-Encoding would equal '/a' with it, and x-a='1\nh:x-b=2' would equal x-a='1', x-b='2…'.
  const keys = new Set<string>();
  let count = 0;
  for (const path of ['/a', '/a\ne:gzip', '/a\nm:OPTIONS'])
    for (const options of [false, true])
      for (const encoding of [undefined, 'gzip'])
        for (const xa of [undefined, '1', '1\nh:x-b=2'])
          for (const xb of [undefined, '2', '2\nh:x-b'])
            for (const s of [undefined, '', '1'])
              for (const query of [
                [],
                [['p', '1']],
                [
                  ['p', '1'],
                  ['q', ''],
                ],
              ] as [string, string][][]) {
                const headers: Selection['headers'] = {};
                if (xa !== undefined) headers['x-a'] = xa;
                if (xb !== undefined) headers['x-b'] = xb;
                const cookies: Selection['cookies'] = s === undefined ? {} : { s };
                keys.add(
                  key(
                    SELECTIVE,
                    requestOf({ path, options, encoding, proto: 'https', headers, cookies, query }, 'n'),
                  ),
                );
                count++;
              }
  assert.equal(keys.size, count);
});

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}
