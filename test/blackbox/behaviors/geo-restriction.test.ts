/**
 * Geo restriction and viewer location headers through a real `edgefront serve --geoip`, with a
 * database the tests write themselves (test/helpers/mmdb-writer.ts). Viewers in different
 * countries are real TCP peers: the client binds 127.0.0.1–.5, which the database places in
 * the US, Germany, Switzerland, France and nowhere.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Agent, request } from 'undici';
import { tempDir, writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, runCli, startEdgeProcess } from '../../helpers/edge-process.js';
import { testCityDatabase } from '../../helpers/mmdb-writer.js';
import { startOrigin, type TestOrigin } from '../../helpers/origin.js';

const US = '127.0.0.1';
const DE = '127.0.0.2';
const CH = '127.0.0.3';
const FR = '127.0.0.4';
const UNKNOWN = '127.0.0.5';
const ALL_VIEWER_AND_CLOUDFRONT_HEADERS = '33f36d7e-f396-46d9-90e0-52428a34d9dc';
const BLOCKED_TEXT = 'The Amazon CloudFront distribution is configured to block access from your country.';

let edge: EdgeProcess;
let origin: TestOrigin;
let dir: string;
let geoip: string;
let removeDir: () => Promise<void>;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One connection pool per viewer address: its sockets are bound to that source address. */
const viewers = new Map<string, Agent>();

/** GET from the viewer address `from` (a real source address on loopback). */
async function get(
  target: EdgeProcess,
  host: string,
  path: string,
  from: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  let dispatcher = viewers.get(from);
  if (!dispatcher) {
    dispatcher = new Agent({ localAddress: from });
    viewers.set(from, dispatcher);
  }
  const res = await request(new URL(path, target.http), { headers: { host, ...headers }, dispatcher });
  return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
}

const distribution = (id: string, alias: string, extra: Record<string, unknown> = {}, behavior = {}) => ({
  Id: id,
  DistributionConfig: {
    Enabled: true,
    Aliases: [alias],
    Origins: [
      {
        Id: 'app',
        DomainName: 'app.internal',
        CustomOriginConfig: { HTTPPort: 80, OriginProtocolPolicy: 'http-only' },
      },
    ],
    DefaultCacheBehavior: {
      TargetOriginId: 'app',
      ViewerProtocolPolicy: 'allow-all',
      CachePolicyId: 'CachingDisabled',
      ...behavior,
    },
    ...extra,
  },
});

const toOrigin = () => ['--origin-override', `app.internal=${origin.url}`];

const geo = (RestrictionType: string, Locations: string[]) => ({
  Restrictions: { GeoRestriction: { RestrictionType, Locations } },
});

before(async () => {
  origin = await startOrigin((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
    res.end(`origin saw ${req.url}`);
  });
  const tmp = await tempDir();
  dir = tmp.dir;
  removeDir = tmp.remove;
  geoip = join(dir, 'GeoLite2-City.mmdb');
  await writeFile(geoip, testCityDatabase());
  const config = await writeYaml(dir, 'edgefront.yaml', {
    CachePolicies: [
      {
        Id: 'by-country',
        CachePolicyConfig: {
          Name: 'by-country',
          MinTTL: 0,
          DefaultTTL: 60,
          MaxTTL: 3600,
          ParametersInCacheKeyAndForwardedToOrigin: {
            EnableAcceptEncodingGzip: false,
            HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['CloudFront-Viewer-Country'] },
            CookiesConfig: { CookieBehavior: 'none' },
            QueryStringsConfig: { QueryStringBehavior: 'none' },
          },
        },
      },
    ],
    Functions: [
      {
        Name: 'answer-everyone',
        FunctionConfig: { Runtime: 'cloudfront-js-2.0' },
        FunctionCode:
          'function handler(event) { return { statusCode: 200, statusDescription: "OK", body: { encoding: "text", data: "function answered" } }; }',
      },
      {
        Name: 'say-country',
        FunctionConfig: { Runtime: 'cloudfront-js-2.0' },
        FunctionCode: `function handler(event) {
  var c = event.request.headers['cloudfront-viewer-country'];
  return { statusCode: 200, statusDescription: 'OK', body: { encoding: 'text', data: 'country=' + (c ? c.value : 'none') } };
}`,
      },
    ],
    Distributions: [
      distribution('E1BLOCK', 'block.test', geo('blacklist', ['DE'])),
      distribution('E1ALLOW', 'allow.test', geo('whitelist', ['US', 'CH'])),
      distribution('E1PAGE', 'page.test', {
        ...geo('blacklist', ['DE']),
        CustomErrorResponses: [{ ErrorCode: 403, ResponsePagePath: '/blocked.html', ResponseCode: 403 }],
      }),
      distribution('E1FIRST', 'first.test', geo('blacklist', ['DE']), {
        FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: 'answer-everyone' }],
      }),
      distribution(
        'E1HEADERS',
        'headers.test',
        {},
        { OriginRequestPolicyId: ALL_VIEWER_AND_CLOUDFRONT_HEADERS },
      ),
      distribution('E1KEYED', 'keyed.test', {}, { CachePolicyId: 'by-country' }),
      distribution(
        'E1EVENT',
        'event.test',
        {},
        {
          CachePolicyId: 'by-country',
          FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: 'say-country' }],
        },
      ),
    ],
  });
  edge = await startEdgeProcess(['--config', config, '--geoip', geoip, ...toOrigin()]);
});

