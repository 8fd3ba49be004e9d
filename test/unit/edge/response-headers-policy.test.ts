/**
 * Response headers policies (reference/distribution.md §8, caching.md §5): the policy compiled
 * from config, then applied to one response, on CloudFront's documented cases; the config rules
 * (headers that cannot be removed, origin wildcards) through the loader.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { ManualClock } from '../../../src/clock.js';
import { loadConfigObject } from '../../../src/config/load.js';
import { MANAGED_RESPONSE_HEADERS_POLICIES } from '../../../src/config/managed-response-headers.js';
import { originPattern, responseHeadersPolicyModel } from '../../../src/config/resolve-response-headers.js';
import { type EdgeRuntime, Exchange, type ResultType } from '../../../src/edge/exchange.js';
import { applyResponseHeadersPolicy } from '../../../src/edge/response-headers/apply.js';
import { ConfigError } from '../../../src/errors.js';
import type { ResponseHeadersPolicyConfig } from '../../../src/model/cloudfront.js';
import type { BehaviorModel } from '../../../src/model/types.js';
import { issuesOf, nativeDoc } from '../config/helpers.js';

type Headers = Record<string, string | string[]>;

interface Viewer {
  method?: string;
  headers?: Record<string, string>;
  result?: ResultType;
  /** The origin was asked (a miss) rather than the cache. */
  fromOrigin?: boolean;
}

const clock = new ManualClock();

/** Applies `config` to a response with `headers` for a request described by `viewer`. */
function apply(config: object, headers: Headers, viewer: Viewer = {}): Headers {
  const policy = responseHeadersPolicyModel('p', { Name: 'p', ...config } as ResponseHeadersPolicyConfig);
  const ex = exchange(viewer);
  const out = { ...headers };
  applyResponseHeadersPolicy(ex, out, policy);
  return out;
}

function exchange(viewer: Viewer): Exchange {
  const runtime = { clock, pop: 'TST50-C1' } as unknown as EdgeRuntime;
  const ex = new Exchange(runtime, {
    method: viewer.method ?? 'GET',
    path: '/a',
    query: '',
    headers: viewer.headers ?? {},
    rawHeaders: [],
    body: null,
    protocol: 'https',
    httpVersion: '1.1',
    clientIp: '127.0.0.1',
    clientPort: 1,
  });
  ex.behavior = {} as BehaviorModel;
  ex.result = viewer.result ?? 'Miss';
  ex.originStatus = 200;
  if (viewer.fromOrigin ?? ex.result === 'Miss') ex.sentOriginRequest = {} as Exchange['sentOriginRequest'];
  return ex;
}

const managed = (name: string) =>
  Object.values(MANAGED_RESPONSE_HEADERS_POLICIES).find((p) => p.Name === name)!;

// --- Security headers -------------------------------------------------------------------------

test('SecurityHeadersPolicy adds its five headers with CloudFront values', () => {
  assert.deepEqual(apply(managed('SecurityHeadersPolicy'), {}), {
    'strict-transport-security': 'max-age=31536000',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'x-xss-protection': '1; mode=block',
  });
});

test("SecurityHeadersPolicy keeps the origin's headers except X-Content-Type-Options (the one it overrides)", () => {
  const origin = {
    'strict-transport-security': 'max-age=60',
    'x-content-type-options': 'whatever',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-xss-protection': '0',
  };
  assert.deepEqual(apply(managed('SecurityHeadersPolicy'), origin), {
    ...origin,
    'x-content-type-options': 'nosniff',
  });
});

test('Strict-Transport-Security carries includeSubdomains and preload when set', () => {
  const hsts = (IncludeSubdomains: boolean, Preload: boolean) =>
    apply(
      {
        SecurityHeadersConfig: {
          StrictTransportSecurity: {
            AccessControlMaxAgeSec: 63072000,
            IncludeSubdomains,
            Preload,
            Override: true,
          },
        },
      },
      {},
    )['strict-transport-security'];
  assert.equal(hsts(true, true), 'max-age=63072000; includeSubdomains; preload');
  assert.equal(hsts(true, false), 'max-age=63072000; includeSubdomains');
  assert.equal(hsts(false, true), 'max-age=63072000; preload');
});

test('X-XSS-Protection is 1 or 0, with mode=block or a report URI', () => {
  const xss = (XSSProtection: object) =>
    apply({ SecurityHeadersConfig: { XSSProtection: { Override: true, ...XSSProtection } } }, {})[
      'x-xss-protection'
    ];
  assert.equal(xss({ Protection: true, ModeBlock: true }), '1; mode=block');
  assert.equal(xss({ Protection: true, ReportUri: 'https://r.example/x' }), '1; report=https://r.example/x');
  assert.equal(xss({ Protection: true }), '1');
  assert.equal(xss({ Protection: false, ModeBlock: true }), '0');
});

