/**
 * Header maps a function returns (reference/lambda-edge.md §2.2, §5): `{ lowercase: [{ key?, value }] }`,
 * no disallowed header, read-only headers as they were, no CloudFront-* added in viewer-request.
 * Checks throw {@link LambdaValidationFailure}; `validateResult` turns it into LambdaValidationError.
 */
import { isCloudFrontGeneratedHeader, isDisallowedHeader, isReadOnlyHeader } from '../header-rules.js';
import type { CfHeader, CfHeaders, LambdaEventType } from './types.js';

/** A returned object breaks a rule; the message names the field. */
export class LambdaValidationFailure extends Error {
  override readonly name = 'LambdaValidationFailure';
}

export function invalid(path: string, message: string): never {
  throw new LambdaValidationFailure(`${path}: ${message}`);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `user-agent` → `User-Agent`: what CloudFront sends when an entry has no `key`. */
export function titleCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const BAD_VALUE = /[\0\r\n]/;

const at = (path: string, name: string) => `${path}["${name}"]`;

/**
 * Checks a returned header map in place: fills each missing `key`, drops empty lists.
 * `path` names it in messages ('request.headers', 'request.origin.custom.customHeaders'…).
 */
export function checkHeaders(path: string, value: unknown): CfHeaders {
  if (!isObject(value))
    invalid(path, 'must be an object of lowercase header names to [{ key, value }] lists');
  for (const name in value) {
    const entries = value[name];
    if (!TOKEN.test(name)) {
      const why = TOKEN.test(name.toLowerCase())
        ? 'names in the map are lowercase'
        : 'is not a valid header name';
      invalid(at(path, name), why);
    }
    if (isDisallowedHeader(name)) invalid(at(path, name), `${titleCase(name)} is a disallowed header`);
    if (!Array.isArray(entries)) invalid(at(path, name), 'must be a list of { key, value } entries');
    if (entries.length === 0) {
      delete value[name];
      continue;
    }
    for (let i = 0; i < entries.length; i++) checkEntry(`${at(path, name)}[${i}]`, name, entries[i]);
  }
  return value as CfHeaders;
}

function checkEntry(path: string, name: string, e: unknown): void {
  if (!isObject(e)) invalid(path, 'must be an object { key, value }');
  if (typeof e.value !== 'string') invalid(`${path}.value`, 'must be a string');
  if (BAD_VALUE.test(e.value)) invalid(`${path}.value`, 'contains a CR, LF or NUL character');
  if (e.key === undefined) e.key = titleCase(name);
  else if (typeof e.key !== 'string' || e.key.toLowerCase() !== name)
    invalid(`${path}.key`, `${JSON.stringify(e.key)} does not match the header name "${name}"`);
}

function sameValues(a: CfHeader[] | undefined, b: CfHeader[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].value !== b[i].value) return false;
  return true;
}

/** Read-only headers of `eventType` (§5) must keep the event's values: not added, changed or removed. */
export function checkReadOnlyHeaders(
  path: string,
  eventType: LambdaEventType,
  before: CfHeaders,
  after: CfHeaders,
): void {
  for (const name in after)
    if (isReadOnlyHeader('lambda', eventType, name) && !sameValues(before[name], after[name]))
      invalid(at(path, name), `${titleCase(name)} is read-only in ${eventType} functions`);
  for (const name in before)
    if (isReadOnlyHeader('lambda', eventType, name) && after[name] === undefined)
      invalid(
        at(path, name),
        `${titleCase(name)} is read-only in ${eventType} functions and may not be removed`,
      );
}

/** CloudFront adds its CloudFront-* viewer headers after viewer-request, so such a function may not add one. */
export function checkNoCloudFrontHeadersAdded(path: string, before: CfHeaders, after: CfHeaders): void {
  for (const name in after)
    if (isCloudFrontGeneratedHeader(name) && before[name] === undefined)
      invalid(
        at(path, name),
        `${titleCase(name)} cannot be added in viewer-request: CloudFront adds its headers after that stage`,
      );
}

/** Bytes of the header block as sent: `Key: value\r\n` per entry. */
export function headerBytes(headers: CfHeaders): number {
  let n = 0;
  for (const name in headers)
    for (const e of headers[name]) n += name.length + 4 + Buffer.byteLength(e.value, 'utf8');
  return n;
}
