import assert from 'node:assert/strict';
import test from 'node:test';
import {
  canonicalHeaders,
  canonicalQueryString,
  canonicalUris,
  parseQuery,
} from '../../../src/control/auth/canonical-request.js';

// reference/control-api.md §4.1.
test('a path is encoded again on top of the wire encoding, with the single-encoded form as fallback', () => {
  assert.deepEqual(canonicalUris('/key-value-stores/arn%3Aaws%3Acloudfront%2Fx/keys/my%20key'), [
    '/key-value-stores/arn%253Aaws%253Acloudfront%252Fx/keys/my%2520key',
    '/key-value-stores/arn%3Aaws%3Acloudfront%2Fx/keys/my%20key',
  ]);
  assert.deepEqual(canonicalUris('/2020-05-31/distribution'), ['/2020-05-31/distribution']);
  assert.deepEqual(canonicalUris('/a:b'), ['/a%3Ab']);
});

test('paths are normalised like the SDK: empty and . segments dropped, .. pops, trailing slash kept', () => {
  assert.deepEqual(canonicalUris('/a//b/./c/../d/'), ['/a/b/d/']);
  assert.deepEqual(canonicalUris('/'), ['/']);
  assert.deepEqual(canonicalUris('/..'), ['/']);
});

test('the canonical query sorts by encoded name then value and re-encodes RFC 3986 style', () => {
  const query = parseQuery('b=2&a=z&a=y&c&d=%7e+&X-Amz-Signature=abc&e=%ff');
  assert.equal(canonicalQueryString(query), 'a=y&a=z&b=2&c=&d=~%2B&e=%FF');
  assert.equal(canonicalQueryString(parseQuery('')), '');
});

test('header values are trimmed, whitespace runs collapsed, repeats joined with a comma', () => {
  const headers = { host: ' h ', 'x-a': 'a \t  b\r\n c', 'x-b': [' 1 ', '2'], 'x-c': '\u00a0nbsp\u00a0' };
  assert.equal(
    canonicalHeaders(headers, ['host', 'x-a', 'x-b', 'x-c', 'x-missing']),
    'host:h\nx-a:a b c\nx-b:1,2\nx-c:\u00a0nbsp\u00a0\nx-missing:\n',
  );
  assert.equal(canonicalHeaders({ ':authority': 'h2' }, ['host']), 'host:h2\n');
});