test('each security header: Override true replaces the origin header, false keeps it, absent adds it', () => {
  const security = (Override: boolean) => ({
    SecurityHeadersConfig: {
      ContentSecurityPolicy: { ContentSecurityPolicy: "default-src 'self'", Override },
      FrameOptions: { FrameOption: 'DENY', Override },
      ReferrerPolicy: { ReferrerPolicy: 'same-origin', Override },
    },
  });
  const origin = {
    'content-security-policy': 'x',
    'x-frame-options': 'SAMEORIGIN',
    'referrer-policy': 'origin',
  };
  assert.deepEqual(apply(security(false), origin), origin);
  const ours = {
    'content-security-policy': "default-src 'self'",
    'x-frame-options': 'DENY',
    'referrer-policy': 'same-origin',
  };
  assert.deepEqual(apply(security(true), origin), ours);
  assert.deepEqual(apply(security(false), {}), ours);
});

// --- Custom and removed headers --------------------------------------------------------------

test('custom headers: Override decides whose value wins; an empty value is sent as empty', () => {
  const config = {
    CustomHeadersConfig: {
      Items: [
        { Header: 'Cache-Control', Value: 'no-store', Override: true },
        { Header: 'X-Team', Value: 'edge', Override: false },
        { Header: 'X-Empty', Value: '', Override: false },
      ],
    },
  };
  assert.deepEqual(apply(config, { 'cache-control': 'max-age=60', 'x-team': 'origin' }), {
    'cache-control': 'no-store',
    'x-team': 'origin',
    'x-empty': '',
  });
});

test('headers are removed before any are added: removed and added ends up with the policy value', () => {
  const config = {
    RemoveHeadersConfig: { Items: [{ Header: 'X-Powered-By' }, { Header: 'Vary' }, { Header: 'X-Team' }] },
    CustomHeadersConfig: { Items: [{ Header: 'X-Team', Value: 'edge', Override: false }] },
  };
  assert.deepEqual(
    apply(config, { 'x-powered-by': 'PHP', vary: 'Accept', 'x-team': 'origin', etag: '"1"' }),
    {
      'x-team': 'edge',
      etag: '"1"',
    },
  );
});

test('a removed Server header comes back as CloudFront\'s "Server: CloudFront"', () => {
  const config = { RemoveHeadersConfig: { Quantity: 1, Items: [{ Header: 'Server' }] } };
  assert.deepEqual(apply(config, { server: 'nginx/1.25' }), { server: 'CloudFront' });
  assert.deepEqual(apply(config, {}), { server: 'CloudFront' });
});

test('property: removal, then Override decides every custom header', () => {
  const name = fc.constantFrom<string>('x-a', 'x-b', 'x-c', 'x-d');
  fc.assert(
    fc.property(
      fc.dictionary(name, fc.string({ maxLength: 5 })),
      fc.uniqueArray(
        fc.record({ Header: name, Value: fc.string({ maxLength: 5 }), Override: fc.boolean() }),
        {
          selector: (h) => h.Header,
        },
      ),
      fc.uniqueArray(name),
      (origin, custom, removed) => {
        const out = apply(
          {
            CustomHeadersConfig: { Items: custom },
            RemoveHeadersConfig: { Items: removed.map((Header) => ({ Header })) },
          },
          origin,
        );
        for (const n of ['x-a', 'x-b', 'x-c', 'x-d']) {
          const rule = custom.find((h) => h.Header === n);
          const kept = removed.includes(n) ? undefined : origin[n];
          const expected = rule && (rule.Override || kept === undefined) ? rule.Value : kept;
          assert.equal(out[n], expected, n);
        }
      },
    ),
  );
});

// --- CORS -------------------------------------------------------------------------------------

const CORS = {
  AccessControlAllowOrigins: { Items: ['https://app.example.com', '*.example.org'] },
  AccessControlAllowHeaders: { Items: ['Content-Type', 'x-amz-*'] },
  AccessControlAllowMethods: { Items: ['GET', 'POST'] },
  AccessControlAllowCredentials: true,
  AccessControlExposeHeaders: { Items: ['X-Request-Id'] },
  AccessControlMaxAgeSec: 600,
  OriginOverride: true,
};

const preflight = (origin: string, extra: Record<string, string> = {}): Viewer => ({
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': 'POST', ...extra },
});

