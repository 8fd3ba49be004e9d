import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { Reader } from 'maxmind';
import { GeoDatabase, GeoDatabaseFile } from '../../../src/edge/geo/database.js';
import { UsageError } from '../../../src/errors.js';
import { tempDir } from '../../helpers/config.js';
import {
  cityRecord,
  double,
  float,
  int32,
  type MmdbValue,
  SEATTLE,
  Typed,
  testCityDatabase,
  uint16,
  uint64,
  writeMmdb,
} from '../../helpers/mmdb-writer.js';

const SEATTLE_RECORD = {
  continent: { code: 'EU', geoname_id: 6255148, names: { en: 'Europe' } },
  country: { geoname_id: 1, iso_code: 'US', names: { en: 'United States' } },
  registered_country: { geoname_id: 1, iso_code: 'US', names: { en: 'United States' } },
  city: { geoname_id: 2, names: { en: 'Seattle', de: 'Seattle' } },
  location: {
    accuracy_radius: 20,
    latitude: 47.6034,
    longitude: -122.3414,
    metro_code: 819,
    time_zone: 'America/Los_Angeles',
  },
  postal: { code: '98101' },
  subdivisions: [{ geoname_id: 3, iso_code: 'WA', names: { en: 'Washington' } }],
};

for (const recordSize of [24, 28, 32] as const) {
  test(`the test writer's ${recordSize}-bit database reads back with the maxmind package`, () => {
    const reader = new Reader(testCityDatabase({ recordSize }));
    assert.equal(reader.metadata.recordSize, recordSize);
    assert.equal(reader.metadata.ipVersion, 6);
    assert.equal(reader.metadata.binaryFormatMajorVersion, 2);
    assert.equal(reader.metadata.databaseType, 'GeoLite2-City');
    assert.deepEqual(reader.metadata.languages, ['en']);
    assert.deepEqual(reader.get('127.0.0.1'), SEATTLE_RECORD);
    assert.equal((reader.get('127.0.0.2') as { city: { names: { en: string } } }).city.names.en, 'Berlin');
    assert.equal((reader.get('127.0.0.3') as { city: { names: { en: string } } }).city.names.en, 'Zürich');
    assert.equal((reader.get('203.0.113.77') as { country: { iso_code: string } }).country.iso_code, 'JP');
    assert.equal((reader.get('2001:db8:1::9') as { country: { iso_code: string } }).country.iso_code, 'BR');
    assert.equal(reader.get('127.0.0.5'), null);
    assert.equal(reader.get('8.8.8.8'), null);
    assert.equal(reader.get('2001:db9::1'), null);
    assert.deepEqual(reader.getWithPrefixLength('127.0.0.2')[1], 32); // counted from ::/96
  });
}

test('an ip_version 4 database reads back with the maxmind package', () => {
  const reader = new Reader(testCityDatabase({ ipVersion: 4, recordSize: 24 }));
  assert.equal(reader.metadata.ipVersion, 4);
  assert.deepEqual(reader.get('127.0.0.1'), SEATTLE_RECORD);
  assert.deepEqual(reader.getWithPrefixLength('203.0.113.9')[1], 24);
  assert.equal(reader.get('127.0.0.5'), null);
});

test('every MaxMind data type the writer encodes decodes to the same value', () => {
  const long = (n: number) => 'x'.repeat(n);
  const value: MmdbValue = {
    string: 'Zürich',
    empty: '',
    size29: long(29),
    size285: long(285),
    size65821: long(65_821),
    uint16: uint16(65_535),
    uint32: 4_294_967_295,
    zero: 0,
    uint64: uint64(2n ** 63n + 5n),
    uint128: new Typed('uint128', 2n ** 100n),
    int32: int32(-7),
    double: double(-122.3414),
    float: float(1.5),
    true: true,
    false: false,
    bytes: Buffer.from([0, 1, 254, 255]),
    array: ['a', 1, [true], { nested: 'map' }],
    emptyMap: {},
  };
  const decoded = new Reader(writeMmdb([{ cidr: '10.0.0.0/8', data: value }])).get('10.1.2.3') as Record<
    string,
    unknown
  >;
  assert.equal(decoded.string, 'Zürich');
  assert.equal(decoded.empty, '');
  for (const n of [29, 285, 65_821]) assert.equal(decoded[`size${n}`], long(n));
  assert.equal(decoded.uint16, 65_535);
  assert.equal(decoded.uint32, 4_294_967_295);
  assert.equal(decoded.zero, 0);
  assert.equal(decoded.uint64, 2n ** 63n + 5n);
  assert.equal(decoded.uint128, 2n ** 100n);
  assert.equal(decoded.int32, -7);
  assert.equal(decoded.double, -122.3414);
  assert.equal(decoded.float, 1.5);
  assert.equal(decoded.true, true);
  assert.equal(decoded.false, false);
  assert.deepEqual([...(decoded.bytes as Buffer)], [0, 1, 254, 255]);
  assert.deepEqual(decoded.array, ['a', 1, [true], { nested: 'map' }]);
  assert.deepEqual(decoded.emptyMap, {});
});

