/**
 * CloudFront path-pattern matching (reference/distribution.md §4.1):
 * `*` matches zero or more characters (crossing `/`), `?` exactly one; case-sensitive;
 * a leading `/` is optional and means the same; compared against the request path
 * without its query string. Compiled once at load; the common shapes (`/api/*`, `*.jpg`,
 * exact) avoid the regular expression on the hot path.
 */
export type PathMatcher = (path: string) => boolean;

export function compilePathPattern(pattern: string): PathMatcher {
  const p = normalizePattern(pattern);
  if (p === '/*') return () => true;
  const star = p.indexOf('*');
  const hasQuestion = p.includes('?');
  if (!hasQuestion) {
    if (star === -1) return (path) => path === p;
    if (star === p.length - 1 && p.indexOf('*') === star) {
      const prefix = p.slice(0, -1);
      return (path) => path.startsWith(prefix);
    }
    if (star === 1 && p.lastIndexOf('*') === 1) {
      const suffix = p.slice(2); // '/*.jpg' → '.jpg'
      return (path) => path.length >= suffix.length + 1 && path.endsWith(suffix);
    }
  }
  const re = new RegExp(
    `^${p
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    's',
  );
  return (path) => re.test(path);
}

/** `images/*.jpg` → `/images/*.jpg`; `&amp;` (as the API returns `&`) → `&`. */
export function normalizePattern(pattern: string): string {
  const p = pattern.replace(/&amp;/g, '&');
  return p.startsWith('/') ? p : `/${p}`;
}

/** Characters CloudFront accepts in a path pattern (and `&`). */
export const PATH_PATTERN_CHARS = /^[A-Za-z0-9_\-.*$/~"'@:+&?]*$/;
