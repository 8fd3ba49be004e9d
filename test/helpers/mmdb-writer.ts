/**
 * A minimal MaxMind DB writer, so tests build their own small location databases instead of
 * shipping GeoLite2 (format spec: https://maxmind.github.io/MaxMind-DB/).
 *
 * Layout: a binary search tree over the address bits (`node_count` nodes of two records, each
 * 24, 28 or 32 bits), 16 zero bytes, the data section, then `\xAB\xCD\xEFMaxMind.com` and the
 * metadata map. A record below `node_count` names a node, `node_count` itself means "no data",
 * and above it points into the data section (`record - node_count - 16`). IPv4 networks in an
 * IPv6 tree live at `::/96`, where readers start IPv4 lookups.
 *
 * Networks are applied in the order given; for any address the last network covering it wins
 * (a more specific one splits an earlier one, a wider one replaces everything beneath it).
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Values that need a wire type a plain JS value does not say. */
export class Typed {
  constructor(
    readonly type: 'uint16' | 'uint32' | 'uint64' | 'uint128' | 'int32' | 'double' | 'float' | 'bytes',
    readonly value: number | bigint | Buffer,
  ) {}
}
export const uint16 = (n: number) => new Typed('uint16', n);
export const uint64 = (n: bigint) => new Typed('uint64', n);
export const int32 = (n: number) => new Typed('int32', n);
export const double = (n: number) => new Typed('double', n);
export const float = (n: number) => new Typed('float', n);

/** string → utf8_string, boolean, integer ≥ 0 → uint32, other number → double, Buffer → bytes. */
export type MmdbValue =
  | string
  | number
  | boolean
  | Buffer
  | Typed
  | MmdbValue[]
  | { [key: string]: MmdbValue };

export interface MmdbNetwork {
  /** `127.0.0.2/32`, `2001:db8::/32`; an address without `/` is a host. */
  readonly cidr: string;
  readonly data: MmdbValue;
}

export interface MmdbOptions {
  readonly databaseType?: string; // 'GeoLite2-City'
  readonly ipVersion?: 4 | 6;
  readonly recordSize?: 24 | 28 | 32;
  readonly languages?: readonly string[];
  readonly description?: Record<string, string>;
  readonly buildEpoch?: number;
}

type Slot = TreeNode | { data: MmdbValue } | undefined;
interface TreeNode {
  kind: 'node';
  left: Slot;
  right: Slot;
}

export function writeMmdb(networks: readonly MmdbNetwork[], options: MmdbOptions = {}): Buffer {
  const ipVersion = options.ipVersion ?? 6;
  const recordSize = options.recordSize ?? 28;
  const root: TreeNode = { kind: 'node', left: undefined, right: undefined };
  for (const network of networks) insert(root, networkBits(network.cidr, ipVersion), { data: network.data });

  // Number the nodes breadth-first (the root must be node 0).
  const nodes: TreeNode[] = [root];
  for (let i = 0; i < nodes.length; i++) {
    for (const slot of [nodes[i].left, nodes[i].right]) if (isNode(slot)) nodes.push(slot);
  }
  const nodeNumber = new Map(nodes.map((n, i) => [n, i]));
  const nodeCount = nodes.length;

  // Each distinct data object (by identity) is written once.
  const data = new Encoder();
  const offsets = new Map<MmdbValue, number>();
  const recordOf = (slot: Slot): number => {
    if (slot === undefined) return nodeCount;
    if (isNode(slot)) return nodeNumber.get(slot)!;
    let offset = offsets.get(slot.data);
    if (offset === undefined) {
      offset = data.length;
      offsets.set(slot.data, offset);
      data.value(slot.data);
    }
    return nodeCount + 16 + offset;
  };
  const records = nodes.map((node) => [recordOf(node.left), recordOf(node.right)]);
  if (nodeCount + 16 + data.length >= 2 ** recordSize)
    throw new Error(`too many nodes or too much data for ${recordSize}-bit records`);
  const nodeBytes = recordSize / 4;
  const tree = Buffer.alloc(nodeCount * nodeBytes);
  for (const [i, [left, right]] of records.entries()) writeNode(tree, i * nodeBytes, recordSize, left, right);

  const metadata = new Encoder();
  metadata.value({
    binary_format_major_version: uint16(2),
    binary_format_minor_version: uint16(0),
    build_epoch: uint64(BigInt(options.buildEpoch ?? 1_700_000_000)),
    database_type: options.databaseType ?? 'GeoLite2-City',
    description: options.description ?? { en: 'edgefront test database' },
    ip_version: uint16(ipVersion),
    languages: [...(options.languages ?? ['en'])],
    node_count: nodeCount,
    record_size: uint16(recordSize),
  });
  return Buffer.concat([
    tree,
    Buffer.alloc(16),
    data.bytes(),
    Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'),
    metadata.bytes(),
  ]);
}

function isNode(slot: Slot): slot is TreeNode {
  return slot !== undefined && 'kind' in slot;
}