test('a request without Origin gets no CORS headers', () => {
  assert.deepEqual(apply({ CorsConfig: CORS }, {}), {});
  assert.deepEqual(apply(managed('SimpleCORS'), {}), {});
});

test('SimpleCORS answers a CORS request with Access-Control-Allow-Origin: * and nothing else', () => {
  assert.deepEqual(apply(managed('SimpleCORS'), {}, { headers: { origin: 'https://a.test' } }), {
    'access-control-allow-origin': '*',
  });
});

test("SimpleCORS keeps the origin's Access-Control-Allow-Origin (no override)", () => {
  const origin = { 'access-control-allow-origin': 'https://mine.test' };
  assert.deepEqual(apply(managed('SimpleCORS'), origin, { headers: { origin: 'https://a.test' } }), origin);
});

test('CORS-With-Preflight answers a preflight with Allow-Origin, Allow-Methods and Expose-Headers', () => {
  assert.deepEqual(apply(managed('CORS-With-Preflight'), {}, preflight('https://a.test')), {
    'access-control-allow-origin': '*',
    'access-control-allow-methods': 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT',
    'access-control-expose-headers': '*',
  });
});

test('a preflight gets Allow-Methods, Allow-Headers and Max-Age; a simple CORS request does not', () => {
  const pre = apply(
    { CorsConfig: CORS },
    {},
    preflight('https://app.example.com', {
      'access-control-request-headers': 'Content-Type, X-Amz-Date, X-Other',
    }),
  );
  assert.deepEqual(pre, {
    'access-control-allow-origin': 'https://app.example.com',
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'X-Request-Id',
    'access-control-allow-methods': 'GET, POST',
    'access-control-allow-headers': 'Content-Type, X-Amz-Date',
    'access-control-max-age': '600',
    vary: 'Origin',
  });
  const simple = apply({ CorsConfig: CORS }, {}, { headers: { origin: 'https://app.example.com' } });
  assert.deepEqual(simple, {
    'access-control-allow-origin': 'https://app.example.com',
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'X-Request-Id',
    vary: 'Origin',
  });
  // OPTIONS without Access-Control-Request-Method is not a preflight.
  const options = apply(
    { CorsConfig: CORS },
    {},
    { method: 'OPTIONS', headers: { origin: 'https://app.example.com' } },
  );
  assert.equal(options['access-control-allow-methods'], undefined);
});

test('an echoed origin adds Origin to Vary once; `*` adds no Vary', () => {
  const viewer = { headers: { origin: 'https://app.example.com' } };
  assert.equal(
    apply({ CorsConfig: CORS }, { vary: 'Accept-Encoding' }, viewer).vary,
    'Accept-Encoding, Origin',
  );
  assert.equal(
    apply({ CorsConfig: CORS }, { vary: 'accept-encoding, origin' }, viewer).vary,
    'accept-encoding, origin',
  );
  assert.equal(apply(managed('SimpleCORS'), {}, viewer).vary, undefined);
});

test('an origin that is not allowed gets no CORS headers', () => {
  assert.deepEqual(apply({ CorsConfig: CORS }, {}, preflight('https://evil.test')), {});
});

test('ALL methods are sent as the seven methods', () => {
  const all = {
    ...CORS,
    AccessControlAllowMethods: { Items: ['ALL'] },
    AccessControlAllowOrigins: { Items: ['*'] },
  };
  assert.equal(
    apply({ CorsConfig: all }, {}, preflight('https://a.test'))['access-control-allow-methods'],
    'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT',
  );
});

test('`*` with credentials echoes the origin, as browsers refuse `*` with credentials', () => {
  const any = { ...CORS, AccessControlAllowOrigins: { Items: ['*'] } };
  const out = apply({ CorsConfig: any }, {}, { headers: { origin: 'https://a.test' } });
  assert.equal(out['access-control-allow-origin'], 'https://a.test');
  assert.equal(out.vary, 'Origin');
  const anon = apply(
    { CorsConfig: { ...any, AccessControlAllowCredentials: false } },
    {},
    { headers: { origin: 'https://a.test' } },
  );
  assert.equal(anon['access-control-allow-origin'], '*');
  assert.equal(anon['access-control-allow-credentials'], undefined);
});

