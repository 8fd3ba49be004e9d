/**
 * Strings kept past their request (src/own-string.ts): a cache entry's key and path, a memo's
 * keys. Equal to the original, never holding the request's whole head.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { ownString } from '../../src/own-string.js';

/** Any UTF-16 code unit, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

test('ownString returns an equal string for any string, lone surrogates included', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: codeUnit })), (s) => {
      assert.equal(ownString(s), s);
    }),
  );
  assert.equal(ownString('\ud800x'), '\ud800x');
});

test('a key kept with ownString does not keep the request head it was sliced from', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const measure = (keep: (key: string) => string): number => {
    const kept: string[] = [];
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1000; i++) {
      // As the engine builds a key: a path sliced from a 19 KB head, joined into the key.
      const head = `GET /some/long/path/number/${i} HTTP/1.1\r\nHost: a\r\nCookie: ${'x'.repeat(19_000)}${i}`;
      const path = head.slice(4, head.indexOf(' HTTP/'));
      kept.push(keep(`E1KEY\n${path.length}:${path}`));
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    assert.equal(kept.length, 1000);
    return grown;
  };
  const sliced = measure((key) => key);
  const owned = measure(ownString);
  // 1,000 heads are ~19 MB: kept as built, the keys hold them; owned, ~100 KB of keys remain.
  assert.ok(sliced > 10e6, `the unowned keys held ${sliced} bytes (the premise)`);
  assert.ok(owned < 4e6, `owned keys held ${owned} bytes`);
});