function insert(root: TreeNode, bits: number[], leaf: { data: MmdbValue }): void {
  if (bits.length === 0) {
    root.left = leaf;
    root.right = leaf;
    return;
  }
  let node = root;
  for (let depth = 0; depth < bits.length - 1; depth++) {
    const side = bits[depth] ? 'right' : 'left';
    let next = node[side];
    if (!isNode(next)) {
      // Split: what covered this half keeps covering both halves beneath it.
      next = { kind: 'node', left: next, right: next };
      node[side] = next;
    }
    node = next;
  }
  node[bits[bits.length - 1] ? 'right' : 'left'] = leaf;
}

/** The prefix bits of a network, IPv4 placed at ::/96 in an IPv6 tree. */
function networkBits(cidr: string, ipVersion: 4 | 6): number[] {
  const [address, length] = cidr.split('/');
  let bytes: number[];
  let prefix: number;
  if (isIPv4(address)) {
    bytes = address.split('.').map(Number);
    prefix = length === undefined ? 32 : Number(length);
    if (ipVersion === 6) {
      bytes = [...new Array(12).fill(0), ...bytes];
      prefix += 96;
    }
  } else if (isIPv6(address)) {
    if (ipVersion === 4) throw new Error(`${cidr}: an IPv6 network in an IPv4 database`);
    bytes = ipv6Bytes(address);
    prefix = length === undefined ? 128 : Number(length);
  } else throw new Error(`${cidr}: not an IP network`);
  const bits: number[] = [];
  for (let i = 0; i < prefix; i++) bits.push((bytes[i >> 3] >> (7 - (i & 7))) & 1);
  return bits;
}

function ipv6Bytes(address: string): number[] {
  const [head, tail] = address.split('::');
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  const words = (s: string[]) =>
    s.flatMap((g) => (g.includes('.') ? ipv4Words(g) : [Number.parseInt(g, 16)]));
  const left = words(groups(head));
  const right = tail === undefined ? [] : words(groups(tail));
  const all = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}

function ipv4Words(dotted: string): number[] {
  const [a, b, c, d] = dotted.split('.').map(Number);
  return [(a << 8) | b, (c << 8) | d];
}

function writeNode(buf: Buffer, at: number, recordSize: number, left: number, right: number): void {
  if (recordSize === 24) {
    buf.writeUIntBE(left, at, 3);
    buf.writeUIntBE(right, at + 3, 3);
  } else if (recordSize === 28) {
    // The middle byte holds the top 4 bits of both records: left's high nibble, right's low.
    buf.writeUIntBE(left & 0xffffff, at, 3);
    buf[at + 3] = ((left >>> 24) << 4) | (right >>> 24);
    buf.writeUIntBE(right & 0xffffff, at + 4, 3);
  } else {
    buf.writeUInt32BE(left, at);
    buf.writeUInt32BE(right, at + 4);
  }
}

/** The data section encoding: a control byte (type, size) then the payload. */
const TYPE = {
  utf8_string: 2,
  double: 3,
  bytes: 4,
  uint16: 5,
  uint32: 6,
  map: 7,
  int32: 8,
  uint64: 9,
  uint128: 10,
  array: 11,
  boolean: 14,
  float: 15,
} as const;

class Encoder {
  private readonly chunks: Buffer[] = [];
  length = 0;

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private push(buf: Buffer): void {
    this.chunks.push(buf);
    this.length += buf.length;
  }

