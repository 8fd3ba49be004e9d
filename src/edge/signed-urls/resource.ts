/**
 * A custom policy's `Resource` against the requested URL (distribution.md §10). `*` matches zero
 * or more characters and `?` exactly one, within one section of `scheme://domain/path?query`:
 * a `*` never runs from the domain into the path or from the path into the query, so
 * `https://d.example/*.jpg` does not grant `/secret.pdf?x=.jpg`. CloudFront's exceptions:
 * - a `*` that ends the Resource matches the rest of the URL, whatever its sections (`/hello*`
 *   also grants `/hello?x=1`; `http://*` grants every http URL; `"*"` grants everything);
 * - a Resource without a scheme that starts with `*` has the scheme `*`.
 * [undocumented] A `?` in the path part may also match the `?` that starts the query, so
 * `https://d.example/a.jpg?size=large` matches that URL literally and `a??.jpg` still works.
 * [undocumented] Which form of the path a Resource is compared with. Here a Resource must match
 * the URL as requested, and a Resource with a `*` must also match it with its path normalised as
 * for behavior matching (`../normalize-path.ts`): a policy for `/public/*` never grants
 * `/public/../private/x`, which the `/private/*` behavior judges and an origin that resolves `..`
 * serves as `/private/x`. A Resource without `*` names the one URL its signer signed, dot
 * segments and all (as a canned policy does), and grants it.
 */
import { normalizePath } from '../normalize-path.js';

/** Positions in `url` of its section delimiters: the `://`, the `/` of the path, the `?` of the query. */
interface Sections {
  schemeEnd: number;
  pathStart: number;
  queryStart: number;
}

function sectionsOf(url: string): Sections {
  const schemeEnd = url.indexOf('://');
  const pathStart = url.indexOf('/', schemeEnd + 3);
  return { schemeEnd, pathStart, queryStart: url.indexOf('?', pathStart) };
}

/** `url` is `scheme://host/path[?query]`, as built from the viewer's request. */
export function matchesResource(resource: string, url: string): boolean {
  if (!matchesUrl(resource, url)) return false;
  if (!resource.includes('*')) return true;
  const s = sectionsOf(url);
  if (s.pathStart === -1) return true;
  const end = s.queryStart === -1 ? url.length : s.queryStart;
  const path = url.slice(s.pathStart, end);
  const normal = normalizePath(path);
  return normal === path || matchesUrl(resource, url.slice(0, s.pathStart) + normal + url.slice(end));
}

function matchesUrl(resource: string, url: string): boolean {
  let pattern = resource;
  if (!pattern.includes('://')) {
    if (!pattern.startsWith('*')) return false;
    pattern = `*://${pattern}`;
  }
  const s = sectionsOf(url);
  const isDelimiter = (k: number) =>
    (k >= s.schemeEnd && k < s.schemeEnd + 3) || k === s.pathStart || k === s.queryStart;
  // Glob matching by rows: prev[j] ⇔ the pattern so far matches url[0, j). O(pattern × url),
  // so a Resource with many `*` costs no backtracking.
  let prev = new Uint8Array(url.length + 1);
  prev[0] = 1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && i === pattern.length - 1) return prev.includes(1);
    const row = new Uint8Array(url.length + 1);
    for (let j = 0; j <= url.length; j++) {
      if (c === '*') row[j] = prev[j] || (j > 0 && row[j - 1] && !isDelimiter(j - 1)) ? 1 : 0;
      else if (j === 0) continue;
      else if (c === '?') row[j] = prev[j - 1] && (!isDelimiter(j - 1) || j - 1 === s.queryStart) ? 1 : 0;
      else row[j] = prev[j - 1] && url[j - 1] === c ? 1 : 0;
    }
    prev = row;
  }
  return prev[url.length] === 1;
}
