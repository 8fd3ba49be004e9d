/**
 * `edgefront invalidate` against a real `edgefront serve`: it creates the invalidation through
 * the control API, waits until Completed, and the purged object is a Miss afterwards; `--json`
 * prints the API's Invalidation object; API errors exit 1 with CloudFront's code and message and
 * leave no invalidation behind; the wait is bounded by --timeout. `--tag` does the same through
 * edgefront's tag-invalidation API (signed requests, its JSON object under --json).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { distributionOver, tempDir, writeYaml } from '../../helpers/config.js';
import { startApiEdge, TEST_CREDENTIALS } from '../../helpers/control-api.js';
import { runCli, startEdgeProcess } from '../../helpers/edge-process.js';
import { startOrigin } from '../../helpers/origin.js';
import { getTagInvalidation, taggingOrigin } from '../../helpers/tag-invalidation.js';

const DIST = 'E1CLIINVAL';
const KEYS = {
  EDGEFRONT_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  EDGEFRONT_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
};

async function setup(t: { after(fn: () => unknown): void }, { tagging = false } = {}) {
  // Cacheable: max-age=60; with `tagging`, `/tagged/TAG/…` carries `Cache-Tag: TAG, tagged`.
  const origin = await startOrigin(tagging ? taggingOrigin : undefined);
  const dir = await tempDir();
  const config = await writeYaml(dir.dir, 'edgefront.yaml', {
    Distributions: [distributionOver(DIST, origin.port, [])],
  });
  const api = await startApiEdge(['--config', config]);
  t.after(async () => {
    await api.edge.close();
    await origin.close();
    await dir.remove();
  });
  const endpoint = (api.edge.admin as URL).href;
  const invalidate = (args: string[], env: NodeJS.ProcessEnv = KEYS) =>
    runCli(['invalidate', '--endpoint', endpoint, ...args], { env });
  const invalidations = async () =>
    (await api.cf.send(new ListInvalidationsCommand({ DistributionId: DIST }))).InvalidationList;
  return { origin, api, dir, invalidate, invalidations };
}

const xCache = async (url: string) => {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.headers.get('x-cache');
};

test('edgefront invalidate waits until Completed and exits 0; the purged object is a Miss afterwards', async (t) => {
  const { api, origin, invalidate, invalidations } = await setup(t);
  assert.equal(await xCache(api.edge.url('/img/a.png')), 'Miss from cloudfront');
  assert.equal(await xCache(api.edge.url('/img/a.png')), 'Hit from cloudfront');
  assert.equal(await xCache(api.edge.url('/keep.html')), 'Miss from cloudfront');

  const run = await invalidate(['--distribution-id', DIST, '--paths', '/img/*']);
  assert.equal(run.code, 0, run.stderr);
  const id = /invalidation (I[A-Z0-9]+) of E1CLIINVAL: Completed after [\d.]+ s \(1 path: \/img\/\*\)/.exec(
    run.stdout,
  )?.[1];
  assert.ok(id, run.stdout);
  // Not a terminal: plain progress lines on stderr, no spinner.
  assert.match(run.stderr, new RegExp(`^created invalidation ${id} of ${DIST} \\(/img/\\*\\): `, 'm'));
  assert.ok(!run.stderr.includes('\r') && !run.stderr.includes('\x1b['), run.stderr);

  const list = await invalidations();
  assert.equal(list?.Quantity, 1);
  assert.deepEqual(
    list?.Items?.map((i) => [i.Id, i.Status]),
    [[id, 'Completed']],
  );
  const hits = origin.hits;
  assert.equal(await xCache(api.edge.url('/img/a.png')), 'Miss from cloudfront');
  assert.equal(await xCache(api.edge.url('/keep.html')), 'Hit from cloudfront');
  assert.equal(origin.hits, hits + 1);
});

test('--json prints the API’s Invalidation object; paths may follow --paths as in the AWS CLI', async (t) => {
  const { invalidate, invalidations } = await setup(t);
  const run = await invalidate([
    '--distribution-id',
    DIST,
    '--paths',
    '/a.html',
    '/b/*',
    '--caller-reference',
    'release-42',
    '--json',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const inv = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(inv).sort(), ['CreateTime', 'Id', 'InvalidationBatch', 'Status']);
  assert.match(inv.Id, /^I[A-Z0-9]+$/);
  assert.equal(inv.Status, 'Completed');
  assert.ok(!Number.isNaN(Date.parse(inv.CreateTime)), inv.CreateTime);
  assert.deepEqual(inv.InvalidationBatch, {
    Paths: { Quantity: 2, Items: ['/a.html', '/b/*'] },
    CallerReference: 'release-42',
  });
  assert.equal((await invalidations())?.Items?.[0].Id, inv.Id);
});

test('--no-wait exits 0 once the invalidation is created, printing it as CreateInvalidation answered', async (t) => {
  const { invalidate } = await setup(t);
  const run = await invalidate(['--distribution-id', DIST, '--no-wait', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const inv = JSON.parse(run.stdout);
  assert.equal(inv.Status, 'InProgress');
  assert.deepEqual(inv.InvalidationBatch.Paths, { Quantity: 1, Items: ['/*'] }); // the default path
});

test('an unknown distribution is NoSuchDistribution: exit 1 with CloudFront’s code and message', async (t) => {
  const { invalidate, invalidations } = await setup(t);
  const run = await invalidate(['--distribution-id', 'E1NOSUCH', '--paths', '/a']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^edgefront invalidate: NoSuchDistribution: \S.*E1NOSUCH/m);
  assert.equal(run.stdout, '');
  assert.equal((await invalidations())?.Quantity, 0);
});

test('a path the API refuses is InvalidArgument: exit 1 and nothing is invalidated', async (t) => {
  const { api, origin, invalidate, invalidations } = await setup(t);
  await xCache(api.edge.url('/a'));
  const run = await invalidate(['--distribution-id', DIST, '--paths', '/a', 'no-slash']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^edgefront invalidate: InvalidArgument: .*no-slash/m);
  assert.equal((await invalidations())?.Quantity, 0);
  const hits = origin.hits;
  assert.equal(await xCache(api.edge.url('/a')), 'Hit from cloudfront');
  assert.equal(origin.hits, hits);
});

test('keys the server does not know are refused with the signature error’s code', async (t) => {
  const { invalidate, invalidations } = await setup(t);
  const run = await invalidate(['--distribution-id', DIST], {
    EDGEFRONT_ACCESS_KEY_ID: 'AKIDUNKNOWN000000000',
    EDGEFRONT_SECRET_ACCESS_KEY: 'not-the-secret',
  });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^edgefront invalidate: InvalidClientTokenId: /m);
  assert.equal((await invalidations())?.Quantity, 0);
});

test('without any keys it reaches a loopback serve that has none, at EDGEFRONT_ENDPOINT', async (t) => {
  const origin = await startOrigin((_req, res) => res.end('ok'));
  const dir = await tempDir();
  const config = await writeYaml(dir.dir, 'edgefront.yaml', {
    Distributions: [distributionOver(DIST, origin.port, [])],
  });
  const noKeys = { EDGEFRONT_ACCESS_KEY_ID: undefined, EDGEFRONT_SECRET_ACCESS_KEY: undefined };
  const edge = await startEdgeProcess(['--config', config], { env: noKeys });
  t.after(async () => {
    await edge.close();
    await origin.close();
    await dir.remove();
  });
  const empty = join(dir.dir, 'empty');
  await writeFile(empty, '');
  const run = await runCli(['invalidate', '--distribution-id', DIST, '--paths', '/x'], {
    env: {
      ...noKeys,
      EDGEFRONT_ENDPOINT: (edge.admin as URL).href,
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_CONFIG_FILE: empty,
      AWS_SHARED_CREDENTIALS_FILE: empty,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /: Completed after /);
});

test('--timeout bounds the wait: an endpoint that never answers is exit 1 with a clear message', async (t) => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket); // accepted, never answered
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => silent.close(resolve));
  });
  const { port } = silent.address() as { port: number };
  const started = Date.now();
  const run = await runCli(
    ['invalidate', '--distribution-id', DIST, '--endpoint', `http://127.0.0.1:${port}`, '--timeout', '1'],
    { env: KEYS },
  );
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^edgefront invalidate: timed out after 1 s: no answer from the control API/m);
  assert.ok(Date.now() - started < 10_000);
});

test('an endpoint where nothing listens is exit 1, naming the endpoint', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as { port: number };
  await new Promise((resolve) => closed.close(resolve));
  const run = await runCli(
    ['invalidate', '--distribution-id', DIST, '--endpoint', `http://127.0.0.1:${port}`],
    { env: KEYS },
  );
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    new RegExp(`cannot reach the control API at http://127.0.0.1:${port} \\(ECONNREFUSED\\)`),
  );
});

test('edgefront invalidate --help lists its flags; a missing --distribution-id is a usage error', async () => {
  const help = await runCli(['invalidate', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: edgefront invalidate --distribution-id ID/);
  for (const flag of [
    'distribution-id',
    'paths',
    'endpoint',
    'caller-reference',
    'tag',
    'no-wait',
    'json',
    'timeout',
  ])
    assert.match(help.stdout, new RegExp(`^  --${flag}\\b`, 'm'));
  assert.match(help.stdout, /EDGEFRONT_ACCESS_KEY_ID/);
  const top = await runCli(['--help']);
  assert.match(top.stdout, /^ {2}invalidate /m);
  const missing = await runCli(['invalidate', '--paths', '/a']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /--distribution-id ID is required/);
});

test('--tag purges by Cache-Tag through edgefront’s API, waits until Completed; only tagged objects go', async (t) => {
  const { api, origin, invalidate, invalidations } = await setup(t, { tagging: true });
  for (const path of ['/tagged/product-42/a', '/tagged/product-7/a', '/plain']) {
    assert.equal(await xCache(api.edge.url(path)), 'Miss from cloudfront');
    assert.equal(await xCache(api.edge.url(path)), 'Hit from cloudfront');
  }
  const run = await invalidate(['--distribution-id', DIST, '--tag', 'product-42', '--tag', 'gone']);
  assert.equal(run.code, 0, run.stderr);
  const id =
    /tag invalidation (I[A-Z0-9]+) of E1CLIINVAL: Completed after [\d.]+ s \(2 tags: product-42 gone\)/.exec(
      run.stdout,
    )?.[1];
  assert.ok(id, run.stdout);
  assert.match(
    run.stderr,
    new RegExp(`^created tag invalidation ${id} of ${DIST} \\(product-42 gone\\): `, 'm'),
  );
  assert.equal((await getTagInvalidation(api.edge.admin as URL, DIST, id)).Status, 'Completed');
  // Not one of CloudFront's invalidations.
  assert.equal((await invalidations())?.Quantity, 0);
  const hits = origin.hits;
  assert.equal(await xCache(api.edge.url('/tagged/product-42/a')), 'Miss from cloudfront');
  assert.equal(await xCache(api.edge.url('/tagged/product-7/a')), 'Hit from cloudfront');
  assert.equal(await xCache(api.edge.url('/plain')), 'Hit from cloudfront');
  assert.equal(origin.hits, hits + 1);
});

test('--tag with --json --no-wait prints the API’s TagInvalidation object; the caller reference is kept', async (t) => {
  const { invalidate } = await setup(t, { tagging: true });
  const args = ['--distribution-id', DIST, '--tag', 'a', '--caller-reference', 'tags-1', '--json'];
  const run = await invalidate([...args, '--no-wait']);
  assert.equal(run.code, 0, run.stderr);
  const inv = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(inv).sort(), ['CreateTime', 'Id', 'Status', 'TagInvalidationBatch']);
  assert.equal(inv.Status, 'InProgress');
  assert.deepEqual(inv.TagInvalidationBatch, { CallerReference: 'tags-1', Tags: ['a'] });
  const again = await invalidate(args);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).Id, inv.Id);
  assert.equal(JSON.parse(again.stdout).Status, 'Completed');
});

test('--tag errors: a tag the API refuses, unknown keys, an unknown distribution; paths with --tag is a usage error', async (t) => {
  const { invalidate } = await setup(t, { tagging: true });
  const bad = await invalidate(['--distribution-id', DIST, '--tag', 'a,b']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^edgefront invalidate: InvalidArgument: Tags: "a,b" is not a tag/m);
  assert.equal(bad.stdout, '');
  const keys = await invalidate(['--distribution-id', DIST, '--tag', 'a'], {
    EDGEFRONT_ACCESS_KEY_ID: 'AKIDUNKNOWN000000000',
    EDGEFRONT_SECRET_ACCESS_KEY: 'not-the-secret',
  });
  assert.equal(keys.code, 1);
  assert.match(keys.stderr, /^edgefront invalidate: InvalidClientTokenId: .*EDGEFRONT_ACCESS_KEY_ID/m);
  const none = await invalidate(['--distribution-id', 'E1NOSUCH', '--tag', 'a']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^edgefront invalidate: NoSuchDistribution: \S.*E1NOSUCH/m);
  const both = await invalidate(['--distribution-id', DIST, '--tag', 'a', '/x']);
  assert.equal(both.code, 1);
  assert.match(both.stderr, /give paths or --tag, not both/);
});
