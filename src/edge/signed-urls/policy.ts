/**
 * Policy statements (distribution.md §10): the canned policy CloudFront rebuilds from the URL and
 * `Expires`, and custom policies as signed, parsed strictly (exactly one statement, exact key
 * names, numbers unquoted, `DateLessThan` required).
 */

import { parseSourceIp } from './source-ip.js';
import { decodeUrlSafeBase64 } from './url-safe-base64.js';

export interface PolicyStatement {
  /** Undefined: any URL (a canned policy's URL is already bound by its signature). */
  readonly resource: string | undefined;
  /** Epoch seconds from which access is denied. */
  readonly dateLessThan: number;
  /** Epoch seconds on or before which access is denied. */
  readonly dateGreaterThan: number | undefined;
  readonly sourceIp: ((ip: string) => boolean) | undefined;
}

export interface SignedPolicy {
  /** The bytes the signature covers. */
  readonly signed: Buffer;
  readonly statement: PolicyStatement;
}

const MAX_EXPIRES = 9223372036854775807n;

/** `Expires` (canned): Unix seconds, digits only, up to 2^63 − 1. */
export function cannedPolicy(url: string, expires: string): SignedPolicy | undefined {
  if (!/^\d{1,19}$/.test(expires) || BigInt(expires) > MAX_EXPIRES) return undefined;
  const epoch = BigInt(expires).toString(); // as a JSON number: no leading zeros
  const json = `{"Statement":[{"Resource":${JSON.stringify(url)},"Condition":{"DateLessThan":{"AWS:EpochTime":${epoch}}}}]}`;
  return {
    signed: Buffer.from(json),
    statement: {
      resource: undefined,
      dateLessThan: Number(epoch),
      dateGreaterThan: undefined,
      sourceIp: undefined,
    },
  };
}

/** `Policy` (custom): URL-safe base64 of the policy JSON. */
export function customPolicy(encoded: string): SignedPolicy | undefined {
  const signed = decodeUrlSafeBase64(encoded);
  const statement = signed && parseStatement(signed.toString('utf8'));
  return statement && { signed, statement };
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const onlyKeys = (o: Json, allowed: readonly string[]) => Object.keys(o).every((k) => allowed.includes(k));

function parseStatement(text: string): PolicyStatement | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(doc) || !onlyKeys(doc, ['Statement']) || !Array.isArray(doc.Statement)) return undefined;
  const [s] = doc.Statement;
  if (doc.Statement.length !== 1 || !isObject(s) || !onlyKeys(s, ['Resource', 'Condition'])) return undefined;
  const condition = s.Condition;
  if (!isObject(condition) || !onlyKeys(condition, ['DateLessThan', 'DateGreaterThan', 'IpAddress']))
    return undefined;
  if (s.Resource !== undefined && typeof s.Resource !== 'string') return undefined;
  const dateLessThan = epochOf(condition.DateLessThan);
  const dateGreaterThan =
    condition.DateGreaterThan === undefined ? undefined : epochOf(condition.DateGreaterThan);
  const ip = condition.IpAddress;
  const sourceIp =
    ip === undefined ? undefined : isObject(ip) ? parseSourceIp(ip['AWS:SourceIp']) : undefined;
  if (
    dateLessThan === undefined ||
    (condition.DateGreaterThan !== undefined && dateGreaterThan === undefined) ||
    (ip !== undefined && sourceIp === undefined)
  )
    return undefined;
  return { resource: s.Resource, dateLessThan, dateGreaterThan, sourceIp };
}

/** `{ "AWS:EpochTime": 1767290400 }`: a whole number, not a string. */
function epochOf(value: unknown): number | undefined {
  if (!isObject(value) || !onlyKeys(value, ['AWS:EpochTime'])) return undefined;
  const epoch = value['AWS:EpochTime'];
  return typeof epoch === 'number' && Number.isInteger(epoch) && epoch >= 0 ? epoch : undefined;
}
