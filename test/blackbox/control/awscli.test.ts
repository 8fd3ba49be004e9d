/**
 * The AWS CLI round trip: `aws cloudfront --endpoint-url <admin port> …` against a real
 * `edgefront serve`, with nothing but the endpoint changed (v1 from pip and Debian's v2 alike).
 * Skipped, with the reason, only when no `aws` is on PATH (.ci/run installs Debian's awscli).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import { distributionOver, tempDir, writeYaml } from '../../helpers/config.js';
import { apiDistributionConfig, startApiEdge, TEST_CREDENTIALS } from '../../helpers/control-api.js';
import { httpRequest } from '../../helpers/http.js';
import { startOrigin } from '../../helpers/origin.js';

const AWS = (process.env.PATH ?? '')
  .split(delimiter)
  .filter(Boolean)
  .map((dir) => join(dir, 'aws'))
  .find((file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
const SKIP = AWS ? false : 'no `aws` binary on PATH (Debian: apt-get install -y awscli)';

interface AwsRun {
  code: number;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON output, read field by field by the assertions
  json: Record<string, any>;
}

async function setup(t: { after(fn: () => unknown): void }) {
  const origin = await startOrigin(); // `origin saw GET /path`, cacheable
  t.after(() => origin.close());
  const dir = await tempDir();
  t.after(() => dir.remove());
  const api = await startApiEdge([
    '--config',
    await writeYaml(dir.dir, 'edgefront.yaml', {
      Distributions: [distributionOver('E1AWSCLI', origin.port, [])],
    }),
  ]);
  t.after(() => api.edge.close());
  // No profile, region or endpoint of the machine's own leaks in: empty config files.
  const empty = join(dir.dir, 'empty-aws-config');
  await writeFile(empty, '');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    AWS_CONFIG_FILE: empty,
    AWS_SHARED_CREDENTIALS_FILE: empty,
  };
  for (const name of [
    'AWS_PROFILE',
    'AWS_SESSION_TOKEN',
    'AWS_ENDPOINT_URL',
    'AWS_ENDPOINT_URL_CLOUDFRONT',
    'AWS_REGION',
  ])
    delete env[name];
  const endpoint = (api.edge.admin as URL).href.replace(/\/$/, '');
  /** `aws cloudfront --endpoint-url <admin> ARGS… --output json`, bounded. */
  const aws = (...args: string[]) =>
    new Promise<AwsRun>((resolve) => {
      execFile(
        AWS as string,
        ['cloudfront', '--endpoint-url', endpoint, ...args, '--output', 'json'],
        { env, timeout: 60_000 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
          resolve({ code, stdout, stderr, json: code === 0 && stdout.trim() ? JSON.parse(stdout) : {} });
        },
      );
    });
  /** The distribution config as `--distribution-config file://…` takes it: the SDK's shape, in JSON. */
  const configFile = async (callerReference: string, originPath = '') => {
    const config = apiDistributionConfig(origin.port, callerReference, { Comment: 'made by the AWS CLI' });
    (config.Origins?.Items ?? [])[0].OriginPath = originPath;
    const file = join(dir.dir, `${callerReference}.json`);
    await writeFile(file, JSON.stringify(config));
    return `file://${file}`;
  };
  const viewerGet = async (host: string, path: string) =>
    (await httpRequest(new URL(path, api.edge.http).href, { headers: { host } })).body;
  const listIds = async () =>
    ((await aws('list-distributions')).json.DistributionList?.Items ?? []).map((d: { Id: string }) => d.Id);
  return { api, origin, aws, configFile, viewerGet, listIds };
}

test('create-distribution from a JSON file, then get-distribution and list-distributions show it serving', {
  skip: SKIP,
}, async (t) => {
  const { aws, configFile, viewerGet, listIds } = await setup(t);
  const created = await aws('create-distribution', '--distribution-config', await configFile('cli-ref-1'));
  assert.equal(created.code, 0, created.stderr);
  const dist = created.json.Distribution;
  assert.match(dist.Id, /^E[A-Z0-9]+$/);
  assert.match(created.json.ETag, /^E[A-Z0-9]+$/);
  assert.ok(created.json.Location.endsWith(`/2020-05-31/distribution/${dist.Id}`), created.json.Location);
  assert.equal(dist.DistributionConfig.CallerReference, 'cli-ref-1');
  assert.equal(dist.DistributionConfig.Origins.Items[0].CustomOriginConfig.OriginProtocolPolicy, 'http-only');

  const got = await aws('get-distribution', '--id', dist.Id);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.json.ETag, created.json.ETag);
  assert.equal(got.json.Distribution.Status, 'Deployed');
  assert.equal(got.json.Distribution.DistributionConfig.Comment, 'made by the AWS CLI');
  assert.deepEqual((await listIds()).sort(), ['E1AWSCLI', dist.Id].sort());
  assert.equal(await viewerGet(dist.DomainName, '/hello'), 'origin saw GET /hello');
});

