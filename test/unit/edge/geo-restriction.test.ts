import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import fc from 'fast-check';
import { loadConfigObject } from '../../../src/config/load.js';
import { cloudFrontHeaderValue } from '../../../src/edge/cloudfront-headers.js';
import type { ViewerRequest } from '../../../src/edge/exchange.js';
import { GeoDatabase } from '../../../src/edge/geo/database.js';
import { isCountryBlocked, isGeoBlocked, requireGeoDatabase } from '../../../src/edge/geo/restriction.js';
import {
  DEV_VIEWER_ADDRESS_HEADER,
  geoRuntime,
  locateViewer,
} from '../../../src/edge/geo/viewer-location.js';
import { ConfigError } from '../../../src/errors.js';
import { tempDir } from '../../helpers/config.js';
import { testCityDatabase } from '../../helpers/mmdb-writer.js';

type Restriction = Parameters<typeof isCountryBlocked>[0];
const restriction = (RestrictionType: Restriction['RestrictionType'], Locations: string[]): Restriction => ({
  RestrictionType,
  Locations,
});

// reference/distribution.md §6, one row each.
const CASES: [
  type: Restriction['RestrictionType'],
  list: string[],
  country: string | undefined,
  blocked: boolean,
][] = [
  ['whitelist', ['US', 'CA'], 'US', false],
  ['whitelist', ['US', 'CA'], 'DE', true],
  ['blacklist', ['DE'], 'DE', true],
  ['blacklist', ['DE'], 'US', false],
  ['whitelist', ['US'], undefined, false], // unknown location ⇒ served
  ['blacklist', ['US'], undefined, false],
  ['none', [], 'DE', false],
];
for (const [type, list, country, blocked] of CASES) {
  test(`a ${type} of [${list}] ${blocked ? 'blocks' : 'serves'} a viewer in ${country ?? 'an unknown country'}`, () => {
    assert.equal(isCountryBlocked(restriction(type, list), country), blocked);
  });
}

test('whitelist blocks exactly the countries off the list, blacklist exactly those on it (fast-check)', () => {
  const code = fc.constantFrom('US', 'CA', 'DE', 'FR', 'GB', 'JP', 'BR', 'CH', 'NZ', 'IN');
  fc.assert(
    fc.property(
      fc.uniqueArray(code, { maxLength: 10 }),
      fc.option(code, { nil: undefined }),
      (list, country) => {
        const onList = country !== undefined && list.includes(country);
        assert.equal(
          isCountryBlocked(restriction('whitelist', list), country),
          country !== undefined && !onList,
        );
        assert.equal(isCountryBlocked(restriction('blacklist', list), country), onList);
      },
    ),
  );
});

function viewer(clientIp: string, headers: Record<string, string> = {}, geo?: GeoDatabase): ViewerRequest {
  return {
    method: 'GET',
    path: '/',
    query: '',
    headers,
    rawHeaders: Object.entries(headers).flat(),
    body: null,
    protocol: 'http',
    httpVersion: '1.1',
    clientIp,
    clientPort: 40000,
    geo,
  };
}

async function openTestDatabase(t: test.TestContext): Promise<GeoDatabase> {
  const dir = await tempDir();
  t.after(dir.remove);
  const file = join(dir.dir, 'city.mmdb');
  await writeFile(file, testCityDatabase());
  return GeoDatabase.open(file);
}

function restrictedModel(type: 'whitelist' | 'blacklist' | 'none', locations: string[] = []) {
  return loadConfigObject({
    Distributions: [
      {
        Id: 'E1GEO',
        DistributionConfig: {
          Enabled: true,
          Origins: [
            { Id: 'o', DomainName: 'example.com', CustomOriginConfig: { OriginProtocolPolicy: 'http-only' } },
          ],
          DefaultCacheBehavior: {
            TargetOriginId: 'o',
            ViewerProtocolPolicy: 'allow-all',
            CachePolicyId: 'CachingDisabled',
          },
          Restrictions: { GeoRestriction: { RestrictionType: type, Locations: locations } },
        },
      },
    ],
  }).model;
}

test('the viewer is located by its TCP peer address, never by X-Forwarded-For', async (t) => {
  const db = await openTestDatabase(t);
  const dist = restrictedModel('blacklist', ['DE']).distributions[0];
  assert.equal(isGeoBlocked(dist, viewer('127.0.0.2', {}, db)), true);
  assert.equal(isGeoBlocked(dist, viewer('127.0.0.1', { 'x-forwarded-for': '127.0.0.2' }, db)), false);
});

test('a restricted distribution without a database fails closed', () => {
  const dist = restrictedModel('blacklist', ['DE']).distributions[0];
  assert.equal(isGeoBlocked(dist, viewer('127.0.0.1')), true);
  assert.equal(isGeoBlocked(restrictedModel('none').distributions[0], viewer('127.0.0.1')), false);
});

