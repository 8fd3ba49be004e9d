/**
 * CloudFront's cache key (reference/caching.md §1.1–1.6): the distribution (never the viewer
 * Host), the raw case-sensitive path, the method for OPTIONS only, the normalised
 * Accept-Encoding when a flag is on, and the headers, cookies and query strings the cache
 * policy selects (legacy ForwardedValues arrive here already turned into a policy by
 * src/config/resolve-policies.ts).
 *
 * This runs on every cacheable request, hits included, so what depends only on the behavior is
 * compiled once into a `KeyPlan` (kept in a WeakMap, so a reloaded model drops its plans), and
 * a key is built by appending to one string.
 *
 * Layout, unambiguous by construction (every viewer-controlled piece is length-prefixed, every
 * section starts with `\n` and a tag, and names come from the fixed plan):
 *
 *   E1ABC\n<len>:<path>[\nm:OPTIONS][\ne:br,gzip]
 *     {\nh:<name>[=<len>:<value>]}   one per selected header, sorted; no '=' ⇔ header absent
 *     [\nc:{<len>:<name><len>:<value>}]   selected cookies sorted by name (cookies not 'none')
 *     [\nq:<len>:<selected query>]   selected parameters, raw, in request order ('none': absent)
 */

import { cloudFrontHeaderValue } from '../edge/cloudfront-headers.js';
import type { ViewerRequest } from '../edge/exchange.js';
import { wildcardRegExp } from '../edge/forwarding-plan.js';
import { decodeName, normalizedAcceptEncoding } from '../edge/origin-headers.js';
import type { CookieBehavior, QueryStringBehavior } from '../model/cloudfront.js';
import type { BehaviorModel } from '../model/types.js';
import { ownString } from '../own-string.js';

interface KeyPlan {
  readonly gzip: boolean;
  readonly br: boolean;
  /** Lowercase names in sorted order (header names are case- and order-insensitive, §1.4). */
  readonly headerNames: readonly string[];
  /** `\nh:<name>` for each of headerNames: constant per behavior. */
  readonly headerTags: readonly string[];
  /** True where the header is CloudFront-generated (its value never comes from the viewer). */
  readonly headerGenerated: readonly boolean[];
  readonly cookieMode: CookieBehavior;
  readonly cookieNames: ReadonlySet<string>;
  /** Legacy WhitelistedNames with `*`/`?` (cache policies treat those literally, §1.2). */
  readonly cookiePatterns: readonly RegExp[];
  readonly queryMode: QueryStringBehavior;
  readonly queryNames: ReadonlySet<string>;
  readonly cachingDisabled: boolean;
}

const plans = new WeakMap<BehaviorModel, KeyPlan>();

function planFor(behavior: BehaviorModel): KeyPlan {
  let plan = plans.get(behavior);
  if (plan === undefined) {
    plan = compilePlan(behavior);
    plans.set(behavior, plan);
  }
  return plan;
}

function compilePlan(behavior: BehaviorModel): KeyPlan {
  const cp = behavior.cachePolicy;
  const c = cp.Config;
  const params = c.ParametersInCacheKeyAndForwardedToOrigin;
  const gzip = params.EnableAcceptEncodingGzip;
  const br = params.EnableAcceptEncodingBrotli === true;
  const legacyAllHeaders = behavior.isLegacy && cp.headers.has('*');
  const headerNames = [...cp.headers]
    // With a flag on, CloudFront keys the normalised value instead (§1.3); legacy `*` means
    // "forward everything", not a header named '*', and disables caching (§1.5).
    .filter((h) => !(h === 'accept-encoding' && (gzip || br)) && !(legacyAllHeaders && h === '*'))
    .sort();
  const cookieMode = params.CookiesConfig.CookieBehavior;
  const cookiePatterns =
    behavior.isLegacy && cookieMode === 'whitelist'
      ? [...cp.cookies].filter((n) => n.includes('*') || n.includes('?')).map(wildcardRegExp)
      : [];
  return {
    gzip,
    br,
    headerNames,
    headerTags: headerNames.map((h) => `\nh:${h}`),
    headerGenerated: headerNames.map((h) => h.startsWith('cloudfront-')),
    cookieMode,
    cookieNames: cp.cookies,
    cookiePatterns,
    queryMode: params.QueryStringsConfig.QueryStringBehavior,
    queryNames: cp.queryStrings,
    cachingDisabled: (c.MinTTL === 0 && c.DefaultTTL === 0 && c.MaxTTL === 0) || legacyAllHeaders,
  };
}

