import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { compilePathPattern } from '../../../src/model/path-pattern.js';

// Documented cases: reference/distribution.md §4.1.
const CASES: [pattern: string, path: string, matches: boolean][] = [
  ['images/*.jpg', '/images/logo.jpg', true],
  ['images/*.jpg', '/images/2024/deep/logo.jpg', true], // * crosses /
  ['images/*.jpg', '/images/logo.JPG', false], // case-sensitive
  ['*.jpg', '/LOGO.JPG', false],
  ['*.jpg', '/a/b/c.jpg', true],
  ['a??.jpg', '/abc.jpg', true],
  ['a??.jpg', '/ab.jpg', false],
  ['a??.jpg', '/abcd.jpg', false],
  ['*.doc*', '/x.doc', true],
  ['*.doc*', '/x.docx', true],
  ['*.doc*', '/x.docm', true],
  ['*.doc?', '/x.doc', false],
  ['/api/*', '/api/users', true],
  ['/api/*', '/api/', true],
  ['/api/*', '/api', false],
  ['api/*', '/api/users', true], // leading slash optional
  ['/exact.html', '/exact.html', true],
  ['/exact.html', '/exact.htm', false],
  ['*', '/anything/at/all', true],
  ['/a.b', '/aXb', false], // . is literal
  ['/q&amp;a/*', '/q&a/x', true],
  ['/$special+(x)', '/$special+(x)', true],
];

for (const [pattern, path, expected] of CASES) {
  test(`path pattern ${pattern} ${expected ? 'matches' : 'does not match'} ${path}`, () => {
    assert.equal(compilePathPattern(pattern)(path), expected);
  });
}

/** A reference matcher written independently: classic wildcard DP over characters. */
function referenceMatch(pattern: string, path: string): boolean {
  const p = pattern.startsWith('/') ? pattern : `/${pattern}`;
  const dp: boolean[][] = Array.from({ length: p.length + 1 }, () => Array(path.length + 1).fill(false));
  dp[0][0] = true;
  for (let i = 1; i <= p.length; i++) {
    if (p[i - 1] === '*') dp[i][0] = dp[i - 1][0];
    for (let j = 1; j <= path.length; j++) {
      if (p[i - 1] === '*') dp[i][j] = dp[i - 1][j] || dp[i][j - 1];
      else if (p[i - 1] === '?' || p[i - 1] === path[j - 1]) dp[i][j] = dp[i - 1][j - 1];
    }
  }
  return dp[p.length][path.length];
}

test('compiled patterns agree with a reference wildcard matcher on random patterns and paths', () => {
  const alphabet = fc.constantFrom('a', 'b', '/', '.', '*', '?', 'A');
  const pathChars = fc.constantFrom('a', 'b', '/', '.', 'A', 'x');
  fc.assert(
    fc.property(fc.array(alphabet, { maxLength: 8 }), fc.array(pathChars, { maxLength: 10 }), (pc, sc) => {
      const pattern = pc.join('');
      const path = `/${sc.join('')}`;
      assert.equal(compilePathPattern(pattern)(path), referenceMatch(pattern, path), `${pattern} vs ${path}`);
    }),
    { numRuns: 3000 },
  );
});