test('for any networks and address, the reader answers the last network covering it (fast-check)', () => {
  const network = fc.record({
    address: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
    prefix: fc.integer({ min: 1, max: 32 }),
  });
  const toInt = (b: number[]) => ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  const covers = (n: { address: number[]; prefix: number }, ip: number) =>
    (toInt(n.address) ^ ip) >>> (32 - n.prefix) === 0;
  fc.assert(
    fc.property(
      fc.array(network, { minLength: 1, maxLength: 12 }),
      fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: 1, maxLength: 20 }),
      fc.constantFrom(24 as const, 28 as const, 32 as const),
      fc.constantFrom(4 as const, 6 as const),
      (networks, probes, recordSize, ipVersion) => {
        const db = writeMmdb(
          networks.map((n, i) => ({ cidr: `${n.address.join('.')}/${n.prefix}`, data: { i } })),
          { recordSize, ipVersion },
        );
        const reader = new Reader(db);
        // Probe the networks' own addresses too, not only random ones.
        for (const ip of [...probes, ...networks.map((n) => toInt(n.address))]) {
          const dotted = [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
          let expected: number | undefined;
          for (let i = networks.length - 1; i >= 0 && expected === undefined; i--)
            if (covers(networks[i], ip)) expected = i;
          const got = reader.get(dotted) as { i: number } | null;
          assert.equal(got?.i, expected, `${dotted} in ${JSON.stringify(networks)}`);
        }
      },
    ),
    { numRuns: 200 },
  );
});

async function dbFile(t: test.TestContext, bytes: Buffer | string, name = 'test.mmdb'): Promise<string> {
  const dir = await tempDir();
  t.after(dir.remove);
  const file = join(dir.dir, name);
  await writeFile(file, bytes);
  return file;
}

test('a viewer is located with the values CloudFront sends in its headers', async (t) => {
  const db = await GeoDatabase.open(await dbFile(t, testCityDatabase()));
  assert.equal(db.databaseType, 'GeoLite2-City');
  const { latitude, longitude, metroCode, ...names } = SEATTLE;
  assert.deepEqual(db.locate('127.0.0.1'), {
    ...names,
    metroCode: '819',
    latitude: '47.60340', // 5 decimals (origins.md §4.3)
    longitude: '-122.34140',
  });
});

test('non-ASCII location names are percent-encoded (RFC 3986)', async (t) => {
  const db = await GeoDatabase.open(await dbFile(t, testCityDatabase()));
  const zurich = db.locate('127.0.0.3');
  assert.equal(zurich?.city, 'Z%C3%BCrich');
  assert.equal(zurich?.regionName, 'Z%C3%BCrich');
  assert.equal(zurich?.countryName, 'Switzerland');
});

test('a record with only a country gives only the country headers', async (t) => {
  const db = await GeoDatabase.open(await dbFile(t, testCityDatabase()));
  const france = db.locate('127.0.0.4')!;
  assert.equal(france.country, 'FR');
  assert.equal(france.countryName, 'France');
  for (const field of ['region', 'regionName', 'city', 'postalCode', 'metroCode', 'timeZone', 'latitude'])
    assert.equal(france[field as keyof typeof france], undefined, field);
});