/**
 * True when the behavior never caches: MinTTL = DefaultTTL = MaxTTL = 0 (e.g. the managed
 * CachingDisabled policy, §2.1), or a legacy behavior forwarding all headers (`Headers: ['*']`,
 * which CloudFront does not cache, §1.5).
 */
export function isCachingDisabled(behavior: BehaviorModel): boolean {
  return planFor(behavior).cachingDisabled;
}

export function cacheKey(behavior: BehaviorModel, distributionId: string, req: ViewerRequest): string {
  const plan = planFor(behavior);
  let key = keyPrefix(distributionId, req.path);
  // GET and HEAD share a key; OPTIONS responses are cached apart (§1.1).
  if (req.method === 'OPTIONS') key += '\nm:OPTIONS';
  if (plan.gzip || plan.br) {
    const raw = req.headers['accept-encoding'];
    // No header, or HTTP/1.0 (CloudFront strips it): nothing keyed (§1.3).
    if (raw !== undefined && req.httpVersion !== '1.0') {
      const encoding = acceptEncodingKey(raw, plan.gzip, plan.br);
      if (encoding !== '') key += '\ne:' + encoding;
    }
  }
  const names = plan.headerNames;
  for (let i = 0; i < names.length; i++) {
    key += plan.headerTags[i];
    let value: string | undefined;
    if (plan.headerGenerated[i]) value = cloudFrontHeaderValue(names[i], req);
    else if (req.httpVersion === '1.0' && names[i] === 'accept-encoding')
      value = undefined; // stripped
    else {
      const raw = req.headers[names[i]];
      value = raw === undefined ? undefined : typeof raw === 'string' ? raw : raw.join(', ');
    }
    if (value !== undefined) key += '=' + value.length + ':' + value;
  }
  if (plan.cookieMode !== 'none') key += '\nc:' + cookieComponent(req.headers.cookie, plan);
  if (plan.queryMode !== 'none') {
    const query = plan.queryMode === 'all' ? req.query : selectedQuery(req.query, plan);
    key += '\nq:' + query.length + ':' + query;
  }
  return key;
}

// --- Distribution and path ------------------------------------------------------------------

/**
 * The key's first component, `<Id>\n<len>:<path>`, remembered per distribution and path: a hit
 * on a known path then builds no string for it, and when nothing else is keyed the key is this
 * string itself, whose hash V8 keeps, so the cache's lookup does not hash it again (~100 bytes
 * and ~1k instructions a hit, bench/README.md "Direct sends and a smaller Exchange").
 *
 * Kept: an owned copy (the path is a slice of the whole request head, ownString), short paths
 * only, at most PREFIX_MEMO_LIMIT in all (then forgotten at once, as the Accept-Encoding memo).
 * The Id is matched exactly, as a Map key: a prefix check would let a distribution whose Id
 * ends in another's `\n<len>:` borrow its entries.
 */
const PREFIX_MEMO_LIMIT = 4096;
const PREFIX_MEMO_MAX_PATH = 256;
const prefixMemo = new Map<string, Map<string, string>>();
let prefixMemoSize = 0;

function keyPrefix(distributionId: string, path: string): string {
  let paths = prefixMemo.get(distributionId);
  const known = paths?.get(path);
  if (known !== undefined) return known;
  const prefix = distributionId + '\n' + path.length + ':' + path;
  if (path.length > PREFIX_MEMO_MAX_PATH) return prefix;
  if (prefixMemoSize >= PREFIX_MEMO_LIMIT) {
    prefixMemo.clear();
    prefixMemoSize = 0;
    paths = undefined;
  }
  if (paths === undefined) {
    paths = new Map();
    prefixMemo.set(distributionId, paths); // the Id is the model's, not the request's
  }
  const owned = ownString(prefix);
  paths.set(owned.slice(owned.length - path.length), owned);
  prefixMemoSize++;
  return owned;
}

// --- Accept-Encoding -------------------------------------------------------------------------

/**
 * Viewers send few distinct Accept-Encoding values, so the normalised form is memoised per
 * flag combination ('' = nothing keyed); the table is dropped when it grows past a bound.
 */
const ENCODING_MEMO_LIMIT = 512;
const encodingMemo = [new Map<string, string>(), new Map<string, string>(), new Map<string, string>()];

