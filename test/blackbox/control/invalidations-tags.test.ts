/**
 * Tag invalidations (edgefront's extension of the control API, under /edgefront/2026-11-30/)
 * against a real `edgefront serve`: a signed POST purges exactly the objects whose origin answer
 * carried one of the tags, is recorded InProgress then Completed and read back by GET; bad input
 * gets CloudFront-style error codes; CloudFront's own invalidation operations never see these
 * records; records survive a restart on the same --state-dir, and one a crash left InProgress is
 * applied at the next start.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { GetInvalidationCommand, ListInvalidationsCommand } from '@aws-sdk/client-cloudfront';
import { distributionOver, tempDir, writeYaml } from '../../helpers/config.js';
import { startApiEdge } from '../../helpers/control-api.js';
import { diskCacheEntries } from '../../helpers/disk-cache.js';
import { eventually } from '../../helpers/eventually.js';
import { startOrigin } from '../../helpers/origin.js';
import { errorCodeOf, sendApiCall, signedApiCall } from '../../helpers/signed-api.js';
import {
  createTagInvalidation,
  getTagInvalidation,
  getTagInvalidationAnswer,
  postTagInvalidation,
  taggingOrigin,
} from '../../helpers/tag-invalidation.js';

const DIST = 'E1TAGINVAL';

async function setup(t: TestContext, extraArgs: string[] = []) {
  const origin = await startOrigin(taggingOrigin);
  const dir = await tempDir();
  const config = await writeYaml(dir.dir, 'edgefront.yaml', {
    Distributions: [distributionOver(DIST, origin.port, [])],
  });
  const stateDir = join(dir.dir, 'state');
  const serve = ['--config', config, '--state-dir', stateDir, ...extraArgs];
  let api = await startApiEdge(serve);
  t.after(async () => {
    await api.edge.close();
    await origin.close();
    await dir.remove();
  });
  return {
    origin,
    stateDir,
    stop: () => api.edge.close(),
    start: async () => {
      api = await startApiEdge(serve);
    },
    get api() {
      return api;
    },
    admin: () => api.edge.admin as URL,
    restart: async () => {
      await api.edge.close();
      api = await startApiEdge(serve);
    },
  };
}

const xCache = async (url: string) => {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.headers.get('x-cache');
};

test('a tag invalidation purges only the objects tagged with it; GET reads it Completed', async (t) => {
  const { api, admin, origin } = await setup(t);
  const paths = ['/tagged/product-42/a', '/tagged/product-42/b', '/tagged/product-7/a', '/plain'];
  for (const path of paths) {
    assert.equal(await xCache(api.edge.url(path)), 'Miss from cloudfront');
    assert.equal(await xCache(api.edge.url(path)), 'Hit from cloudfront');
  }
  const created = await createTagInvalidation(admin(), DIST, ['product-42'], 'release-1');
  assert.match(created.Id, /^I[A-Z0-9]+$/);
  assert.equal(created.Status, 'InProgress');
  assert.deepEqual(created.TagInvalidationBatch, { CallerReference: 'release-1', Tags: ['product-42'] });
  const got = await getTagInvalidation(admin(), DIST, created.Id);
  assert.equal(got.Status, 'Completed');
  assert.deepEqual(got.TagInvalidationBatch.Tags, ['product-42']);

  const hits = origin.hits;
  assert.equal(await xCache(api.edge.url('/tagged/product-42/a')), 'Miss from cloudfront');
  assert.equal(await xCache(api.edge.url('/tagged/product-42/b')), 'Miss from cloudfront');
  assert.equal(await xCache(api.edge.url('/tagged/product-7/a')), 'Hit from cloudfront');
  assert.equal(await xCache(api.edge.url('/plain')), 'Hit from cloudfront');
  assert.equal(origin.hits, hits + 2);

  // The second tag of a Cache-Tag list counts as much as the first: `tagged` takes the rest.
  await createTagInvalidation(admin(), DIST, ['tagged', 'no-such-tag'], 'release-2');
  assert.equal(await xCache(api.edge.url('/tagged/product-7/a')), 'Miss from cloudfront');
  assert.equal(await xCache(api.edge.url('/plain')), 'Hit from cloudfront');
});

test('the Location header, the same CallerReference, and other tags with it', async (t) => {
  const { admin } = await setup(t);
  const answer = await postTagInvalidation(admin(), DIST, { CallerReference: 'same', Tags: ['a', 'b'] });
  assert.equal(answer.status, 201, answer.body);
  assert.match(String(answer.headers['content-type']), /^application\/json/);
  const first = JSON.parse(answer.body).TagInvalidation;
  assert.equal(
    answer.headers.location,
    new URL(`/edgefront/2026-11-30/distribution/${DIST}/tag-invalidation/${first.Id}`, admin()).href,
  );
  const again = await createTagInvalidation(admin(), DIST, ['a', 'b'], 'same');
  assert.equal(again.Id, first.Id);
  const other = await postTagInvalidation(admin(), DIST, { CallerReference: 'same', Tags: ['c'] });
  assert.equal(errorCodeOf(other), 'InvalidationBatchAlreadyExists');
});

test('bad input is refused with CloudFront-style errors; the limits themselves are accepted', async (t) => {
  const { admin, api } = await setup(t);
  const cases: [unknown, string][] = [
    ['', 'MissingBody'],
    ['{not json', 'InvalidArgument'],
    [['a'], 'InvalidArgument'],
    [{ Tags: ['a'] }, 'InvalidArgument'],
    [{ CallerReference: '', Tags: ['a'] }, 'InvalidArgument'],
    [{ CallerReference: 'r', Tags: [] }, 'InvalidArgument'],
    [{ CallerReference: 'r' }, 'InvalidArgument'],
    [{ CallerReference: 'r', Tags: 'a' }, 'InvalidArgument'],
    [{ CallerReference: 'r', Tags: [''] }, 'InvalidArgument'],
    [{ CallerReference: 'r', Tags: ['a,b'] }, 'InvalidArgument'],
    [{ CallerReference: 'r', Tags: [' a'] }, 'InvalidArgument'],
    [{ CallerReference: 'r', Tags: ['a\nb'] }, 'InvalidArgument'],
    [{ CallerReference: 'r', Tags: ['é'] }, 'InvalidArgument'],
    [{ CallerReference: 'r', Tags: [42] }, 'InvalidArgument'],
    [{ CallerReference: 'r', Tags: ['x'.repeat(1025)] }, 'InvalidArgument'],
    [{ CallerReference: 'r', Tags: ['a'], Paths: ['/a'] }, 'InvalidArgument'],
    [{ CallerReference: 'r', Tags: Array.from({ length: 101 }, (_, i) => `t${i}`) }, 'BatchTooLarge'],
  ];
  for (const [body, code] of cases) {
    const answer = await postTagInvalidation(admin(), DIST, body);
    assert.equal(errorCodeOf(answer), code, `${JSON.stringify(body)}: ${answer.body}`);
  }
  // At the limits: accepted.
  const limits = await createTagInvalidation(
    admin(),
    DIST,
    [...Array.from({ length: 99 }, (_, i) => `t${i}`), 'inner space-x'.padEnd(1024, 'y')],
    'limits',
  );
  assert.equal(limits.TagInvalidationBatch.Tags.length, 100);

  assert.equal(
    errorCodeOf(await postTagInvalidation(admin(), 'E1NOSUCH', { CallerReference: 'r', Tags: ['a'] })),
    'NoSuchDistribution',
  );
  assert.equal(errorCodeOf(await getTagInvalidationAnswer(admin(), DIST, 'INOSUCH')), 'NoSuchInvalidation');
  // Unsigned: refused as every API operation is.
  const unsigned = await sendApiCall(
    admin(),
    { method: 'POST', path: `/edgefront/2026-11-30/distribution/${DIST}/tag-invalidation`, body: '{}' },
    { host: admin().host, 'content-type': 'application/json' },
  );
  assert.equal(errorCodeOf(unsigned), 'MissingAuthenticationToken');
  // Not under CloudFront's own prefix.
  const underCloudFront = await signedApiCall(admin(), {
    method: 'POST',
    path: `/2020-05-31/distribution/${DIST}/tag-invalidation`,
    body: JSON.stringify({ CallerReference: 'r', Tags: ['a'] }),
  });
  assert.equal(errorCodeOf(underCloudFront), 'InvalidURI');
  const list = await api.cf.send(new ListInvalidationsCommand({ DistributionId: DIST }));
  assert.equal(list.InvalidationList?.Quantity, 0);
});

test('CloudFront’s invalidation operations do not see tag invalidations; records survive a restart', async (t) => {
  const env = await setup(t);
  const created = await createTagInvalidation(env.admin(), DIST, ['product-42'], 'kept');
  await assert.rejects(
    env.api.cf.send(new GetInvalidationCommand({ DistributionId: DIST, Id: created.Id })),
    { name: 'NoSuchInvalidation' },
  );
  assert.equal(
    (await env.api.cf.send(new ListInvalidationsCommand({ DistributionId: DIST }))).InvalidationList
      ?.Quantity,
    0,
  );
  await env.restart();
  const got = await getTagInvalidation(env.admin(), DIST, created.Id);
  assert.equal(got.Status, 'Completed');
  assert.deepEqual(got.TagInvalidationBatch, { CallerReference: 'kept', Tags: ['product-42'] });
  // The caller reference is still known after the restart.
  assert.equal((await createTagInvalidation(env.admin(), DIST, ['product-42'], 'kept')).Id, created.Id);
});

test('a tag invalidation a crash left InProgress is applied at the next start, to the disk cache too', async (t) => {
  const env = await setup(t, ['--cache-disk', '16MiB']);
  for (const path of ['/tagged/resume/x', '/tagged/keep/x']) {
    await xCache(env.api.edge.url(path));
    assert.equal(await xCache(env.api.edge.url(path)), 'Hit from cloudfront');
  }
  await eventually('both objects written to the disk cache', async () =>
    (await diskCacheEntries(env.stateDir)) >= 2 ? true : undefined,
  );
  // A first batch writes the state file; another tag, so both objects stay.
  await createTagInvalidation(env.admin(), DIST, ['unrelated'], 'first');
  await env.stop();
  // What a crash between recording the batch and applying it leaves: the record InProgress.
  const file = join(env.stateDir, 'control', 'state.json');
  const state = JSON.parse(await readFile(file, 'utf8'));
  state.invalidations[DIST].push({
    Id: 'IRESUMED000001',
    CreateTime: new Date().toISOString(),
    Status: 'InProgress',
    CallerReference: 'crashed',
    Paths: [],
    Tags: ['resume'],
    version: state.version,
  });
  await writeFile(file, JSON.stringify(state));
  await env.start();
  assert.equal(await xCache(env.api.edge.url('/tagged/keep/x')), 'Hit from cloudfront');
  assert.equal(await xCache(env.api.edge.url('/tagged/resume/x')), 'Miss from cloudfront');
  assert.equal((await getTagInvalidation(env.admin(), DIST, 'IRESUMED000001')).Status, 'Completed');
});