after(async () => {
  await Promise.all([...viewers.values()].map((agent) => agent.close()));
  await edge?.close();
  await origin?.close();
  await removeDir?.();
});

test("a blacklisted country gets CloudFront's 403 and X-Cache: Error from cloudfront, and the origin is not asked", async () => {
  const before = origin.hits;
  const blocked = await get(edge, 'block.test', '/page', DE);
  assert.equal(blocked.status, 403);
  assert.equal(blocked.headers['x-cache'], 'Error from cloudfront');
  assert.equal(blocked.headers.server, 'CloudFront');
  assert.match(blocked.headers['x-amz-cf-id'] as string, /\S/);
  assert.match(blocked.body, /<H1>403 ERROR<\/H1>/);
  assert.ok(blocked.body.includes(BLOCKED_TEXT), blocked.body);
  assert.equal(origin.hits, before);

  const served = await get(edge, 'block.test', '/page', US);
  assert.equal(served.status, 200);
  assert.equal(served.body, 'origin saw /page');
  assert.equal(origin.hits, before + 1);
});

test("a blocked viewer gets the distribution's custom 403 page when one is configured", async () => {
  const blocked = await get(edge, 'page.test', '/page', DE);
  assert.equal(blocked.status, 403);
  assert.equal(blocked.body, 'origin saw /blocked.html');
  assert.equal(blocked.headers['x-cache'], 'Error from cloudfront');
});

test('a whitelist serves only the listed countries', async () => {
  assert.equal((await get(edge, 'allow.test', '/', US)).status, 200);
  assert.equal((await get(edge, 'allow.test', '/', CH)).status, 200);
  const de = await get(edge, 'allow.test', '/', DE);
  assert.equal(de.status, 403);
  assert.ok(de.body.includes(BLOCKED_TEXT));
  assert.equal((await get(edge, 'allow.test', '/', FR)).status, 403); // known by country only
});

test('a viewer whose country the database does not know is served', async () => {
  assert.equal((await get(edge, 'allow.test', '/', UNKNOWN)).status, 200);
  assert.equal((await get(edge, 'block.test', '/', UNKNOWN)).status, 200);
});

test('the country is the TCP peer’s: X-Forwarded-For and a viewer-sent CloudFront-Viewer-Country change nothing', async () => {
  const spoofed = await get(edge, 'block.test', '/', DE, {
    'x-forwarded-for': '127.0.0.1',
    'cloudfront-viewer-country': 'US',
  });
  assert.equal(spoofed.status, 403);
});

test('geo restriction applies before the viewer-request function runs', async () => {
  const blocked = await get(edge, 'first.test', '/', DE);
  assert.equal(blocked.status, 403);
  assert.equal(blocked.headers['x-cache'], 'Error from cloudfront');
  const served = await get(edge, 'first.test', '/', US);
  assert.equal(served.body, 'function answered');
  assert.equal(served.headers['x-cache'], 'FunctionGeneratedResponse from cloudfront');
});

test("the origin request carries the database's location in the CloudFront-Viewer-* headers a policy asks for", async () => {
  const before = origin.hits;
  await get(edge, 'headers.test', '/where', CH, { 'cloudfront-viewer-country': 'US' });
  const seen = origin.requests[before].headers;
  assert.equal(seen['cloudfront-viewer-country'], 'CH'); // never the viewer's claim
  assert.equal(seen['cloudfront-viewer-country-name'], 'Switzerland');
  assert.equal(seen['cloudfront-viewer-country-region'], 'ZH');
  assert.equal(seen['cloudfront-viewer-country-region-name'], 'Z%C3%BCrich');
  assert.equal(seen['cloudfront-viewer-city'], 'Z%C3%BCrich');
  assert.equal(seen['cloudfront-viewer-postal-code'], '8001');
  assert.equal(seen['cloudfront-viewer-time-zone'], 'Europe/Zurich');
  assert.equal(seen['cloudfront-viewer-latitude'], '47.36820');
  assert.equal(seen['cloudfront-viewer-longitude'], '8.56710');
  assert.equal(seen['cloudfront-viewer-metro-code'], undefined); // US only
  assert.match(seen['cloudfront-viewer-address'] as string, /^127\.0\.0\.3:\d+$/);

  await get(edge, 'headers.test', '/seattle', US);
  const us = origin.requests[before + 1].headers;
  assert.equal(us['cloudfront-viewer-metro-code'], '819');
  assert.equal(us['cloudfront-viewer-country-region'], 'WA');

  await get(edge, 'headers.test', '/nowhere', UNKNOWN);
  const unknown = origin.requests[before + 2].headers;
  for (const name of Object.keys(unknown)) {
    if (name.startsWith('cloudfront-viewer-'))
      assert.ok(['cloudfront-viewer-address', 'cloudfront-viewer-http-version'].includes(name), name);
  }
});