test("OriginOverride false: any CORS header from the origin means the origin's CORS headers, none of the policy's", () => {
  const keep = { ...CORS, OriginOverride: false };
  const origin = { 'access-control-allow-origin': 'https://app.example.com' };
  assert.deepEqual(apply({ CorsConfig: keep }, origin, preflight('https://app.example.com')), origin);
  const over = apply(
    { CorsConfig: CORS },
    { 'access-control-allow-origin': '*', 'access-control-max-age': '5' },
    {
      headers: { origin: 'https://app.example.com' },
    },
  );
  assert.equal(over['access-control-allow-origin'], 'https://app.example.com');
  assert.equal(
    over['access-control-max-age'],
    '5',
    "a simple request: Max-Age is not the policy's to replace",
  );
});

// Allowed origin patterns (distribution.md §8): scheme optional, `*` only as the left-most label,
// wildcards in ports.
const ORIGINS: [allowed: string, origin: string, matches: boolean][] = [
  ['https://app.example.com', 'https://app.example.com', true],
  ['https://app.example.com', 'https://APP.example.com', true],
  ['https://app.example.com', 'http://app.example.com', false],
  ['https://app.example.com', 'https://app.example.com:8443', false],
  ['app.example.com', 'http://app.example.com', true],
  ['app.example.com', 'https://app.example.com', true],
  ['*.example.org', 'https://a.example.org', true],
  ['*.example.org', 'https://a.b.example.org', true],
  ['*.example.org', 'https://example.org', false],
  ['*.example.org', 'https://a.example.org.evil.test', false],
  ['*.example.org', 'https://aexample.org', false],
  ['https://*.example.org', 'http://a.example.org', false],
  ['https://example.com:*', 'https://example.com:8443', true],
  ['https://example.com:*', 'https://example.com', true],
  ['https://example.com:1*3', 'https://example.com:123', true],
  ['https://example.com:1*3', 'https://example.com:1003', true],
  ['https://example.com:1*3', 'https://example.com:124', false],
  ['https://example.com:8080', 'https://example.com:8080', true],
];
for (const [allowed, origin, matches] of ORIGINS) {
  test(`allowed origin ${allowed} ${matches ? 'matches' : 'does not match'} ${origin}`, () => {
    assert.equal(new RegExp(`^(?:${originPattern(allowed)})$`, 'i').test(origin), matches);
  });
}

// --- Server-Timing ----------------------------------------------------------------------------

const timing = (SamplingRate: number) => ({ ServerTimingHeadersConfig: { Enabled: true, SamplingRate } });

test('Server-Timing on a hit: cache-hit, pop, rid, hit-layer and downstream-fbl, the origin value dropped', () => {
  const out = apply(timing(100), { 'server-timing': 'db;dur=5' }, { result: 'Hit' });
  assert.match(
    String(out['server-timing']),
    /^cdn-cache-hit,cdn-pop;desc="TST50-C1",cdn-rid;desc="[\w-]+==",cdn-hit-layer;desc="EDGE",cdn-downstream-fbl;dur=\d+$/,
  );
});

test("Server-Timing on a miss: the upstream layer and cache-miss first, then the origin's metrics", () => {
  const out = apply(timing(100), { 'server-timing': 'db;dur=5' }, { result: 'Miss' });
  assert.match(
    String(out['server-timing']),
    /^cdn-upstream-layer;desc="EDGE",cdn-cache-miss,cdn-pop;desc="TST50-C1",cdn-rid;desc="[\w-]+==",cdn-downstream-fbl;dur=\d+,db;dur=5$/,
  );
});

test('Server-Timing: RefreshHit is cdn-cache-refresh; a generated response has no cache metric', () => {
  assert.match(
    String(apply(timing(100), {}, { result: 'RefreshHit', fromOrigin: true })['server-timing']),
    /,cdn-cache-refresh,/,
  );
  assert.match(
    String(
      apply(timing(100), {}, { result: 'FunctionGeneratedResponse', fromOrigin: false })['server-timing'],
    ),
    /^cdn-pop;desc="TST50-C1",cdn-rid;desc="[^"]+",cdn-downstream-fbl;dur=\d+$/,
  );
});

test('SamplingRate 0 sends no Server-Timing unless the request says Pragma: server-timing', () => {
  assert.equal(apply(timing(0), {})['server-timing'], undefined);
  assert.match(
    String(apply(timing(0), {}, { headers: { pragma: 'no-cache, Server-Timing' } })['server-timing']),
    /cdn-rid/,
  );
  assert.equal(
    apply({ ServerTimingHeadersConfig: { Enabled: false, SamplingRate: 100 } }, {})['server-timing'],
    undefined,
  );
});

// --- Config rules -----------------------------------------------------------------------------

function policyIssues(config: object) {
  return issuesOf(
    nativeDoc(() => {}, {
      ResponseHeadersPolicies: [{ ResponseHeadersPolicyConfig: { Name: 'p', ...config } }],
    }),
  );
}