test('an address the database does not know, or cannot parse, has an unknown location', async (t) => {
  const db = await GeoDatabase.open(await dbFile(t, testCityDatabase()));
  assert.equal(db.locate('127.0.0.5'), undefined);
  assert.equal(db.locate('198.51.100.1'), undefined);
  assert.equal(db.locate('not an address'), undefined);
  assert.equal(db.locate('fe80::1%eth0'), undefined);
  assert.equal(db.locate('2001:db8::42')?.country, 'BR');
  // The one-address memo does not stick to the previous answer.
  assert.equal(db.locate('127.0.0.1')?.country, 'US');
  assert.equal(db.locate('127.0.0.2')?.country, 'DE');
});

test('an IPv6 viewer is unknown to an IPv4-only database', async (t) => {
  const db = await GeoDatabase.open(await dbFile(t, testCityDatabase({ ipVersion: 4 })));
  assert.equal(db.locate('127.0.0.2')?.country, 'DE');
  assert.equal(db.locate('2001:db8::42'), undefined);
  assert.equal(db.locate('::1'), undefined);
});

test('a Country database locates by country', async (t) => {
  const file = await dbFile(
    t,
    writeMmdb([{ cidr: '127.0.0.0/8', data: cityRecord({ country: 'NZ', countryName: 'New Zealand' }) }], {
      databaseType: 'GeoIP2-Country',
    }),
  );
  assert.equal((await GeoDatabase.open(file)).locate('127.9.9.9')?.country, 'NZ');
});

const REFUSED: [what: string, bytes: () => Buffer | string, message: RegExp][] = [
  ['a text file', () => 'this is not a database\n'.repeat(50), /not a MaxMind DB file/],
  ['an empty file', () => '', /not a MaxMind DB file/],
  ['a gzip-compressed database', () => gzipSync(testCityDatabase()), /gzip-compressed: extract the \.mmdb/],
  [
    'an ASN database',
    () =>
      writeMmdb([{ cidr: '1.0.0.0/8', data: { autonomous_system_number: 13335 } }], {
        databaseType: 'GeoLite2-ASN',
      }),
    /"GeoLite2-ASN" database, which holds no viewer locations/,
  ],
  [
    'a damaged search tree',
    () => {
      const db = testCityDatabase({ recordSize: 32 });
      db.fill(0xff, 0, 64); // the first nodes point far past the data section
      return db;
    },
    /damaged|not a MaxMind DB/,
  ],
];
for (const [what, bytes, message] of REFUSED) {
  test(`--geoip refuses ${what} with a clear error`, async (t) => {
    const file = await dbFile(t, bytes());
    await assert.rejects(GeoDatabase.open(file), (err: Error) => {
      assert.ok(err instanceof UsageError, String(err));
      assert.match(err.message, new RegExp(`--geoip ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      assert.match(err.message, message);
      assert.match(err.message, /GeoLite2 or GeoIP2 City or Country \.mmdb/);
      return true;
    });
  });
}

test('--geoip naming no file is a clear error', async () => {
  await assert.rejects(
    GeoDatabase.open('/nonexistent/GeoLite2-City.mmdb'),
    /--geoip \/nonexistent\/GeoLite2-City\.mmdb: no such file/,
  );
});

test('a reload reads the database again only when the file changed', async (t) => {
  const file = await dbFile(t, testCityDatabase());
  const geo = new GeoDatabaseFile(file);
  assert.equal(geo.loaded, undefined);
  const first = await geo.refresh();
  assert.equal(await geo.refresh(), first);
  assert.equal(first.locate('127.0.0.1')?.country, 'US');
  await writeFile(
    file,
    writeMmdb([{ cidr: '127.0.0.0/8', data: cityRecord({ country: 'IT', countryName: 'Italy' }) }], {
      description: { en: 'a different size' },
    }),
  );
  const second = await geo.refresh();
  assert.notEqual(second, first);
  assert.equal(geo.loaded, second);
  assert.equal(second.locate('127.0.0.1')?.country, 'IT');
  await writeFile(file, 'broken');
  await assert.rejects(geo.refresh(), /not a MaxMind DB file/);
  assert.equal(geo.loaded, second); // a failed reload keeps the database in use
});