test('a geo restriction without a database is a config error naming the distribution and --geoip', async (t) => {
  const model = restrictedModel('whitelist', ['US']);
  assert.throws(
    () => requireGeoDatabase(model, undefined),
    (err: Error) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.issues.length, 1);
      assert.deepEqual(err.issues[0].path, [
        'Distributions',
        'E1GEO',
        'DistributionConfig',
        'Restrictions',
        'GeoRestriction',
        'RestrictionType',
      ]);
      assert.match(err.message, /E1GEO has a whitelist geo restriction/);
      assert.match(err.message, /--geoip FILE/);
      return true;
    },
  );
  requireGeoDatabase(restrictedModel('none'), undefined); // nothing to enforce
  requireGeoDatabase(model, await openTestDatabase(t));
});

test('location headers come from the database; unknown parts are left out', async (t) => {
  const db = await openTestDatabase(t);
  const seattle = viewer('127.0.0.1', {}, db);
  const expected: Record<string, string> = {
    'cloudfront-viewer-country': 'US',
    'cloudfront-viewer-country-name': 'United States',
    'cloudfront-viewer-country-region': 'WA',
    'cloudfront-viewer-country-region-name': 'Washington',
    'cloudfront-viewer-city': 'Seattle',
    'cloudfront-viewer-postal-code': '98101',
    'cloudfront-viewer-metro-code': '819',
    'cloudfront-viewer-time-zone': 'America/Los_Angeles',
    'cloudfront-viewer-latitude': '47.60340',
    'cloudfront-viewer-longitude': '-122.34140',
  };
  for (const [name, value] of Object.entries(expected))
    assert.equal(cloudFrontHeaderValue(name, seattle), value, name);
  assert.equal(cloudFrontHeaderValue('cloudfront-viewer-city', viewer('127.0.0.4', {}, db)), undefined);
  assert.equal(cloudFrontHeaderValue('cloudfront-viewer-country', viewer('127.0.0.4', {}, db)), 'FR');
  assert.equal(cloudFrontHeaderValue('cloudfront-viewer-country', viewer('127.0.0.5', {}, db)), undefined);
  assert.equal(cloudFrontHeaderValue('cloudfront-viewer-country', viewer('127.0.0.1')), undefined); // no --geoip
  assert.equal(cloudFrontHeaderValue('cloudfront-viewer-asn', seattle), undefined); // needs an ASN database
});

test('without a database or the dev affordance, requests are not touched', () => {
  assert.equal(geoRuntime(undefined, false), undefined);
  const req = viewer('127.0.0.1', { [DEV_VIEWER_ADDRESS_HEADER]: '203.0.113.9' });
  // Off: the header is an ordinary one, the address the peer's.
  assert.equal(locateViewer(req, { database: undefined, devViewerAddressHeader: false }), req);
});

test('the dev viewer address is believed from loopback peers only, and never reaches the origin', async (t) => {
  const db = await openTestDatabase(t);
  const geo = geoRuntime(db, true)!;
  const claimed = { [DEV_VIEWER_ADDRESS_HEADER]: ' 203.0.113.9 ', accept: '*/*' };
  const local = locateViewer(viewer('127.0.0.1', claimed), geo);
  assert.equal(local.clientIp, '203.0.113.9');
  assert.equal(local.geo?.locate(local.clientIp)?.country, 'JP');
  assert.equal(local.headers[DEV_VIEWER_ADDRESS_HEADER], undefined);
  assert.deepEqual(local.rawHeaders, ['accept', '*/*']);
  assert.equal(local.clientPort, 40000);

  const remote = locateViewer(viewer('198.51.100.7', claimed), geo);
  assert.equal(remote.clientIp, '198.51.100.7');
  assert.equal(remote.headers[DEV_VIEWER_ADDRESS_HEADER], undefined);

  assert.equal(
    locateViewer(viewer('::1', { [DEV_VIEWER_ADDRESS_HEADER]: '2001:db8::5' }), geo).clientIp,
    '2001:db8::5',
  );
  assert.equal(
    locateViewer(viewer('127.0.0.1', { [DEV_VIEWER_ADDRESS_HEADER]: '::ffff:127.0.0.2' }), geo).clientIp,
    '127.0.0.2',
  );
  assert.equal(
    locateViewer(viewer('127.0.0.1', { [DEV_VIEWER_ADDRESS_HEADER]: 'nonsense' }), geo).clientIp,
    '127.0.0.1',
  );
});

test('the dev affordance works without a database (addresses for XFF and CloudFront-Viewer-Address)', () => {
  const geo = geoRuntime(undefined, true)!;
  const req = locateViewer(viewer('127.0.0.1', { [DEV_VIEWER_ADDRESS_HEADER]: '192.0.2.44' }), geo);
  assert.equal(req.clientIp, '192.0.2.44');
  assert.equal(req.geo, undefined);
  assert.equal(cloudFrontHeaderValue('cloudfront-viewer-address', req), '192.0.2.44:40000');
  const plain = viewer('127.0.0.1', { accept: '*/*' });
  assert.equal(locateViewer(plain, geo), plain);
});
