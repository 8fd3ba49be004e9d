import assert from 'node:assert/strict';
import test from 'node:test';
import { appendHeader } from '../../../src/edge/http1/response-head.js';

test('response headers: one line per value, and nothing that could split the response', () => {
  assert.equal(appendHeader('', 'x-a', 'b'), 'x-a: b\r\n');
  assert.equal(appendHeader('', 'set-cookie', ['a=1', 'b=2']), 'set-cookie: a=1\r\nset-cookie: b=2\r\n');
  for (const value of ['a\r\nx-injected: 1', 'a\nb', 'a\rb', 'a\u0000b'])
    assert.throws(() => appendHeader('', 'x-a', value), /invalid characters/, JSON.stringify(value));
  assert.throws(() => appendHeader('', 'x-a', ['ok', 'bad\r\nx: y']), /invalid characters/);
  for (const name of ['bad name', 'x-a\r\nx-b', 'x:y', ''])
    assert.throws(() => appendHeader('', name, 'v'), /invalid response header name/, JSON.stringify(name));
});