  private control(type: number, size: number): void {
    const head: number[] = [];
    let sizeBits: number;
    const extra: number[] = [];
    if (size < 29) sizeBits = size;
    else if (size < 285) {
      sizeBits = 29;
      extra.push(size - 29);
    } else if (size < 65821) {
      sizeBits = 30;
      extra.push((size - 285) >> 8, (size - 285) & 0xff);
    } else {
      sizeBits = 31;
      const n = size - 65821;
      extra.push((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
    }
    if (type <= 7) head.push((type << 5) | sizeBits);
    else head.push(sizeBits, type - 7); // extended type: 0 in the top bits, the type in the next byte
    this.push(Buffer.from([...head, ...extra]));
  }

  value(v: MmdbValue): void {
    if (typeof v === 'string') {
      const utf8 = Buffer.from(v, 'utf8');
      this.control(TYPE.utf8_string, utf8.length);
      this.push(utf8);
    } else if (typeof v === 'boolean') this.control(TYPE.boolean, v ? 1 : 0);
    else if (typeof v === 'number') {
      if (Number.isInteger(v) && v >= 0 && v < 2 ** 32) this.unsigned(TYPE.uint32, BigInt(v));
      else this.double(v);
    } else if (Buffer.isBuffer(v)) {
      this.control(TYPE.bytes, v.length);
      this.push(v);
    } else if (v instanceof Typed) this.typed(v);
    else if (Array.isArray(v)) {
      this.control(TYPE.array, v.length);
      for (const item of v) this.value(item);
    } else {
      const entries = Object.entries(v);
      this.control(TYPE.map, entries.length);
      for (const [key, item] of entries) {
        this.value(key);
        this.value(item);
      }
    }
  }

  private double(n: number): void {
    const buf = Buffer.alloc(8);
    buf.writeDoubleBE(n);
    this.control(TYPE.double, 8);
    this.push(buf);
  }

  /** Big-endian with leading zero bytes dropped (0 is zero bytes long). */
  private unsigned(type: number, n: bigint): void {
    const out: number[] = [];
    for (let x = n; x > 0n; x >>= 8n) out.unshift(Number(x & 0xffn));
    this.control(type, out.length);
    this.push(Buffer.from(out));
  }

  private typed(t: Typed): void {
    if (t.type === 'double') this.double(t.value as number);
    else if (t.type === 'bytes') {
      this.control(TYPE.bytes, (t.value as Buffer).length);
      this.push(t.value as Buffer);
    } else if (t.type === 'float' || t.type === 'int32') {
      const buf = Buffer.alloc(4);
      if (t.type === 'float') buf.writeFloatBE(t.value as number);
      else buf.writeInt32BE(t.value as number);
      this.control(TYPE[t.type], 4);
      this.push(buf);
    } else this.unsigned(TYPE[t.type], BigInt(t.value as number | bigint));
  }
}

// --- City-shaped records --------------------------------------------------------------------

export interface CityFields {
  country: string; // ISO 3166-1 alpha-2
  countryName: string;
  region?: string; // ISO 3166-2 subdivision code without the country
  regionName?: string;
  city?: string;
  postalCode?: string;
  timeZone?: string;
  latitude?: number;
  longitude?: number;
  metroCode?: number;
}

/** A record shaped like GeoLite2-City's (a Country database's when only country fields are set). */
export function cityRecord(f: CityFields): MmdbValue {
  const country = { geoname_id: 1, iso_code: f.country, names: { en: f.countryName } };
  const out: Record<string, MmdbValue> = {
    continent: { code: 'EU', geoname_id: 6255148, names: { en: 'Europe' } },
    country,
    registered_country: country,
  };
  if (f.city !== undefined) out.city = { geoname_id: 2, names: { en: f.city, de: f.city } };
  if (f.latitude !== undefined || f.timeZone !== undefined) {
    const location: Record<string, MmdbValue> = { accuracy_radius: uint16(20) };
    if (f.latitude !== undefined) location.latitude = double(f.latitude);
    if (f.longitude !== undefined) location.longitude = double(f.longitude);
    if (f.metroCode !== undefined) location.metro_code = uint16(f.metroCode);
    if (f.timeZone !== undefined) location.time_zone = f.timeZone;
    out.location = location;
  }
  if (f.postalCode !== undefined) out.postal = { code: f.postalCode };
  if (f.region !== undefined)
    out.subdivisions = [{ geoname_id: 3, iso_code: f.region, names: { en: f.regionName ?? f.region } }];
  return out;
}

export const SEATTLE: CityFields = {
  country: 'US',
  countryName: 'United States',
  region: 'WA',
  regionName: 'Washington',
  city: 'Seattle',
  postalCode: '98101',
  timeZone: 'America/Los_Angeles',
  latitude: 47.6034,
  longitude: -122.3414,
  metroCode: 819,
};

/**
 * The database the geo tests share: viewers on loopback addresses in several countries, one
 * known only by country, and gaps (127.0.0.5, everything outside these networks) that are unknown.
 */
export function testCityDatabase(options: MmdbOptions = {}): Buffer {
  return writeMmdb(
    [
      { cidr: '127.0.0.1/32', data: cityRecord(SEATTLE) },
      {
        cidr: '127.0.0.2/32',
        data: cityRecord({
          country: 'DE',
          countryName: 'Germany',
          region: 'BE',
          regionName: 'Land Berlin',
          city: 'Berlin',
          postalCode: '10115',
          timeZone: 'Europe/Berlin',
          latitude: 52.5196,
          longitude: 13.4069,
        }),
      },
      {
        cidr: '127.0.0.3/32',
        data: cityRecord({
          country: 'CH',
          countryName: 'Switzerland',
          region: 'ZH',
          regionName: 'Zürich',
          city: 'Zürich',
          postalCode: '8001',
          timeZone: 'Europe/Zurich',
          latitude: 47.3682,
          longitude: 8.5671,
        }),
      },
      { cidr: '127.0.0.4/32', data: cityRecord({ country: 'FR', countryName: 'France' }) },
      {
        cidr: '203.0.113.0/24',
        data: cityRecord({ country: 'JP', countryName: 'Japan', city: 'Tokyo', timeZone: 'Asia/Tokyo' }),
      },
      { cidr: '2001:db8::/32', data: cityRecord({ country: 'BR', countryName: 'Brazil' }) },
    ].filter((n) => options.ipVersion !== 4 || !n.cidr.includes(':')),
    options,
  );
}
