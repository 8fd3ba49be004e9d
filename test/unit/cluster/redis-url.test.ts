/** `serve --redis URL` forms (src/cluster/redis-url.ts) and the one hash tag every key shares. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRedisUrl } from '../../../src/cluster/redis-url.js';
import { clusterKeys } from '../../../src/cluster/scripts.js';
import { UsageError } from '../../../src/errors.js';

test('standalone, TLS, credentials, database and the default per-account prefix', () => {
  assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6380', '111122223333'), {
    topology: 'standalone',
    nodes: [{ host: '127.0.0.1', port: 6380 }],
    tls: false,
    username: undefined,
    password: undefined,
    db: undefined,
    masterName: undefined,
    prefix: 'edgefront:111122223333',
  });
  const tls = parseRedisUrl('rediss://user:p%40ss@cache.example:6379/2?prefix=edge-eu', '1');
  assert.equal(tls.tls, true);
  assert.equal(tls.username, 'user');
  assert.equal(tls.password, 'p@ss');
  assert.equal(tls.db, 2);
  assert.equal(tls.prefix, 'edge-eu');
  assert.equal(parseRedisUrl('redis://:secret@h', '1').password, 'secret');
  assert.equal(parseRedisUrl('redis://h', '1').nodes[0].port, 6379);
});

test('Redis Cluster from seed nodes, Sentinel by master name', () => {
  const cluster = parseRedisUrl('redis+cluster://a:7000,b:7001,[::1]:7002', '1');
  assert.equal(cluster.topology, 'cluster');
  assert.deepEqual(cluster.nodes, [
    { host: 'a', port: 7000 },
    { host: 'b', port: 7001 },
    { host: '::1', port: 7002 },
  ]);
  const sentinel = parseRedisUrl('rediss+sentinel://s1,s2:26380/mymaster/1', '1');
  assert.equal(sentinel.topology, 'sentinel');
  assert.equal(sentinel.tls, true);
  assert.equal(sentinel.masterName, 'mymaster');
  assert.equal(sentinel.db, 1);
  assert.deepEqual(sentinel.nodes, [
    { host: 's1', port: 26379 },
    { host: 's2', port: 26380 },
  ]);
});

test('what is refused, without the password in the message', () => {
  for (const bad of [
    'http://h:1',
    'redis://a:1,b:2',
    'redis+sentinel://s:1',
    'redis+cluster://a:1/3',
    'redis://h:99999',
    'redis://h/x',
    'redis://h?pfx=a',
    'redis://h?prefix=has{brace}',
  ]) {
    assert.throws(() => parseRedisUrl(bad, '1'), UsageError, bad);
  }
  assert.throws(
    () => parseRedisUrl('http://user:hunter2@h', '1'),
    (err: Error) => !err.message.includes('hunter2'),
  );
});

test('every key carries the same hash tag, so each script runs on one Redis Cluster slot', () => {
  const keys = Object.values(clusterKeys('edgefront:1'));
  for (const key of keys) assert.ok(key.startsWith('{edgefront:1}:'), key);
  assert.equal(new Set(keys).size, keys.length);
});
