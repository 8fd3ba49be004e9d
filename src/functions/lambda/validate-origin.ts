/**
 * `request.origin` set by an origin-request function (reference/lambda-edge.md §2.2, dynamic origin
 * selection): exactly one of `custom` or `s3`, each field within CloudFront's documented range.
 * Returns a fresh object holding only the documented fields.
 */
import { isIP } from 'node:net';
import type { CfCustomOrigin, CfHeaders, CfOrigin, CfS3Origin, LambdaEventType } from './types.js';
import { checkHeaders, invalid, isObject } from './validate-headers.js';

const SSL_PROTOCOLS: ReadonlySet<string> = new Set(['TLSv1.2', 'TLSv1.1', 'TLSv1', 'SSLv3']);
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const DNS_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
/** Segments of unreserved, sub-delims, ':', '@' and percent-escapes: "URL-encoded". */
const ORIGIN_PATH = /^(?:\/[A-Za-z0-9\-._~!$&'()*+,;=:@%]+)+$/;

export function checkOrigin(
  eventType: LambdaEventType,
  before: CfOrigin | undefined,
  value: unknown,
  requestHeaders: CfHeaders,
): CfOrigin | undefined {
  if (value === undefined) return before;
  if (eventType !== 'origin-request') invalid('request.origin', `only origin-request functions may set it`);
  if (!isObject(value)) invalid('request.origin', 'must be an object { custom } or { s3 }');
  if ((value.custom === undefined) === (value.s3 === undefined))
    invalid('request.origin', 'must have exactly one of custom or s3');
  if (value.custom !== undefined) return { custom: checkCustom(value.custom, before, requestHeaders) };
  return { s3: checkS3(value.s3, before, requestHeaders) };
}

function checkCustom(v: unknown, before: CfOrigin | undefined, requestHeaders: CfHeaders): CfCustomOrigin {
  const p = 'request.origin.custom';
  if (!isObject(v)) invalid(p, 'must be an object');
  const port = v.port;
  if (
    port !== 80 &&
    port !== 443 &&
    !(Number.isInteger(port) && (port as number) >= 1024 && (port as number) <= 65535)
  )
    invalid(`${p}.port`, `${JSON.stringify(port)} is not 80, 443 or 1024–65535`);
  if (v.protocol !== 'http' && v.protocol !== 'https')
    invalid(`${p}.protocol`, `${JSON.stringify(v.protocol)} is not "http" or "https"`);
  if (!Array.isArray(v.sslProtocols) || v.sslProtocols.length === 0)
    invalid(`${p}.sslProtocols`, 'must list at least one of TLSv1.2, TLSv1.1, TLSv1, SSLv3');
  v.sslProtocols.forEach((s: unknown, i: number) => {
    if (typeof s !== 'string' || !SSL_PROTOCOLS.has(s))
      invalid(`${p}.sslProtocols[${i}]`, `${JSON.stringify(s)} is not TLSv1.2, TLSv1.1, TLSv1 or SSLv3`);
  });
  return {
    customHeaders: checkCustomHeaders(`${p}.customHeaders`, v.customHeaders, requestHeaders),
    domainName: checkDomainName(`${p}.domainName`, v.domainName, 253, before?.custom?.domainName),
    keepaliveTimeout: seconds(`${p}.keepaliveTimeout`, v.keepaliveTimeout, 1, 60),
    path: checkPath(`${p}.path`, v.path),
    port: port as number,
    protocol: v.protocol,
    readTimeout: seconds(`${p}.readTimeout`, v.readTimeout, 4, 60),
    sslProtocols: v.sslProtocols as string[],
  };
}

function checkS3(v: unknown, before: CfOrigin | undefined, requestHeaders: CfHeaders): CfS3Origin {
  const p = 'request.origin.s3';
  if (!isObject(v)) invalid(p, 'must be an object');
  const { authMethod, region } = v;
  if (authMethod !== 'origin-access-identity' && authMethod !== 'none')
    invalid(`${p}.authMethod`, `${JSON.stringify(authMethod)} is not "origin-access-identity" or "none"`);
  if (authMethod === 'origin-access-identity') {
    if (typeof region !== 'string' || region === '')
      invalid(`${p}.region`, 'is required with authMethod "origin-access-identity"');
    if (before?.custom !== undefined)
      invalid(
        `${p}.authMethod`,
        'an origin access identity cannot be used when switching from a custom origin to S3',
      );
  } else if (region !== undefined && typeof region !== 'string') invalid(`${p}.region`, 'must be a string');
  const domainName = checkDomainName(`${p}.domainName`, v.domainName, 128, before?.s3?.domainName);
  if (domainName !== domainName.toLowerCase())
    invalid(`${p}.domainName`, 'bucket domain names are lowercase');
  return {
    authMethod,
    customHeaders: checkCustomHeaders(`${p}.customHeaders`, v.customHeaders, requestHeaders),
    domainName,
    path: checkPath(`${p}.path`, v.path),
    ...(typeof region === 'string' ? { region } : {}),
  };
}

/**
 * `unchanged`: the event's own value. It came from the distribution's config, which edgefront lets
 * name a loopback IP for local origins, so only a changed name has to be a DNS name.
 */
function checkDomainName(path: string, v: unknown, max: number, unchanged?: string): string {
  if (typeof v !== 'string' || v === '') invalid(path, 'must be a non-empty DNS name');
  if (v === unchanged) return v;
  if (v.length > max) invalid(path, `is ${v.length} characters; at most ${max}`);
  if (v.includes(':')) invalid(path, 'must not contain ":" (give the port in port)');
  if (isIP(v) !== 0) invalid(path, 'must be a DNS name, not an IP address');
  if (!DNS_NAME.test(v)) invalid(path, `${JSON.stringify(v)} is not a valid DNS name`);
  return v;
}

function checkPath(path: string, v: unknown): string {
  if (v === undefined || v === '') return '';
  if (typeof v !== 'string') invalid(path, 'must be a string');
  if (v.length > 255) invalid(path, `is ${v.length} characters; at most 255`);
  if (!v.startsWith('/')) invalid(path, 'must start with "/" (or be "" for none)');
  if (v.endsWith('/')) invalid(path, 'must not end with "/"');
  if (!ORIGIN_PATH.test(v)) invalid(path, `${JSON.stringify(v)} is not a URL-encoded path`);
  return v;
}

function seconds(path: string, v: unknown, min: number, max: number): number {
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max)
    invalid(path, `${JSON.stringify(v)} is not a whole number of seconds ${min}–${max}`);
  return v as number;
}

function checkCustomHeaders(path: string, v: unknown, requestHeaders: CfHeaders): CfHeaders {
  if (v === undefined) return {};
  const headers = checkHeaders(path, v);
  for (const name in headers)
    if (requestHeaders[name] !== undefined)
      invalid(`${path}["${name}"]`, 'is also a request header; a custom origin header may not repeat one');
  return headers;
}
