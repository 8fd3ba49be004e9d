/**
 * `serve --redis` at start: a URL it cannot use is a usage error, and a node that cannot reach
 * Redis exits 1 naming the address instead of serving without knowing the shared state.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { runCli } from '../../helpers/edge-process.js';

/** A loopback port nothing listens on (taken, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

test('a node that cannot reach Redis exits 1 before listening, naming the address', async () => {
  const port = await closedPort();
  const { code, stdout, stderr } = await runCli(
    ['serve', '--redis', `redis://127.0.0.1:${port}`, '--port', '0', '--admin-port', '0'],
    { env: { EDGEFRONT_CLUSTER_START_TIMEOUT_MS: '300' } },
  );
  assert.equal(code, 1);
  assert.doesNotMatch(stdout, /listening/);
  assert.match(
    stderr,
    new RegExp(`cannot reach the standalone Redis at 127\\.0\\.0\\.1:${port} within 300 ms`),
  );
});

test('a --redis URL it cannot use, or a bad cluster setting, is a usage error that hides the password', async () => {
  const bad = await runCli(['serve', '--redis', 'redis+sentinel://:hunter2@s1:26379', '--port', '0']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /sentinel URL names the master/);
  assert.doesNotMatch(bad.stderr, /hunter2/);
  const window = await runCli(['serve', '--redis', 'redis://127.0.0.1:1', '--port', '0'], {
    env: { EDGEFRONT_CLUSTER_HEARTBEAT_MS: '5000', EDGEFRONT_CLUSTER_LIVENESS_MS: '1000' },
  });
  assert.equal(window.code, 1);
  assert.match(window.stderr, /EDGEFRONT_CLUSTER_LIVENESS_MS \(1000\) must be longer/);
});