function loads(config: object): void {
  loadConfigObject(
    nativeDoc(() => {}, {
      ResponseHeadersPolicies: [{ ResponseHeadersPolicyConfig: { Name: 'p', ...config } }],
    }),
  );
}

for (const header of [
  'Via',
  'Content-Length',
  'Content-Encoding',
  'Transfer-Encoding',
  'X-Cache',
  'X-Amz-Cf-Pop',
  'X-Edge-Location',
  'Connection',
  'Warning',
  'X-Real-Ip',
]) {
  test(`removing ${header} is refused at validation, as CloudFront's API refuses it`, () => {
    const issues = policyIssues({ RemoveHeadersConfig: { Items: [{ Header: header }] } });
    assert.ok(
      issues.some(
        (i) =>
          i.path.join('.').endsWith('RemoveHeadersConfig.Items.0.Header') && /cannot|not let/.test(i.message),
      ),
      JSON.stringify(issues),
    );
  });
}

test('removable headers (X-Powered-By, Server, Date, Vary) load', () => {
  loads({
    RemoveHeadersConfig: {
      Quantity: 4,
      Items: ['X-Powered-By', 'Server', 'Date', 'Vary'].map((Header) => ({ Header })),
    },
  });
});

for (const bad of ['example.*', 'test.*.example.org', '*test.example.org', 'exa*mple.org']) {
  test(`allowed origin "${bad}" is refused (a wildcard only as the left-most label)`, () => {
    const issues = policyIssues({ CorsConfig: { ...CORS, AccessControlAllowOrigins: { Items: [bad] } } });
    assert.ok(
      issues.some((i) => i.path.includes('AccessControlAllowOrigins')),
      JSON.stringify(issues),
    );
  });
}

test("the API shape ({ Quantity, Items }, empty lists without Items) loads like CloudFormation's", () => {
  loads({
    CorsConfig: {
      ...CORS,
      AccessControlAllowOrigins: { Quantity: 2, Items: ['*.example.org', 'https://example.com:*'] },
      AccessControlExposeHeaders: { Quantity: 0 },
    },
    CustomHeadersConfig: { Quantity: 0 },
  });
});

test('XSSProtection refuses ModeBlock with a ReportUri, and more than 10 custom headers are refused', () => {
  const xss = policyIssues({
    SecurityHeadersConfig: {
      XSSProtection: { Protection: true, ModeBlock: true, ReportUri: 'https://r', Override: true },
    },
  });
  assert.ok(xss.some((i) => /ModeBlock/.test(i.message)));
  const many = policyIssues({
    CustomHeadersConfig: {
      Items: Array.from({ length: 11 }, (_, i) => ({ Header: `X-${i}`, Value: 'v', Override: true })),
    },
  });
  assert.ok(many.some((i) => i.path.includes('CustomHeadersConfig')));
});

test('a custom header value with CR/LF is refused (it would split the response head)', () => {
  const issues = policyIssues({
    CustomHeadersConfig: { Items: [{ Header: 'X-A', Value: 'a\r\nSet-Cookie: x=1', Override: true }] },
  });
  assert.ok(issues.some((i) => /control characters/.test(i.message)));
  assert.throws(
    () => loads({ ServerTimingHeadersConfig: { Enabled: true, SamplingRate: 101 } }),
    ConfigError,
  );
  assert.throws(
    () => loads({ ServerTimingHeadersConfig: { Enabled: true, SamplingRate: 12.34567 } }),
    ConfigError,
  );
  loads({ ServerTimingHeadersConfig: { Enabled: true, SamplingRate: 12.3456 } });
});

test('behaviors share one compiled policy; a behavior without one has none', () => {
  const { model } = loadConfigObject(
    nativeDoc((dc) => {
      dc.DefaultCacheBehavior.ResponseHeadersPolicyId = 'SecurityHeadersPolicy';
      dc.CacheBehaviors[0].ResponseHeadersPolicyId = 'Managed-SecurityHeadersPolicy';
      dc.CacheBehaviors.push({
        PathPattern: '/x/*',
        TargetOriginId: 'web',
        ViewerProtocolPolicy: 'allow-all',
        CachePolicyId: 'CachingOptimized',
      });
    }),
  );
  const [api, x, fallback] = model.distributions[0].behaviors;
  assert.equal(api.responseHeadersPolicy, fallback.responseHeadersPolicy);
  assert.equal(api.responseHeadersPolicy?.Id, '67f7725c-6f97-4210-82d7-5512b31e9d03');
  assert.equal(x.responseHeadersPolicy, undefined);
});