test('CloudFront-Viewer-Country in the cache key caches each country apart', async () => {
  const before = origin.hits;
  assert.equal((await get(edge, 'keyed.test', '/k', US)).headers['x-cache'], 'Miss from cloudfront');
  assert.equal((await get(edge, 'keyed.test', '/k', US)).headers['x-cache'], 'Hit from cloudfront');
  assert.equal((await get(edge, 'keyed.test', '/k', DE)).headers['x-cache'], 'Miss from cloudfront');
  assert.equal((await get(edge, 'keyed.test', '/k', DE)).headers['x-cache'], 'Hit from cloudfront');
  assert.equal(origin.hits, before + 2);
  assert.equal(origin.requests[before + 1].headers['cloudfront-viewer-country'], 'DE');
});

test("a CloudFront Function's viewer-request event carries the country when the policy names it", async () => {
  assert.equal((await get(edge, 'event.test', '/', DE)).body, 'country=DE');
  assert.equal((await get(edge, 'event.test', '/', UNKNOWN)).body, 'country=none');
});

const blacklistConfig = () => ({
  Distributions: [distribution('E1GEO', 'geo.test', geo('blacklist', ['DE']))],
});

test('serve refuses to start with a geo restriction and no --geoip, naming the distribution', async () => {
  const config = await writeYaml(dir, 'restricted.yaml', blacklistConfig());
  const run = await runCli(
    ['serve', '--config', config, '--port', '0', '--admin-port', '0', '--state-dir', join(dir, 'state-a')],
    { timeoutMs: 15000 },
  );
  assert.equal(run.code, 1);
  assert.match(run.stderr, /E1GEO has a blacklist geo restriction/);
  assert.match(
    run.stderr,
    /Distributions\.E1GEO\.DistributionConfig\.Restrictions\.GeoRestriction\.RestrictionType/,
  );
  assert.match(run.stderr, /--geoip FILE/);
  assert.doesNotMatch(run.stdout, /listening/);
});

test('a broken or missing --geoip file is a clear startup error', async () => {
  const config = await writeYaml(dir, 'restricted-b.yaml', blacklistConfig());
  const broken = join(dir, 'broken.mmdb');
  await writeFile(broken, 'GeoLite2-City but not really\n');
  for (const [file, why] of [
    [broken, /not a MaxMind DB file/],
    [join(dir, 'missing.mmdb'), /no such file/],
  ] as const) {
    const run = await runCli(
      [
        'serve',
        '--config',
        config,
        '--geoip',
        file,
        '--port',
        '0',
        '--admin-port',
        '0',
        '--state-dir',
        join(dir, 'state-b'),
      ],
      { timeoutMs: 15000 },
    );
    assert.equal(run.code, 1, run.stderr);
    assert.ok(run.stderr.includes(`--geoip ${file}: `), run.stderr);
    assert.match(run.stderr, why);
    assert.doesNotMatch(run.stderr, /\n\s+at /); // a message, not a stack trace
  }
});

test('with EDGEFRONT_DEV_VIEWER_ADDRESS_HEADER=1 a loopback request can act as a viewer elsewhere', async (t) => {
  const config = await writeYaml(dir, 'dev.yaml', {
    Distributions: [
      distribution('E1DEV', 'dev.test', geo('blacklist', ['JP']), {
        OriginRequestPolicyId: ALL_VIEWER_AND_CLOUDFRONT_HEADERS,
      }),
    ],
  });
  const dev = await startEdgeProcess(['--config', config, '--geoip', geoip, ...toOrigin()], {
    env: { EDGEFRONT_DEV_VIEWER_ADDRESS_HEADER: '1' },
  });
  t.after(() => dev.close());
  const tokyo = await get(dev, 'dev.test', '/', US, { 'x-edgefront-dev-viewer-address': '203.0.113.7' });
  assert.equal(tokyo.status, 403);

  const before = origin.hits;
  const germany = await get(dev, 'dev.test', '/', US, { 'x-edgefront-dev-viewer-address': DE });
  assert.equal(germany.status, 200);
  const seen = origin.requests[before].headers;
  assert.equal(seen['cloudfront-viewer-country'], 'DE');
  assert.equal(seen['x-forwarded-for'], DE);
  assert.equal(seen['x-edgefront-dev-viewer-address'], undefined);

  // Off (the shared edge): the header is an ordinary one and the peer's address counts.
  const off = await get(edge, 'headers.test', '/off', US, {
    'x-edgefront-dev-viewer-address': '203.0.113.7',
  });
  assert.equal(off.status, 200);
  assert.equal(origin.requests.at(-1)!.headers['cloudfront-viewer-country'], 'US');
});
