/**
 * The origin's `Cache-Control` response header, parsed once per origin response for the TTL
 * rules (reference/caching.md §2.2–2.3). Tolerant as RFC 9111 §5.2 asks of recipients: names
 * are case-insensitive, whitespace anywhere between items, token or quoted-string arguments
 * (`max-age="60"` is accepted), unknown directives skipped. A directive whose number is not
 * `1*DIGIT` is ignored as if absent; when a numeric directive repeats, its first valid value
 * wins (RFC 9111 §4.2.1 allows "the first occurrence").
 *
 * One left-to-right scan without a regular expression or a split: this runs on every miss.
 */

/** `max-age` accepted range is 0 … 100 years (caching.md §2.1); larger values are capped. */
export const MAX_DELTA_SECONDS = 100 * 365 * 86400;

export interface CacheControl {
  maxAge?: number;
  sMaxAge?: number;
  /** Unqualified `no-cache` only: `no-cache="Set-Cookie"` still lets the body be cached. */
  noCache: boolean;
  noStore: boolean;
  /** `private`, qualified or not (a shared cache can't tell which fields are safe). */
  private: boolean;
  mustRevalidate: boolean;
  proxyRevalidate: boolean;
  staleWhileRevalidate?: number;
  staleIfError?: number;
  /** Lowercase field names of `no-cache="…"`: not to be stored with the object (caching.md §3.6). */
  noCacheFields: string[];
}

const SPACE = 0x20;
const TAB = 0x09;
const COMMA = 0x2c;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export function parseCacheControl(header: string | readonly string[] | undefined): CacheControl {
  const cc: CacheControl = {
    maxAge: undefined,
    sMaxAge: undefined,
    noCache: false,
    noStore: false,
    private: false,
    mustRevalidate: false,
    proxyRevalidate: false,
    staleWhileRevalidate: undefined,
    staleIfError: undefined,
    noCacheFields: [],
  };
  if (header === undefined) return cc;
  const s = typeof header === 'string' ? header : header.join(',');
  const n = s.length;
  let i = 0;
  while (i < n) {
    let c = s.charCodeAt(i);
    if (c === SPACE || c === TAB || c === COMMA) {
      i++;
      continue;
    }
    // Directive name: up to '=', ',' or whitespace.
    const nameStart = i;
    while (i < n) {
      c = s.charCodeAt(i);
      if (c === EQUALS || c === COMMA || c === SPACE || c === TAB) break;
      i++;
    }
    const name = s.slice(nameStart, i).toLowerCase();
    while (i < n && isSpace(s.charCodeAt(i))) i++;
    let value: string | undefined;
    if (i < n && s.charCodeAt(i) === EQUALS) {
      i++;
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      if (i < n && s.charCodeAt(i) === QUOTE) {
        // quoted-string: '\' escapes the next character; an unterminated one runs to the end.
        i++;
        const start = i;
        let escaped = false;
        while (i < n) {
          c = s.charCodeAt(i);
          if (c === QUOTE) break;
          if (c === BACKSLASH) {
            escaped = true;
            i++;
          }
          i++;
        }
        value = s.slice(start, Math.min(i, n));
        if (escaped) value = unescapeQuoted(value);
        if (i < n) i++; // closing quote
        while (i < n && s.charCodeAt(i) !== COMMA) i++; // junk after the quote
      } else {
        const start = i;
        while (i < n && s.charCodeAt(i) !== COMMA) i++;
        let end = i;
        while (end > start && isSpace(s.charCodeAt(end - 1))) end--;
        value = s.slice(start, end);
      }
    } else {
      // A name followed by something other than '=' or ',' (e.g. `max-age 60`): skip the item.
      if (i < n && s.charCodeAt(i) !== COMMA) {
        while (i < n && s.charCodeAt(i) !== COMMA) i++;
        continue;
      }
    }
    apply(cc, name, value);
  }
  return cc;
}

function apply(cc: CacheControl, name: string, value: string | undefined): void {
  switch (name) {
    case 'max-age':
      cc.maxAge ??= deltaSeconds(value);
      return;
    case 's-maxage':
      cc.sMaxAge ??= deltaSeconds(value);
      return;
    case 'stale-while-revalidate':
      cc.staleWhileRevalidate ??= deltaSeconds(value);
      return;
    case 'stale-if-error':
      cc.staleIfError ??= deltaSeconds(value);
      return;
    case 'no-store':
      cc.noStore = true;
      return;
    case 'private':
      cc.private = true;
      return;
    case 'must-revalidate':
      cc.mustRevalidate = true;
      return;
    case 'proxy-revalidate':
      cc.proxyRevalidate = true;
      return;
    case 'no-cache': {
      if (value === undefined) {
        cc.noCache = true;
        return;
      }
      let added = false;
      for (const part of value.split(',')) {
        const field = part.trim().toLowerCase();
        if (field === '') continue;
        cc.noCacheFields.push(field);
        added = true;
      }
      // `no-cache=""` names no field: read it as the unqualified (stricter) directive.
      if (!added) cc.noCache = true;
      return;
    }
  }
}

/** `1*DIGIT`, capped at 100 years; anything else (sign, dot, empty, no value) is undefined. */
function deltaSeconds(value: string | undefined): number | undefined {
  if (value === undefined || value.length === 0) return undefined;
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    if (n < MAX_DELTA_SECONDS) n = n * 10 + d;
  }
  return Math.min(n, MAX_DELTA_SECONDS);
}

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB;
}

function unescapeQuoted(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    if (raw.charCodeAt(i) === BACKSLASH && i + 1 < raw.length) i++;
    out += raw[i];
  }
  return out;
}