function acceptEncodingKey(raw: string | string[], gzip: boolean, br: boolean): string {
  const value = typeof raw === 'string' ? raw : raw.join(',');
  const memo = encodingMemo[(gzip ? 1 : 0) + (br ? 2 : 0) - 1];
  let encoding = memo.get(value);
  if (encoding === undefined) {
    encoding = normalizedAcceptEncoding(value, gzip, br) ?? '';
    if (memo.size >= ENCODING_MEMO_LIMIT) memo.clear();
    memo.set(ownString(value), encoding); // the value is a slice of the request head
  }
  return encoding;
}

// --- Cookies ---------------------------------------------------------------------------------

/** RFC 6265 cookie-name = token (RFC 9110 tchar), as forwardedCookies accepts. */
const TCHAR = new Uint8Array(128);
for (const ch of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
  TCHAR[ch.charCodeAt(0)] = 1;

function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

function selectsCookie(plan: KeyPlan, name: string): boolean {
  switch (plan.cookieMode) {
    case 'all':
      return true;
    case 'allExcept':
      return !plan.cookieNames.has(name);
    case 'whitelist':
      if (plan.cookieNames.has(name)) return true;
      for (const re of plan.cookiePatterns) if (re.test(name)) return true;
      return false;
    case 'none':
      return false;
  }
}

// Scratch space reused by every call: cacheKey is synchronous, so no two calls overlap.
const cookieNames: string[] = [];
const cookieValues: string[] = [];

/**
 * The selected cookies, parsed and trimmed exactly as `forwardedCookies` sends them, sorted by
 * name (stable: repeated names keep request order) — so cookie order never splits the cache.
 */
function cookieComponent(header: string | string[] | undefined, plan: KeyPlan): string {
  if (header === undefined) return '';
  cookieNames.length = 0;
  cookieValues.length = 0;
  if (typeof header === 'string') collectCookies(header, plan);
  else for (const line of header) collectCookies(line, plan);
  const count = cookieNames.length;
  if (count <= 32) insertionSort(count);
  else sortLarge(count);
  let out = '';
  for (let i = 0; i < count; i++) {
    const name = cookieNames[i];
    const value = cookieValues[i];
    out += name.length + ':' + name + value.length + ':' + value;
  }
  return out;
}

function collectCookies(line: string, plan: KeyPlan): void {
  let start = 0;
  const n = line.length;
  while (start < n) {
    let end = line.indexOf(';', start);
    if (end === -1) end = n;
    const eq = line.indexOf('=', start);
    if (eq > start && eq < end) {
      const name = line.slice(start, eq).trim();
      if (isToken(name) && selectsCookie(plan, name)) {
        cookieNames.push(name);
        cookieValues.push(line.slice(eq + 1, end).trim());
      }
    }
    start = end + 1;
  }
}

function insertionSort(count: number): void {
  for (let i = 1; i < count; i++) {
    const name = cookieNames[i];
    const value = cookieValues[i];
    let j = i - 1;
    while (j >= 0 && cookieNames[j] > name) {
      cookieNames[j + 1] = cookieNames[j];
      cookieValues[j + 1] = cookieValues[j];
      j--;
    }
    cookieNames[j + 1] = name;
    cookieValues[j + 1] = value;
  }
}

function sortLarge(count: number): void {
  const order = Array.from({ length: count }, (_, i) => i);
  order.sort((a, b) => (cookieNames[a] < cookieNames[b] ? -1 : cookieNames[a] > cookieNames[b] ? 1 : a - b));
  const names = order.map((i) => cookieNames[i]);
  const values = order.map((i) => cookieValues[i]);
  for (let i = 0; i < count; i++) {
    cookieNames[i] = names[i];
    cookieValues[i] = values[i];
  }
}

// --- Query strings ---------------------------------------------------------------------------

/**
 * The selected parameters, raw as sent, in request order (order-sensitive, §1.4: the key is
 * the subsequence of the request's parameters). `&` separates; `;` does not. Names are
 * matched percent-decoded, as forwardedQuery does.
 */
function selectedQuery(query: string, plan: KeyPlan): string {
  if (query === '') return '';
  const n = query.length;
  const except = plan.queryMode === 'allExcept';
  let out = '';
  let start = 0;
  while (start < n) {
    let end = query.indexOf('&', start);
    if (end === -1) end = n;
    if (end > start) {
      let nameEnd = start;
      while (nameEnd < end && query.charCodeAt(nameEnd) !== 0x3d) nameEnd++;
      const name = decodeName(query.slice(start, nameEnd));
      if (plan.queryNames.has(name) !== except) {
        out += out === '' ? query.slice(start, end) : '&' + query.slice(start, end);
      }
    }
    start = end + 1;
  }
  return out;
}
