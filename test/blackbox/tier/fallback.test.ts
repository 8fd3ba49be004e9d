/**
 * A regional tier that is down, or that refuses a child's requests, costs nothing but the
 * detour: misses go to the origin, as CloudFront falls back when a REC cannot be reached.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import test from 'node:test';
import { tempDir } from '../../helpers/config.js';
import { startOrigin } from '../../helpers/origin.js';
import { startNode, writeTierConfig } from './tier-config.js';

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('a parent that is down: misses go to the origin, and the node says why', async (t) => {
  const origin = await startOrigin();
  const tmp = await tempDir();
  t.after(() => Promise.all([origin.close(), tmp.remove()]));
  const config = await writeTierConfig(tmp.dir, origin.port);
  const edge = await startNode(config, 'EDG50-C1', ['--parent', `http://127.0.0.1:${await closedPort()}`]);
  t.after(() => edge.close());
  const res = await fetch(edge.url('/down'));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-cache'), 'Miss from cloudfront');
  assert.equal(await res.text(), 'origin saw GET /down');
  assert.equal(origin.hits, 1);
  const hit = await fetch(edge.url('/down'));
  assert.equal(hit.headers.get('x-cache'), 'Hit from cloudfront');
  await hit.text();
  assert.equal(origin.hits, 1);
  assert.match(edge.stderr(), /tier http:\/\/127\.0\.0\.1:\d+ cannot be reached/);
});

test('a parent with another secret refuses the marker: misses go to the origin', async (t) => {
  const origin = await startOrigin();
  const tmp = await tempDir();
  t.after(() => Promise.all([origin.close(), tmp.remove()]));
  const config = await writeTierConfig(tmp.dir, origin.port);
  const parent = await startNode(config, 'REC50-C1', [], 'another-secret');
  t.after(() => parent.close());
  const edge = await startNode(config, 'EDG50-C1', ['--parent', parent.http.href]);
  t.after(() => edge.close());
  const res = await fetch(edge.url('/refused'));
  assert.equal(res.headers.get('x-cache'), 'Miss from cloudfront');
  assert.equal(await res.text(), 'origin saw GET /refused');
  assert.match(edge.stderr(), /refused the request/);
});

test('--parent without EDGEFRONT_TIER_SECRET is refused at startup', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.remove());
  const config = await writeTierConfig(tmp.dir, 1);
  await assert.rejects(
    startNode(config, 'EDG50-C1', ['--parent', 'http://127.0.0.1:1'], null),
    /EDGEFRONT_TIER_SECRET/,
  );
});
