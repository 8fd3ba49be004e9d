/**
 * The path CloudFront matches cache behaviors against (issue #6): RFC 3986 normalisation of a
 * raw request path, with CloudFront's removal of multiple slashes. The wire-level proof that a
 * behavior is chosen by it is test/blackbox/security/path-normalization.test.ts.
 */
import assert from 'node:assert/strict';
import { posix } from 'node:path';
import test from 'node:test';
import fc from 'fast-check';
import { normalizePath } from '../../../src/edge/normalize-path.js';

const CASES: [raw: string, normal: string][] = [
  // already normal: returned as is
  ['/', '/'],
  ['/a/b.jpg', '/a/b.jpg'],
  ['/a/b/', '/a/b/'],
  ['/a.b/..c/...', '/a.b/..c/...'],
  ['/.well-known/x', '/.well-known/x'],
  // RFC 3986 §5.2.4's examples, rooted
  ['/a/b/c/./../../g', '/a/g'],
  ['/mid/content=5/../6', '/mid/6'],
  // dot segments: resolved, never above the root, a trailing one leaves a `/`
  ['/public/../private/x', '/private/x'],
  ['/public/./../private/x', '/private/x'],
  ['/../../etc/passwd', '/etc/passwd'],
  ['/..', '/'],
  ['/.', '/'],
  ['/a/b/..', '/a/'],
  ['/a/b/.', '/a/b/'],
  ['/a/..', '/'],
  // multiple slashes are one (CloudFront: "normalized and removed")
  ['//private/x', '/private/x'],
  ['/a//b///c', '/a/b/c'],
  ['/a//', '/a/'],
  ['//', '/'],
  ['/a//../b', '/b'],
  // escaped unreserved characters are the characters, so escaped dots are dot segments
  ['/public/%2e%2e/private/x', '/private/x'],
  ['/public/%2E%2e/private/x', '/private/x'],
  ['/public/.%2E/private/x', '/private/x'],
  ['/public/%2e/../private/x', '/private/x'],
  ['/%70rivate/%7Euser/a%2Db%5Fc', '/private/~user/a-b_c'],
  // other escapes keep their meaning: %2F is no separator, %25 no `%`; hex in upper case
  ['/public/..%2fprivate/x', '/public/..%2Fprivate/x'],
  ['/public%2F..%2Fprivate/x', '/public%2F..%2Fprivate/x'],
  ['/a%20b/%c3%a9', '/a%20b/%C3%A9'],
  ['/%252e%252e/x', '/%252e%252e/x'],
  // a `%` that starts no escape is one
  ['/100%/x', '/100%25/x'],
  ['/a%zz', '/a%25zz'],
  ['/%%35%34', '/%2554'],
  // not a path: left alone (viewer-request refuses it)
  ['*', '*'],
];

for (const [raw, normal] of CASES) {
  test(`${raw} is matched as ${normal}`, () => {
    assert.equal(normalizePath(raw), normal);
  });
}

/** Paths made of the pieces that change under normalisation, and plain ones. */
const segment = fc.oneof(
  fc.constantFrom('', '.', '..', '%2e', '%2E%2e', '.%2e', '%2e.', '...', 'a', 'public', 'private'),
  fc.constantFrom('%2f', '%2F..', '%', '%z', '%25', '%252e', '%41', '%7e', '%C3%A9', '%c3'),
  fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@%-]{0,8}$/),
);
const rawPath = fc.array(segment, { maxLength: 10 }).map((segments) => `/${segments.join('/')}`);

test('a normalised path starts with /, has no empty, . or .. segment, and normalises to itself', () => {
  fc.assert(
    fc.property(rawPath, (raw) => {
      const normal = normalizePath(raw);
      assert.ok(normal.startsWith('/'), normal);
      const segments = normal.slice(1).split('/');
      segments.forEach((s, i) => {
        assert.ok(s !== '.' && s !== '..', `${raw} → ${normal}`);
        assert.ok(s !== '' || i === segments.length - 1, `${raw} → ${normal}`);
      });
      assert.equal(normalizePath(normal), normal, raw);
    }),
    { numRuns: 5000 },
  );
});

/** An independent reading of the same rules: decode the unreserved escapes, then POSIX path rules. */
function model(raw: string): string {
  const decoded = raw.replace(/%([0-9A-Fa-f]{2})/g, (encoded, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(char) ? char : encoded;
  });
  const resolved = posix.normalize(decoded);
  // POSIX drops the slash a trailing dot segment leaves (`/a/b/..` → `/a`); RFC 3986 keeps it.
  return resolved !== '/' && /\/\.\.?$/.test(decoded) ? `${resolved}/` : resolved;
}

test('dot segments and slashes resolve as POSIX paths do, after the unreserved escapes are decoded', () => {
  fc.assert(
    fc.property(rawPath, (raw) => {
      // The model neither upper-cases other escapes nor encodes a stray `%`: compare without them.
      const normal = normalizePath(raw).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
      const expected = model(raw).replace(/%[0-9A-Fa-f]{2}/g, (e) => e.toLowerCase());
      if (/%(?![0-9A-Fa-f]{2})/.test(raw)) return; // stray `%`: covered by the cases above
      assert.equal(normal, expected, raw);
    }),
    { numRuns: 5000 },
  );
});

test('a path without escapes, empty or dot segments is returned as the same string', () => {
  fc.assert(
    fc.property(
      fc.array(fc.stringMatching(/^[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,6}$/), { maxLength: 6 }),
      fc.boolean(),
      (segments, slash) => {
        const raw = `/${segments.join('/')}${slash && segments.length > 0 ? '/' : ''}`;
        assert.equal(normalizePath(raw), raw);
      },
    ),
  );
});
