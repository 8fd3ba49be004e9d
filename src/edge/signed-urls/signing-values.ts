/**
 * Where a request carries its signature (distribution.md §10): the reserved query parameters of a
 * signed URL, or the `CloudFront-*` cookies. A URL holding any reserved parameter is a signed URL
 * and its cookies are not read ("a signed URL wins over cookies").
 */
import { decodeName } from '../origin-headers.js';

export interface SigningValues {
  readonly expires?: string;
  readonly policy?: string;
  readonly signature?: string;
  readonly keyPairId?: string;
  readonly hashAlgorithm?: string;
}

type Field = keyof SigningValues;

/** The query parameter names CloudFront reserves; names compare case-sensitively. */
const URL_PARAMS: ReadonlyMap<string, Field> = new Map([
  ['Expires', 'expires'],
  ['Policy', 'policy'],
  ['Signature', 'signature'],
  ['Key-Pair-Id', 'keyPairId'],
  ['Hash-Algorithm', 'hashAlgorithm'],
]);

const COOKIES: ReadonlyMap<string, Field> = new Map(
  [...URL_PARAMS].map(([name, field]) => [`CloudFront-${name}`, field]),
);

export interface SigningParts {
  readonly from: 'url' | 'cookies';
  readonly values: SigningValues;
  /**
   * The query without the reserved parameters (the others raw and in order): what the policy's
   * Resource is compared with, and what the cache key and the origin see (origins.md §4.1).
   */
  readonly query: string;
}

export function readSigningValues(query: string, cookie: string | string[] | undefined): SigningParts {
  const values: Partial<Record<Field, string>> = {};
  const kept: string[] = [];
  let signedUrl = false;
  for (const part of query ? query.split('&') : []) {
    const eq = part.indexOf('=');
    const field = URL_PARAMS.get(decodeName(eq === -1 ? part : part.slice(0, eq)));
    if (field === undefined) {
      if (part !== '') kept.push(part);
      continue;
    }
    signedUrl = true;
    values[field] ??= decodeValue(eq === -1 ? '' : part.slice(eq + 1));
  }
  if (signedUrl) return { from: 'url', values, query: kept.join('&') };
  for (const line of cookie === undefined ? [] : Array.isArray(cookie) ? cookie : [cookie]) {
    for (const pair of line.split(';')) {
      const eq = pair.indexOf('=');
      const field = eq === -1 ? undefined : COOKIES.get(pair.slice(0, eq).trim());
      if (field !== undefined) values[field] ??= unquote(pair.slice(eq + 1).trim());
    }
  }
  return { from: 'cookies', values, query };
}

function decodeValue(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw; // left as sent: it then fails as an undecodable value
  }
}

/** RFC 6265 allows a cookie value in double quotes. */
function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}
