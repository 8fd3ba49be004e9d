/**
 * The viewer location database given with `--geoip FILE`: a MaxMind DB (GeoLite2 or GeoIP2,
 * City or Country), the family CloudFront itself uses for geo restriction and the
 * CloudFront-Viewer-Country/-City/… headers (reference/origins.md §4.3, distribution.md §6).
 * Read whole into memory with the `maxmind` reader; looked up by the viewer's address.
 */
import { stat } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { type CityResponse, open, type Reader } from 'maxmind';
import { UsageError } from '../../errors.js';

/** A viewer's location as CloudFront's headers carry it: every value ready to send. */
export interface GeoLocation {
  readonly country?: string; // ISO 3166-1 alpha-2, 'US'
  readonly countryName?: string;
  readonly region?: string; // first-level ISO 3166-2 subdivision without the country, 'WA'
  readonly regionName?: string;
  readonly city?: string;
  readonly postalCode?: string;
  readonly metroCode?: string;
  readonly timeZone?: string; // IANA, 'America/Los_Angeles'
  readonly latitude?: string; // 5 decimals, '47.60340'
  readonly longitude?: string;
}

/** database_type values that carry a country (GeoLite2-City, GeoIP2-Country, DBIP-City-Lite…). */
const LOCATION_DATABASE = /City|Country|Enterprise|Insights/i;
/** Per-address reader cache (decoded records), as maxmind's default. */
const READER_CACHE_ENTRIES = 10_000;

export class GeoDatabase {
  #lastIp: string | undefined;
  #lastLocation: GeoLocation | undefined;
  /** Records the reader hands out again (its cache) map to the same location object. */
  readonly #locations = new WeakMap<object, GeoLocation>();

  private constructor(
    private readonly reader: Reader<CityResponse>,
    readonly file: string,
    readonly databaseType: string,
    readonly ipVersion: 4 | 6,
  ) {}

  /** Opens and checks FILE; a file that is not a usable location database is a UsageError. */
  static async open(file: string): Promise<GeoDatabase> {
    const refuse = (why: string) =>
      new UsageError(
        `edgefront serve: --geoip ${file}: ${why} (give a MaxMind GeoLite2 or GeoIP2 City or Country .mmdb file)`,
      );
    let reader: Reader<CityResponse>;
    try {
      reader = await open<CityResponse>(file, { cache: { max: READER_CACHE_ENTRIES } });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw refuse('no such file');
      if (code) throw refuse(`cannot read it (${code})`);
      const message = err instanceof Error ? err.message : String(err);
      throw refuse(
        /gzip/i.test(message)
          ? 'it is gzip-compressed: extract the .mmdb from the download first'
          : `not a MaxMind DB file (${message})`,
      );
    }
    const meta = reader.metadata;
    if (
      meta.binaryFormatMajorVersion !== 2 ||
      (meta.ipVersion !== 4 && meta.ipVersion !== 6) ||
      !Number.isInteger(meta.nodeCount) ||
      meta.nodeCount <= 0
    )
      throw refuse('not a MaxMind DB file (its metadata is not MaxMind DB format 2)');
    const type = String(meta.databaseType);
    if (!LOCATION_DATABASE.test(type))
      throw refuse(`it is a "${type}" database, which holds no viewer locations`);
    const db = new GeoDatabase(reader, file, type, meta.ipVersion);
    try {
      db.lookup('8.8.8.8'); // a corrupt search tree or data section fails here, not on traffic
    } catch (err) {
      throw refuse(`its search tree or data section is damaged (${(err as Error).message})`);
    }
    return db;
  }

  /** The viewer's location, or undefined when the database does not know the address. */
  locate(ip: string): GeoLocation | undefined {
    // The headers of one request ask for the same address several times in a row.
    if (ip === this.#lastIp) return this.#lastLocation;
    let location: GeoLocation | undefined;
    try {
      location = this.lookup(ip);
    } catch {
      location = undefined; // an address the reader cannot parse (zone ids…) is an unknown location
    }
    this.#lastIp = ip;
    this.#lastLocation = location;
    return location;
  }

  private lookup(ip: string): GeoLocation | undefined {
    if (this.ipVersion === 4 && isIPv6(ip)) return undefined; // an IPv4-only database
    const record = this.reader.get(ip);
    if (!record) return undefined;
    let location = this.#locations.get(record);
    if (location === undefined) {
      location = locationOf(record);
      this.#locations.set(record, location);
    }
    return location;
  }
}

/**
 * `--geoip FILE` across reloads: read at startup, read again on a reload only when the file
 * changed (size or mtime), so a config change does not re-read a 60 MB GeoLite2-City.
 */
export class GeoDatabaseFile {
  #loaded: GeoDatabase | undefined;
  #stamp = '';

  constructor(readonly path: string) {}

  /** The database as last read (undefined before the first `refresh`). */
  get loaded(): GeoDatabase | undefined {
    return this.#loaded;
  }

  async refresh(): Promise<GeoDatabase> {
    const info = await stat(this.path).catch(() => undefined);
    const stamp = info ? `${info.size}:${info.mtimeMs}` : '';
    if (this.#loaded && stamp === this.#stamp) return this.#loaded;
    this.#loaded = await GeoDatabase.open(this.path);
    this.#stamp = stamp;
    return this.#loaded;
  }
}

/** CloudFront's header values from a GeoIP2 City or Country record, in English. */
export function locationOf(record: CityResponse): GeoLocation {
  const subdivision = record.subdivisions?.[0];
  const where = record.location;
  return {
    country: headerText(record.country?.iso_code),
    countryName: headerText(record.country?.names?.en),
    region: headerText(subdivision?.iso_code),
    regionName: headerText(subdivision?.names?.en),
    city: headerText(record.city?.names?.en),
    postalCode: headerText(record.postal?.code),
    metroCode: where?.metro_code === undefined ? undefined : String(where.metro_code),
    timeZone: headerText(where?.time_zone),
    latitude: typeof where?.latitude === 'number' ? where.latitude.toFixed(5) : undefined,
    longitude: typeof where?.longitude === 'number' ? where.longitude.toFixed(5) : undefined,
  };
}

/** Non-ASCII characters percent-encoded (RFC 3986), as CloudFront sends them: 'Z%C3%BCrich'. */
function headerText(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return value.replace(/[^\x20-\x7e]/gu, (c) => encodeURIComponent(c));
}
