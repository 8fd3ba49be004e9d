/**
 * The edge TTL of an origin response (reference/caching.md §2.2 table, §2.3 stale windows,
 * §2.5 status codes), one test per table row and MinTTL column.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { edgeFreshness, type FreshnessInput } from '../../../src/cache/ttl.js';
import { loadConfigObject } from '../../../src/config/load.js';

const NOW = Date.UTC(2024, 0, 1, 12, 0, 0);
const GET_HEAD: ReadonlySet<string> = new Set(['GET', 'HEAD']);
const WITH_OPTIONS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
const MIN0 = { MinTTL: 0, DefaultTTL: 86400, MaxTTL: 31536000 };
const MIN60 = { MinTTL: 60, DefaultTTL: 86400, MaxTTL: 31536000 };

function fresh(headers: FreshnessInput['headers'], more: Partial<FreshnessInput> = {}) {
  return edgeFreshness({
    status: 200,
    method: 'GET',
    headers,
    policy: MIN0,
    nowMs: NOW,
    cachedMethods: GET_HEAD,
    ...more,
  });
}

function httpDate(offsetSeconds: number): string {
  return new Date(NOW + offsetSeconds * 1000).toUTCString();
}

// §2.2, row by row.

test('max-age with MinTTL 0 is min(max-age, MaxTTL)', () => {
  assert.equal(fresh({ 'cache-control': 'max-age=3600' }).ttlSeconds, 3600);
  assert.equal(
    fresh({ 'cache-control': 'max-age=3600' }, { policy: { ...MIN0, MaxTTL: 600 } }).ttlSeconds,
    600,
  );
  assert.equal(fresh({ 'cache-control': 'max-age=3600' }).reason, 'ttl');
});

test('max-age with MinTTL > 0 is clamp(max-age, MinTTL, MaxTTL)', () => {
  assert.equal(fresh({ 'cache-control': 'max-age=10' }, { policy: MIN60 }).ttlSeconds, 60);
  assert.equal(fresh({ 'cache-control': 'max-age=3600' }, { policy: MIN60 }).ttlSeconds, 3600);
  assert.equal(
    fresh({ 'cache-control': 'max-age=3600' }, { policy: { ...MIN60, MaxTTL: 600 } }).ttlSeconds,
    600,
  );
});

test('s-maxage beats max-age with MinTTL 0: min(s-maxage, MaxTTL)', () => {
  assert.equal(fresh({ 'cache-control': 'max-age=60, s-maxage=7200' }).ttlSeconds, 7200);
  assert.equal(fresh({ 'cache-control': 's-maxage=5, max-age=7200' }).ttlSeconds, 5);
  assert.equal(
    fresh({ 'cache-control': 'max-age=60, s-maxage=7200' }, { policy: { ...MIN0, MaxTTL: 100 } }).ttlSeconds,
    100,
  );
});

test('s-maxage beats max-age with MinTTL > 0: clamp(s-maxage, MinTTL, MaxTTL)', () => {
  assert.equal(fresh({ 'cache-control': 'max-age=3600, s-maxage=5' }, { policy: MIN60 }).ttlSeconds, 60);
  assert.equal(fresh({ 'cache-control': 'max-age=5, s-maxage=300' }, { policy: MIN60 }).ttlSeconds, 300);
});

test('Expires only with MinTTL 0 lasts until Expires, capped at MaxTTL', () => {
  assert.equal(fresh({ expires: httpDate(900) }).ttlSeconds, 900);
  assert.equal(fresh({ expires: httpDate(900) }, { policy: { ...MIN0, MaxTTL: 300 } }).ttlSeconds, 300);
});

test('Expires only with MinTTL > 0 is clamp(Expires − now, MinTTL, MaxTTL)', () => {
  assert.equal(fresh({ expires: httpDate(30) }, { policy: MIN60 }).ttlSeconds, 60);
  assert.equal(fresh({ expires: httpDate(900) }, { policy: MIN60 }).ttlSeconds, 900);
});

test('max-age takes precedence over Expires', () => {
  assert.equal(fresh({ 'cache-control': 'max-age=30', expires: httpDate(900) }).ttlSeconds, 30);
});

test('an invalid or past Expires is a lifetime of 0, then the MinTTL clamp', () => {
  for (const expires of ['0', '-1', 'garbage', '99999', httpDate(-60)]) {
    const r = fresh({ expires });
    assert.deepEqual([r.cacheable, r.ttlSeconds, r.reason], [true, 0, 'ttl'], expires);
    assert.equal(fresh({ expires }, { policy: MIN60 }).ttlSeconds, 60, expires);
  }
});

test('no Cache-Control and no Expires with MinTTL 0 is DefaultTTL', () => {
  const r = fresh({});
  assert.deepEqual([r.cacheable, r.ttlSeconds, r.reason], [true, 86400, 'default-ttl']);
});

test('no Cache-Control and no Expires with MinTTL > 0 is max(MinTTL, DefaultTTL)', () => {
  assert.equal(fresh({}, { policy: { MinTTL: 60, DefaultTTL: 30, MaxTTL: 600 } }).ttlSeconds, 60);
  assert.equal(fresh({}, { policy: { MinTTL: 60, DefaultTTL: 300, MaxTTL: 600 } }).ttlSeconds, 300);
});

test('no-cache, no-store or private with MinTTL 0 are honoured: not cached', () => {
  for (const directive of ['no-cache', 'no-store', 'private']) {
    const r = fresh({ 'cache-control': `${directive}, max-age=3600` });
    assert.deepEqual([r.cacheable, r.reason], [false, directive]);
  }
});

test('no-cache, no-store or private with MinTTL > 0 are cached for MinTTL', () => {
  for (const directive of ['no-cache', 'no-store', 'private', 'private="x-user"']) {
    const r = fresh({ 'cache-control': `${directive}, max-age=3600` }, { policy: MIN60 });
    assert.deepEqual([r.cacheable, r.ttlSeconds, r.reason], [true, 60, 'min-ttl'], directive);
  }
});

test('no-cache="Set-Cookie" keeps the body cacheable by the normal rules', () => {
  const r = fresh({ 'cache-control': 'no-cache="Set-Cookie", max-age=300' });
  assert.deepEqual([r.cacheable, r.ttlSeconds], [true, 300]);
});

test('max-age=0 with MinTTL 0 is stored stale on arrival, so every request revalidates', () => {
  for (const cc of ['max-age=0', 's-maxage=0, max-age=60']) {
    const r = fresh({ 'cache-control': cc });
    assert.deepEqual([r.cacheable, r.ttlSeconds], [true, 0], cc);
  }
});

// §2.1 defaults, as the config loader fills them in.

test('a cache policy with only MinTTL defaults to DefaultTTL 86400 and MaxTTL 31536000', () => {
  const policy = policyOf({ MinTTL: 5 });
  assert.deepEqual([policy.MinTTL, policy.DefaultTTL, policy.MaxTTL], [5, 86400, 31536000]);
  assert.equal(fresh({}, { policy }).ttlSeconds, 86400);
  assert.equal(fresh({ 'cache-control': 'max-age=99999999999' }, { policy }).ttlSeconds, 31536000);
});

test('a MinTTL above a day raises the DefaultTTL with it', () => {
  const policy = policyOf({ MinTTL: 100000 });
  assert.equal(policy.DefaultTTL, 100000);
  assert.equal(fresh({ 'cache-control': 'no-store' }, { policy }).ttlSeconds, 100000);
});

test('a legacy behavior defaults to 0 / 86400 / 31536000', () => {
  const { model } = loadConfigObject(doc({ ForwardedValues: { QueryString: false } }));
  const c = model.distributions[0].behaviors[0].cachePolicy.Config;
  assert.deepEqual([c.MinTTL, c.DefaultTTL, c.MaxTTL], [0, 86400, 31536000]);
  assert.equal(fresh({ 'cache-control': 'no-cache' }, { policy: c }).cacheable, false);
});

test('the managed CachingDisabled policy caches nothing, errors included', () => {
  const { model } = loadConfigObject(doc({ CachePolicyId: 'CachingDisabled' }));
  const policy = model.distributions[0].behaviors[0].cachePolicy.Config;
  for (const status of [200, 301, 404, 503]) {
    const r = fresh({ 'cache-control': 'max-age=3600' }, { policy, status });
    assert.deepEqual([r.cacheable, r.reason], [false, 'caching-disabled'], String(status));
  }
});

// §2.3 stale windows.

test("CloudFront's example: fresh 1 h, 10 min stale-while-revalidate, 24 h stale-if-error", () => {
  const r = fresh({ 'cache-control': 'max-age=3600, stale-while-revalidate=600, stale-if-error=86400' });
  assert.deepEqual(r, {
    cacheable: true,
    ttlSeconds: 3600,
    staleWhileRevalidateSeconds: 600,
    staleIfErrorSeconds: 86400,
    reason: 'ttl',
  });
});

test('stale windows end once MaxTTL has elapsed', () => {
  const r = fresh(
    { 'cache-control': 'max-age=3600, stale-while-revalidate=600, stale-if-error=86400' },
    { policy: { ...MIN0, MaxTTL: 4000 } },
  );
  assert.deepEqual([r.ttlSeconds, r.staleWhileRevalidateSeconds, r.staleIfErrorSeconds], [3600, 400, 400]);
  const capped = fresh(
    { 'cache-control': 'max-age=3600, stale-if-error=60' },
    { policy: { ...MIN0, MaxTTL: 600 } },
  );
  assert.deepEqual([capped.ttlSeconds, capped.staleIfErrorSeconds], [600, 0]);
});

test('without stale-if-error the held copy serves through origin errors until MaxTTL; =0 opts out', () => {
  const r = fresh({ 'cache-control': 'max-age=60' }, { policy: { ...MIN0, MaxTTL: 600 } });
  assert.deepEqual([r.staleWhileRevalidateSeconds, r.staleIfErrorSeconds], [0, 540]);
  assert.equal(fresh({ 'cache-control': 'max-age=60, stale-if-error=0' }).staleIfErrorSeconds, 0);
});

test('must-revalidate and proxy-revalidate disable stale serving', () => {
  for (const d of ['must-revalidate', 'proxy-revalidate']) {
    const r = fresh({ 'cache-control': `max-age=60, ${d}, stale-while-revalidate=600, stale-if-error=600` });
    assert.deepEqual(
      [r.cacheable, r.ttlSeconds, r.staleWhileRevalidateSeconds, r.staleIfErrorSeconds],
      [true, 60, 0, 0],
    );
  }
});

test('ttl plus either stale window never exceeds MaxTTL', () => {
  fc.assert(
    fc.property(
      fc.nat({ max: 1000 }),
      fc.nat({ max: 1000 }),
      fc.nat({ max: 1000 }),
      fc.nat({ max: 100 }),
      fc.nat({ max: 2000 }),
      (maxAge, swr, sie, min, extra) => {
        const policy = { MinTTL: min, DefaultTTL: min, MaxTTL: min + extra };
        const r = fresh(
          { 'cache-control': `max-age=${maxAge}, stale-while-revalidate=${swr}, stale-if-error=${sie}` },
          { policy },
        );
        if (policy.MaxTTL === 0) return;
        assert.ok(r.ttlSeconds >= policy.MinTTL && r.ttlSeconds <= policy.MaxTTL);
        assert.ok(r.ttlSeconds + r.staleWhileRevalidateSeconds <= policy.MaxTTL);
        assert.ok(r.ttlSeconds + r.staleIfErrorSeconds <= policy.MaxTTL);
      },
    ),
  );
});

// §2.4 item 7 / §3.7: Vary.

test('Vary: * with MinTTL 0 is not cached; with MinTTL > 0 it is ignored', () => {
  assert.deepEqual(fresh({ vary: 'Accept-Encoding, *', 'cache-control': 'max-age=60' }).reason, 'vary-star');
  assert.equal(fresh({ vary: '*' }).cacheable, false);
  assert.equal(fresh({ vary: '*' }, { policy: MIN60 }).ttlSeconds, 86400);
  assert.equal(fresh({ vary: 'Accept-Encoding' }).cacheable, true);
});

// §2.5 methods.

test('GET and HEAD responses are cached', () => {
  assert.equal(fresh({}, { method: 'GET' }).cacheable, true);
  assert.equal(fresh({}, { method: 'HEAD' }).cacheable, true);
});

test('OPTIONS responses are cached only when CachedMethods lists OPTIONS', () => {
  assert.deepEqual(fresh({}, { method: 'OPTIONS' }).reason, 'method-not-cached');
  assert.equal(fresh({}, { method: 'OPTIONS', cachedMethods: WITH_OPTIONS }).cacheable, true);
});

test('responses to other methods are never cached', () => {
  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    assert.equal(
      fresh({ 'cache-control': 'max-age=60' }, { method, cachedMethods: WITH_OPTIONS }).cacheable,
      false,
    );
  }
});

// §2.5 status codes, row by row.

test('2xx/3xx in the heuristically cacheable set follow the normal TTL rules', () => {
  for (const status of [200, 203, 204, 206, 300, 301, 308]) {
    assert.equal(fresh({}, { status }).ttlSeconds, 86400, String(status));
    assert.equal(
      fresh({ 'cache-control': 'max-age=5' }, { status, policy: MIN60 }).ttlSeconds,
      60,
      String(status),
    );
  }
});

test('302, 303 and 307 are cached only with explicit freshness', () => {
  for (const status of [302, 303, 307]) {
    assert.deepEqual(fresh({}, { status }).reason, 'no-explicit-freshness', String(status));
    assert.equal(fresh({ 'cache-control': 'max-age=120' }, { status }).ttlSeconds, 120);
    assert.equal(fresh({ expires: httpDate(90) }, { status }).ttlSeconds, 90);
  }
});

test('other 1xx/2xx/3xx statuses are not stored, a 304 included', () => {
  for (const status of [100, 201, 202, 205, 207, 304, 305]) {
    assert.equal(
      fresh({ 'cache-control': 'max-age=60' }, { status }).reason,
      'status-not-cacheable',
      String(status),
    );
  }
});

test('404, 414, 500, 501, 502, 503 and 504 are always cached for ErrorCachingMinTTL (10 s)', () => {
  for (const status of [404, 414, 500, 501, 502, 503, 504]) {
    const r = fresh({}, { status });
    assert.deepEqual([r.cacheable, r.ttlSeconds, r.reason], [true, 10, 'error-ttl'], String(status));
    // no-store does not stop it: only max-age/s-maxage/Expires lengthen error caching.
    assert.equal(fresh({ 'cache-control': 'no-store' }, { status }).ttlSeconds, 10);
  }
});

test('an always-cached error lasts max(ErrorCachingMinTTL, origin max-age or s-maxage)', () => {
  assert.equal(fresh({ 'cache-control': 'max-age=300' }, { status: 404 }).ttlSeconds, 300);
  assert.equal(fresh({ 'cache-control': 'max-age=300, s-maxage=30' }, { status: 503 }).ttlSeconds, 30);
  assert.equal(fresh({ 'cache-control': 'max-age=3' }, { status: 404 }).ttlSeconds, 10);
  assert.equal(
    fresh({ 'cache-control': 'max-age=3' }, { status: 404, errorCachingMinTtl: 120 }).ttlSeconds,
    120,
  );
  assert.equal(fresh({ expires: httpDate(600) }, { status: 404 }).ttlSeconds, 600);
});

test("the origin's error lifetime can't exceed MaxTTL", () => {
  const r = fresh({ 'cache-control': 'max-age=9000' }, { status: 404, policy: { ...MIN0, MaxTTL: 600 } });
  assert.equal(r.ttlSeconds, 600);
});

test('ErrorCachingMinTTL 0 with no origin lifetime does not cache the error', () => {
  const r = fresh({}, { status: 503, errorCachingMinTtl: 0 });
  assert.deepEqual([r.cacheable, r.reason], [false, 'error-ttl-zero']);
  assert.equal(
    fresh({ 'cache-control': 'max-age=20' }, { status: 503, errorCachingMinTtl: 0 }).ttlSeconds,
    20,
  );
});

test('400, 403, 405, 412 and 415 are cached only when the origin sent max-age or s-maxage', () => {
  for (const status of [400, 403, 405, 412, 415]) {
    assert.equal(fresh({}, { status }).reason, 'error-no-max-age', String(status));
    assert.equal(fresh({ expires: httpDate(600) }, { status }).cacheable, false, String(status));
    assert.equal(fresh({ 'cache-control': 'max-age=60' }, { status }).ttlSeconds, 60, String(status));
    assert.equal(fresh({ 'cache-control': 's-maxage=2' }, { status }).ttlSeconds, 10, String(status));
  }
});

test('416 is never cached, whatever ErrorCachingMinTTL and the headers say', () => {
  const r = fresh({ 'cache-control': 'max-age=600' }, { status: 416, errorCachingMinTtl: 300 });
  assert.deepEqual([r.cacheable, r.reason], [false, 'status-not-cacheable']);
});

test('other 4xx/5xx statuses are not cached', () => {
  for (const status of [401, 408, 410, 429, 505]) {
    assert.equal(fresh({ 'cache-control': 'max-age=600' }, { status }).cacheable, false, String(status));
  }
});

test('an S3 501 carrying no-cache, no-store or private is not cached, even with MinTTL > 0', () => {
  for (const d of ['no-cache', 'no-store', 'private']) {
    const r = fresh({ 'cache-control': d }, { status: 501, originIsS3: true, policy: MIN60 });
    assert.deepEqual([r.cacheable, r.reason], [false, 's3-501-no-cache'], d);
  }
  assert.equal(fresh({ 'cache-control': 'no-store' }, { status: 501, policy: MIN60 }).cacheable, true);
  assert.equal(fresh({}, { status: 501, originIsS3: true }).cacheable, true);
});

// Fixtures from the config loader (§2.1 defaults).

function doc(behavior: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    Distributions: [
      {
        Id: 'E1TTL',
        DistributionConfig: {
          Enabled: true,
          Origins: [
            {
              Id: 'app',
              DomainName: 'app.example.com',
              CustomOriginConfig: { OriginProtocolPolicy: 'http-only' },
            },
          ],
          DefaultCacheBehavior: { TargetOriginId: 'app', ViewerProtocolPolicy: 'allow-all', ...behavior },
        },
      },
    ],
    ...extra,
  };
}

function policyOf(ttls: Record<string, number>) {
  const { model } = loadConfigObject(
    doc(
      { CachePolicyId: 'CP' },
      {
        CachePolicies: [
          {
            Id: 'CP',
            CachePolicyConfig: {
              Name: 'cp',
              ...ttls,
              ParametersInCacheKeyAndForwardedToOrigin: {
                EnableAcceptEncodingGzip: false,
                HeadersConfig: { HeaderBehavior: 'none' },
                CookiesConfig: { CookieBehavior: 'none' },
                QueryStringsConfig: { QueryStringBehavior: 'none' },
              },
            },
          },
        ],
      },
    ),
  );
  return model.distributions[0].behaviors[0].cachePolicy.Config;
}