test('update-distribution with --if-match from get-distribution-config changes what is served', {
  skip: SKIP,
}, async (t) => {
  const { aws, configFile, viewerGet } = await setup(t);
  const created = await aws('create-distribution', '--distribution-config', await configFile('cli-ref-2'));
  const { Id: id, DomainName: domain } = created.json.Distribution;
  const current = await aws('get-distribution-config', '--id', id);
  assert.equal(current.code, 0, current.stderr);
  assert.equal(current.json.ETag, created.json.ETag);
  const updated = await aws(
    'update-distribution',
    '--id',
    id,
    '--if-match',
    current.json.ETag,
    '--distribution-config',
    await configFile('cli-ref-2', '/v2'),
  );
  assert.equal(updated.code, 0, updated.stderr);
  assert.notEqual(updated.json.ETag, current.json.ETag);
  assert.equal(await viewerGet(domain, '/x'), 'origin saw GET /v2/x');
});

test('create-invalidation and get-invalidation: Completed, and the cached object is fetched again', {
  skip: SKIP,
}, async (t) => {
  const { api, origin, aws } = await setup(t);
  const xCache = async (path: string) => {
    const res = await fetch(api.edge.url(path));
    await res.arrayBuffer();
    return res.headers.get('x-cache');
  };
  await xCache('/img/a.png');
  assert.equal(await xCache('/img/a.png'), 'Hit from cloudfront');
  const created = await aws(
    'create-invalidation',
    '--distribution-id',
    'E1AWSCLI',
    '--paths',
    '/img/*',
    '/b.html',
  );
  assert.equal(created.code, 0, created.stderr);
  const inv = created.json.Invalidation;
  assert.match(inv.Id, /^I[A-Z0-9]+$/);
  assert.deepEqual(inv.InvalidationBatch.Paths, { Quantity: 2, Items: ['/img/*', '/b.html'] });
  assert.ok(created.json.Location.endsWith(`/distribution/E1AWSCLI/invalidation/${inv.Id}`));

  const got = await aws('get-invalidation', '--distribution-id', 'E1AWSCLI', '--id', inv.Id);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(got.json.Invalidation.Status, 'Completed');
  assert.equal(
    got.json.Invalidation.InvalidationBatch.CallerReference,
    inv.InvalidationBatch.CallerReference,
  );
  const hits = origin.hits;
  assert.equal(await xCache('/img/a.png'), 'Miss from cloudfront');
  assert.equal(origin.hits, hits + 1);
});

test('errors reach the AWS CLI as CloudFront’s codes, with a failing exit status, and change nothing', {
  skip: SKIP,
}, async (t) => {
  const { aws, configFile, listIds } = await setup(t);
  const missing = await aws('get-distribution', '--id', 'E1NOSUCH');
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /\(NoSuchDistribution\) when calling the GetDistribution operation/);

  const first = await aws('create-distribution', '--distribution-config', await configFile('cli-ref-3'));
  assert.equal(first.code, 0, first.stderr);
  const before = (await listIds()).sort();
  const again = await aws('create-distribution', '--distribution-config', await configFile('cli-ref-3'));
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /\(DistributionAlreadyExists\) when calling the CreateDistribution operation/);
  const badPath = await aws('create-invalidation', '--distribution-id', 'E1AWSCLI', '--paths', 'no-slash');
  assert.notEqual(badPath.code, 0);
  assert.match(badPath.stderr, /\(InvalidArgument\) when calling the CreateInvalidation operation/);
  assert.deepEqual((await listIds()).sort(), before);
  // The CLI pages through lists itself and shows only their Items.
  const invalidations = await aws('list-invalidations', '--distribution-id', 'E1AWSCLI');
  assert.equal(invalidations.code, 0, invalidations.stderr);
  assert.deepEqual(invalidations.json.InvalidationList?.Items ?? [], []);
});
