/**
 * The header records a cache hit is served with (src/edge/copy-headers.ts): a copy made by a
 * constructor, for its allocation, must still behave as the plain object every later phase
 * (viewer-response functions, Lambda@Edge, logs, HTTP/2) treats it as.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { copyHeaders, copyHitHeaders } from '../../../src/edge/copy-headers.js';

const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
const headerValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
);

test('a hit record has the stored headers, in their order, as own enumerable properties', () => {
  fc.assert(
    fc.property(fc.dictionary(headerName, headerValue, { maxKeys: 20 }), (stored) => {
      const hit = copyHitHeaders(stored);
      assert.deepEqual(Object.keys(hit), Object.keys(stored));
      assert.equal(JSON.stringify(hit), JSON.stringify(stored));
      const enumerated: string[] = [];
      for (const name in hit) enumerated.push(name);
      assert.deepEqual(enumerated, Object.keys(stored)); // nothing inherited shows up
      assert.deepEqual({ ...hit }, copyHeaders(stored));
    }),
  );
});

test('a hit record is a copy: what a hit adds or removes never reaches the stored headers', () => {
  const stored: Readonly<Record<string, string>> = Object.freeze({
    'content-type': 'text/plain',
    etag: '"a"',
  });
  const hit = copyHitHeaders(stored);
  hit.age = '3';
  hit['x-cache'] = 'Hit from cloudfront';
  delete hit.etag;
  assert.deepEqual(Object.keys(stored), ['content-type', 'etag']);
  assert.deepEqual(Object.keys(hit), ['content-type', 'age', 'x-cache']);
});

test('records of different sizes and orders stay independent and complete', () => {
  // Past V8's slack tracking (sized from the first few records), bigger records still hold all.
  const small = copyHitHeaders({ a: '1' });
  const names = Array.from({ length: 40 }, (_, i) => `h${i}`);
  const big = copyHitHeaders(Object.fromEntries(names.map((n) => [n, n.toUpperCase()])));
  for (const extra of ['age', 'content-length', 'via', 'x-cache', 'x-amz-cf-pop', 'x-amz-cf-id'])
    big[extra] = extra;
  assert.deepEqual(Object.keys(small), ['a']);
  assert.equal(Object.keys(big).length, 46);
  assert.equal(big.h39, 'H39');
});
