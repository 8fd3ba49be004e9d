/** KeyValueStore import files and limits (reference §4.4.1, §5; control-api.md KVS import). */
import assert from 'node:assert/strict';
import test from 'node:test';
import {
  KeyValueStore,
  KeyValueStoreError,
  KVS_MAX_KEY_BYTES,
  KVS_MAX_TOTAL_BYTES,
  KVS_MAX_VALUE_BYTES,
  parseKeyValueStoreImport,
} from '../../../../src/functions/cloudfront/index.js';

const importFile = (data: { key: unknown; value: unknown }[]) => JSON.stringify({ data });

function refused(input: unknown, code: KeyValueStoreError['code'], message: RegExp) {
  assert.throws(
    () => parseKeyValueStoreImport(input),
    (e: unknown) => e instanceof KeyValueStoreError && e.code === code && message.test(e.message),
  );
}

test('the import format loads into a store a function reads', () => {
  const store = KeyValueStore.fromImport(
    importFile([
      { key: 'a', value: '1' },
      { key: 'b', value: '{"x":2}' },
    ]),
  );
  assert.equal(store.get('a'), '1');
  assert.equal(store.get('b'), '{"x":2}');
  assert.equal(store.get('c'), undefined);
  assert.equal(store.meta().keyCount, 2);
  assert.deepEqual([...parseKeyValueStoreImport({ data: [] })], []);
});

test('keys over 512 bytes and values over 1 KB are refused, naming the key', () => {
  const longKey = 'k'.repeat(KVS_MAX_KEY_BYTES + 1);
  refused(
    importFile([{ key: longKey, value: 'v' }]),
    'EntitySizeLimitExceeded',
    /key "k+": key is 513 bytes; the limit is 512/,
  );
  refused(
    importFile([{ key: 'big', value: 'é'.repeat(KVS_MAX_VALUE_BYTES / 2 + 1) }]),
    'EntitySizeLimitExceeded',
    /key "big": value is 1026 bytes; the limit is 1024/,
  );
  parseKeyValueStoreImport(
    importFile([{ key: 'k'.repeat(KVS_MAX_KEY_BYTES), value: 'v'.repeat(KVS_MAX_VALUE_BYTES) }]),
  );
});

test('a store over 5 MB in total is refused', () => {
  const data = [];
  for (let i = 0; i * 1030 <= KVS_MAX_TOTAL_BYTES; i++)
    data.push({ key: `key-${i}`.padEnd(6, '-'), value: 'v'.repeat(1024) });
  refused(importFile(data), 'EntitySizeLimitExceeded', /the limit is 5242880/);
});

test('malformed imports: not JSON, no data array, non-string keys or values, duplicate keys; every issue listed', () => {
  refused('{', 'InvalidArgument', /not JSON/);
  refused('{"items":[]}', 'InvalidArgument', /expected \{"data"/);
  try {
    parseKeyValueStoreImport(
      importFile([
        { key: '', value: 'a' },
        { key: 'n', value: 5 },
        { key: 'd', value: '1' },
        { key: 'd', value: '2' },
      ]),
    );
    assert.fail('expected KeyValueStoreError');
  } catch (e) {
    assert.ok(e instanceof KeyValueStoreError);
    assert.deepEqual(
      e.issues.map((i) => i.message),
      ['data[0].key must be a non-empty string', 'value must be a string', 'appears more than once'],
    );
    assert.deepEqual(
      e.issues.map((i) => i.key),
      [undefined, 'n', 'd'],
    );
  }
});

test('replace swaps all data at once and updates lastUpdatedDateTime', () => {
  let now = Date.UTC(2025, 0, 1);
  const store = new KeyValueStore([['a', '1']], 'id', () => now);
  now += 1000;
  store.replace([['b', '2']]);
  assert.equal(store.get('a'), undefined);
  assert.equal(store.get('b'), '2');
  assert.deepEqual(store.meta(), {
    creationDateTime: '2025-01-01T00:00:00.000Z',
    lastUpdatedDateTime: '2025-01-01T00:00:01.000Z',
    keyCount: 1,
  });
});
