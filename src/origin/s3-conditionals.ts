/**
 * S3's conditional GET and Range rules for objects served from a local bucket, as pure
 * functions of the request headers and the object's ETag / Last-Modified / size.
 * Precedence (S3 GetObject docs, same as RFC 9110 §13.2.2): If-Match decides alone when
 * present (If-Unmodified-Since is then ignored: "If-Match true and If-Unmodified-Since false
 * → 200"); If-None-Match likewise shadows If-Modified-Since ("If-None-Match false and
 * If-Modified-Since true → 304").
 */

export type Precondition =
  | { readonly status: 200 }
  | { readonly status: 304 }
  | { readonly status: 412; readonly condition: string };

const PASS: Precondition = { status: 200 };
const NOT_MODIFIED: Precondition = { status: 304 };

function unquote(tag: string): string {
  let t = tag.trim();
  if (t.startsWith('W/')) t = t.slice(2);
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) t = t.slice(1, -1);
  return t;
}

/** `*` or a comma-separated list of (possibly weak, possibly unquoted) entity tags. */
function etagListMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const bare = unquote(etag);
  return header.split(',').some((candidate) => unquote(candidate) === bare);
}

/** Seconds since the epoch, or undefined for a date S3 would ignore. */
function httpDateSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

export function evaluatePreconditions(
  headers: Readonly<Record<string, string>>,
  etag: string,
  lastModifiedSeconds: number,
): Precondition {
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!etagListMatches(ifMatch, etag)) return { status: 412, condition: 'If-Match' };
  } else {
    const since = httpDateSeconds(headers['if-unmodified-since']);
    if (since !== undefined && lastModifiedSeconds > since)
      return { status: 412, condition: 'If-Unmodified-Since' };
  }
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) return etagListMatches(ifNoneMatch, etag) ? NOT_MODIFIED : PASS;
  const since = httpDateSeconds(headers['if-modified-since']);
  if (since !== undefined && lastModifiedSeconds <= since) return NOT_MODIFIED;
  return PASS;
}

/** If-Range: the Range applies only if the validator still names this object version. */
export function ifRangeAllows(
  ifRange: string | undefined,
  etag: string,
  lastModifiedSeconds: number,
): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return unquote(value) === unquote(etag);
  return httpDateSeconds(value) === lastModifiedSeconds;
}

export type RangeSelection =
  | { readonly kind: 'full' }
  | { readonly kind: 'partial'; readonly start: number; readonly end: number } // inclusive
  | { readonly kind: 'unsatisfiable' };

const FULL: RangeSelection = { kind: 'full' };
const SINGLE_RANGE = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/;

/**
 * One `bytes=a-b`, `a-` or `-n` range → 206; one that starts past the end (or `-0`) → 416.
 * S3 serves the whole object (200) for several ranges and ignores a Range it cannot parse.
 */
export function selectRange(header: string | undefined, size: number): RangeSelection {
  if (header === undefined) return FULL;
  const m = SINGLE_RANGE.exec(header);
  if (!m) return FULL; // malformed or multiple ranges
  const [, first, last] = m;
  if (first === '' && last === '') return FULL;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return FULL; // syntactically invalid range: ignored
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'partial', start, end };
}
