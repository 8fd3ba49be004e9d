/** The cluster suites' test partner: a real redis-server that can be crashed and restarted empty. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedis } from '../../helpers/redis-server.js';

test('startRedis runs a real redis-server that loses its data on a crash and restart', async () => {
  const redis = await startRedis();
  after(() => redis.stop());
  const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  after(() => client.disconnect());
  await client.connect();
  await client.set('k', 'v');
  assert.equal(await client.get('k'), 'v');
  await redis.stop({ crash: true });
  await redis.restart();
  assert.equal(await client.get('k'), null); // the client reconnects; the new server is empty
});
