/** RedisCounters against a real redis-server: the conformance suite, Redis's clock, key layout and expiry. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { ManualClock } from '../../../src/clock.js';
import { COUNTERS_CLIENT_OPTIONS, RedisCounters } from '../../../src/cluster/counters-redis.js';
import { type RedisProcess, startRedis } from '../../helpers/redis-server.js';
import { countersSuite } from '../../unit/cluster/counters-suite.js';

let redis: RedisProcess;
let client: Redis;
let prefixes = 0;
const freshPrefix = () => `test${++prefixes}:`;

before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url, { ...COUNTERS_CLIENT_OPTIONS, lazyConnect: true });
  await client.connect();
});
after(async () => {
  client?.disconnect();
  await redis?.stop();
});

countersSuite(
  'RedisCounters',
  (_t, options) => new RedisCounters({ client, prefix: freshPrefix(), ...options }),
  { propertyRuns: 60 },
);

const T0 = Date.UTC(2026, 0, 1);

async function serverNowMs(): Promise<number> {
  const [seconds, micros] = await client.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

test("without a time or clock, counts land in the Redis server's clock, the same for every node", async () => {
  const prefix = freshPrefix();
  const other = new Redis(redis.url, { ...COUNTERS_CLIENT_OPTIONS, lazyConnect: true });
  after(() => other.disconnect());
  await other.connect();
  const nodeA = new RedisCounters({ client, prefix });
  const nodeB = new RedisCounters({ client: other, prefix });
  const before = await serverNowMs();
  assert.equal(await nodeA.increment('k', 600), 1);
  assert.equal(await nodeB.increment('k', 600), 2);
  const afterMs = await serverNowMs();
  assert.equal(await nodeA.peek('k', 600, { nowMs: afterMs }), 2, 'counted at the server time');
  assert.equal(
    await nodeA.peek('k', 600, { nowMs: before + 660_000 + 60_000 }),
    0,
    'and gone a window later',
  );
  const skewed = new RedisCounters({ client, prefix, clock: new ManualClock(Date.UTC(2001, 0, 1)) });
  assert.equal(
    await skewed.peek('k', 600),
    0,
    'a configured clock is used instead: in 2001 nothing was counted',
  );
  assert.equal(await skewed.increment('k', 600), 1);
  assert.equal(await nodeB.peek('k', 600), 2, "the server-time count is not disturbed by 2001's bucket");
});

test('each counter is one hash whose key expires when its newest bucket leaves the window', async () => {
  const prefix = freshPrefix();
  const counters = new RedisCounters({ client, prefix, buckets: 10 });
  const key = counters.redisKey('198.51.100.7', 300);
  assert.equal(key, `${prefix}{198.51.100.7}:300`);
  assert.equal(await counters.peek('198.51.100.7', 300, { nowMs: T0 }), 0);
  assert.equal(await client.exists(key), 0, 'a peek creates nothing');
  for (let i = 0; i < 40; i++) await counters.increment('198.51.100.7', 300, { nowMs: T0 + i * 20_000 });
  assert.equal(await client.type(key), 'hash');
  assert.ok((await client.hlen(key)) <= 11, 'buckets older than the window are deleted: at most N+1 remain');
  const last = T0 + 39 * 20_000; // 30 s into the 26th bucket (30 s buckets): TTL = 0 s left of it + 300 s
  const ttl = await client.pttl(key);
  const expected = (Math.floor(last / 30_000) + 1) * 30_000 + 300_000 - last;
  assert.ok(ttl <= expected && ttl > expected - 5_000, `pttl ${ttl} ≈ ${expected}`);
  await counters.increment('other', 60, { nowMs: T0 });
  for (const k of await client.keys(`${prefix}*`)) assert.ok((await client.pttl(k)) > 0, `${k} expires`);
});

test('a key with braces is escaped, so a viewer-supplied value cannot pick the cluster slot', () => {
  const counters = new RedisCounters({ client, prefix: 'p:' });
  assert.equal(counters.redisKey('a{b}c%', 60), 'p:{a%7Bb%7Dc%25}:60');
  assert.throws(() => new RedisCounters({ client, prefix: 'p{x}:' }), /braces/);
});

test('after SCRIPT FLUSH the script is sent again (EVALSHA falls back on NOSCRIPT) and counts go on', async () => {
  const counters = new RedisCounters({ client, prefix: freshPrefix() });
  assert.equal(await counters.increment('k', 60, { nowMs: T0 }), 1);
  await client.script('FLUSH');
  assert.equal(await counters.increment('k', 60, { nowMs: T0 }), 2);
});
