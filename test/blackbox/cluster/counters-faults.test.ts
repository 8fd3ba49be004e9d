/**
 * RedisCounters when Redis fails: every call settles quickly with a CountersUnavailableError whose
 * reason says whether the count may have been added, nothing is queued for later, and counting
 * resumes when Redis is back. Each test has its own redis-server, crashed, frozen (SIGSTOP) and
 * restarted by PID.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type TestContext, test } from 'node:test';
import { Redis } from 'ioredis';
import { type CountersFailure, CountersUnavailableError } from '../../../src/cluster/counters.js';
import { COUNTERS_CLIENT_OPTIONS, RedisCounters } from '../../../src/cluster/counters-redis.js';
import { startRedis } from '../../helpers/redis-server.js';

const T0 = Date.UTC(2026, 0, 1);

async function setup(t: TestContext, timeoutMs = 5000) {
  const redis = await startRedis();
  const client = new Redis(redis.url, {
    ...COUNTERS_CLIENT_OPTIONS,
    lazyConnect: true,
    retryStrategy: () => 20,
  });
  client.on('error', () => {}); // reconnect errors are expected here
  t.after(async () => {
    client.disconnect();
    if (redis.pid > 0) process.kill(redis.pid, 'SIGCONT'); // a frozen server cannot take SIGTERM
    await redis.stop();
  });
  await client.connect();
  return { redis, client, counters: new RedisCounters({ client, timeoutMs }) };
}

/** Fails the test instead of waiting for ever when a call never settles. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function ready(client: Redis): Promise<void> {
  if (client.status !== 'ready') await once(client, 'ready', { signal: AbortSignal.timeout(10_000) });
}

function unavailable(...reasons: CountersFailure[]) {
  return (err: unknown) => {
    assert.ok(err instanceof CountersUnavailableError, `${err}`);
    assert.ok(reasons.includes(err.reason), `reason ${err.reason}, expected ${reasons.join(' or ')}`);
    assert.match(err.message, /^Redis counters unavailable: /);
    return true;
  };
}

test('Redis crashed: calls fail fast with CountersUnavailableError; restarted empty, counting starts over', async (t) => {
  const { redis, client, counters } = await setup(t);
  await counters.increment('k', 60, { nowMs: T0 });
  await redis.stop({ crash: true });
  await assert.rejects(
    counters.increment('k', 60, { nowMs: T0 }),
    unavailable('NotConnected', 'ConnectionLost'),
  );
  const whileDown = await within(
    10_000,
    Promise.allSettled(Array.from({ length: 50 }, () => counters.increment('k', 60, { nowMs: T0 }))),
  );
  for (const r of whileDown)
    assert.ok(r.status === 'rejected' && unavailable('NotConnected', 'ConnectionLost')(r.reason));
  await redis.restart();
  await ready(client);
  // The restarted server is empty: had any of the 51 calls been queued and replayed, this would exceed 1.
  assert.equal(await counters.increment('k', 60, { nowMs: T0 }), 1);
});

test("a client with ioredis's default options is refused: its offline queue would replay abandoned calls", () => {
  const client = new Redis({ lazyConnect: true });
  assert.throws(() => new RedisCounters({ client }), /enableOfflineQueue: false/);
  client.disconnect();
});

test('calls in flight when Redis dies settle as ConnectionLost, none left waiting', async (t) => {
  const { redis, client, counters } = await setup(t);
  process.kill(redis.pid, 'SIGSTOP'); // sent, but no reply until...
  const inFlight = Array.from({ length: 20 }, () =>
    counters.increment('k', 60, { nowMs: T0 }).catch((e) => e),
  );
  await new Promise((resolve) => client.stream.write('', resolve)); // the calls are on the wire
  await redis.stop({ crash: true }); // ...the server dies
  for (const result of await within(10_000, Promise.all(inFlight)))
    assert.ok(unavailable('ConnectionLost')(result));
});

test('a frozen Redis: no reply within timeoutMs is a Timeout, and the call may still count', async (t) => {
  const { redis, counters } = await setup(t, 200);
  assert.equal(await counters.increment('k', 60, { nowMs: T0 }), 1);
  process.kill(redis.pid, 'SIGSTOP');
  await assert.rejects(counters.increment('k', 60, { nowMs: T0 }), unavailable('Timeout'));
  process.kill(redis.pid, 'SIGCONT');
  // The abandoned call was already written: Redis ran it once it resumed, before this one.
  assert.equal(await counters.increment('k', 60, { nowMs: T0 }), 3);
});

test('a client that has not connected yet is refused at once, and not connected by the call', async (t) => {
  const { redis } = await setup(t);
  const idle = new Redis(redis.url, { ...COUNTERS_CLIENT_OPTIONS, lazyConnect: true });
  t.after(() => idle.disconnect());
  const counters = new RedisCounters({ client: idle });
  await assert.rejects(counters.increment('k', 60), unavailable('NotConnected'));
  assert.equal(idle.status, 'wait');
});

test('a Redis error reply (the key holds something else) is RedisError, with the reply as cause', async (t) => {
  const { client, counters } = await setup(t);
  await client.set(counters.redisKey('k', 60), 'not a hash');
  await assert.rejects(counters.increment('k', 60, { nowMs: T0 }), (err) => {
    assert.ok(unavailable('RedisError')(err));
    assert.match(String((err as Error).cause), /WRONGTYPE/);
    return true;
  });
});

test('a client that would keep calls for ever (maxRetriesPerRequest: null) is refused', () => {
  const client = new Redis({ lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: null });
  assert.throws(() => new RedisCounters({ client }), /maxRetriesPerRequest/);
  client.disconnect();
});
