/**
 * The path CloudFront matches cache behaviors against (reference/distribution.md §4.1): "CloudFront
 * normalizes URI paths consistent with RFC 3986 and then matches the path with the correct cache
 * behavior"; once matched it "sends the raw URI path to the origin", and multiple slashes and `..`
 * are named among what is "normalized and removed" (Developer Guide, Cache behavior settings, Path
 * normalization). So only behavior matching uses this form: functions, the cache key and the
 * origin keep the path as the viewer sent it. In RFC 3986 §6.2.2's order:
 * 1. percent-encoding: an escaped unreserved character (`A-Z a-z 0-9 - . _ ~`) is decoded, so
 *    `%2e%2e` is a `..` segment and `/%70rivate/` is `/private/`; other escapes keep their meaning
 *    (`%2F` is not a separator, `%25` not a `%`), with upper-case hex digits; a `%` that starts
 *    no escape is `%25`. One pass: `%252e` stays `%252E`, never `.`.
 * 2. path segments: `.` and `..` are resolved as §5.2.4 does (never above the root) and empty
 *    segments dropped, so `//` is `/`; a path ending in `/`, `.` or `..` ends in `/`.
 * [undocumented] Whether CloudFront merges slashes before or after resolving `..` (`/a//../b`:
 * `/b` here, `/a/b` by §5.2.4 alone); here empty segments are dropped first, as nginx does.
 */

/** Anything to normalise: an escape, an empty segment, or a `.`/`..` segment. */
const NEEDS_WORK = /%|\/\/|\/\.\.?(?:\/|$)/;
const ESCAPE = /%([0-9A-Fa-f]{2})?/g;
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** `path` as CloudFront matches it; the same string (no copy) when it is already normal. */
export function normalizePath(path: string): string {
  if (path.charCodeAt(0) !== 47 /* / */ || !NEEDS_WORK.test(path)) return path;
  return removeDotSegments(path.includes('%') ? normalizeEscapes(path) : path);
}

function normalizeEscapes(path: string): string {
  return path.replace(ESCAPE, (_escape, hex: string | undefined) => {
    if (hex === undefined) return '%25';
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

/** `path` starts with `/`. */
function removeDotSegments(path: string): string {
  const segments = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i];
    if (segment === '..') out.pop();
    else if (segment !== '.' && segment !== '') out.push(segment);
  }
  const last = segments[segments.length - 1];
  const trailingSlash = out.length > 0 && (last === '' || last === '.' || last === '..');
  return `/${out.join('/')}${trailingSlash ? '/' : ''}`;
}
