import assert from 'node:assert/strict';
import test from 'node:test';
import { tempDir, writeYaml } from '../../helpers/config.js';
import { runCli } from '../../helpers/edge-process.js';

const BROKEN = {
  Distributions: [
    {
      Id: 'E1BROKEN',
      DistributionConfig: {
        Enabled: true,
        Origins: [
          {
            Id: 'web',
            DomainName: 'web.example.com',
            ConnectionAttempts: 5,
            OriginPath: '/trailing/',
            CustomOriginConfig: { HTTPPort: 80, OriginProtocolPolicy: 'http-only' },
          },
        ],
        DefaultCacheBehavior: {
          TargetOriginId: 'api',
          ViewerProtocolPolicy: 'allow-all',
          CachePolicyId: 'CachingDisabled',
        },
        CacheBehaviors: [
          {
            PathPattern: '/a/*',
            TargetOriginId: 'web',
            ViewerProtocolPolicy: 'sometimes',
            CachePolicyId: 'CachingDisabled',
          },
        ],
      },
    },
  ],
};

test('edgefront validate prints every error with file and path, and exits 1', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.remove());
  const file = await writeYaml(tmp.dir, 'broken.yaml', BROKEN);
  const { code, stdout, stderr } = await runCli(['validate', file]);
  const output = stdout + stderr;
  assert.equal(code, 1);
  assert.match(output, /broken\.yaml/);
  assert.match(output, /Distributions\[0\]\.DistributionConfig\.Origins\[0\]\.ConnectionAttempts/);
  assert.match(output, /Distributions\[0\]\.DistributionConfig\.Origins\[0\]\.OriginPath/);
  assert.match(output, /Distributions\[0\]\.DistributionConfig\.DefaultCacheBehavior\.TargetOriginId/);
  assert.match(output, /Distributions\[0\]\.DistributionConfig\.CacheBehaviors\[0\]\.ViewerProtocolPolicy/);
});

test('edgefront validate --json reports issues for scripts', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.remove());
  const file = await writeYaml(tmp.dir, 'broken.yaml', BROKEN);
  const { code, stdout } = await runCli(['validate', '--json', file]);
  assert.equal(code, 1);
  const report = JSON.parse(stdout);
  assert.equal(report.ok, false);
  assert.ok(report.issues.length >= 4);
  assert.ok(
    report.issues.every(
      (i: { file: string; path: unknown[] }) => i.file.endsWith('broken.yaml') && Array.isArray(i.path),
    ),
  );
});

test('edgefront serve refuses to start on a config error, naming the file and path', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.remove());
  const file = await writeYaml(tmp.dir, 'broken.yaml', BROKEN);
  const { code, stdout, stderr } = await runCli([
    'serve',
    '--config',
    file,
    '--port',
    '0',
    '--admin-port',
    '0',
  ]);
  assert.equal(code, 1);
  assert.doesNotMatch(stdout, /listening/);
  assert.match(stderr, /broken\.yaml.*TargetOriginId/);
});

test('unknown flags are a clear error', async () => {
  const { code, stderr } = await runCli(['serve', '--prot', '80']);
  assert.equal(code, 1);
  assert.match(stderr, /unknown flag --prot/);
  assert.match(stderr, /--port/);
});

test('contract flags of capabilities not built yet say so', async () => {
  const { code, stderr } = await runCli(['serve', '--access-log', 'access.log']);
  assert.equal(code, 1);
  assert.match(stderr, /--access-log is not built yet/);
});

test('serve --help lists the flags', async () => {
  const { code, stdout } = await runCli(['serve', '--help']);
  assert.equal(code, 0);
  for (const flag of [
    '--config',
    '--port',
    '--https-port',
    '--admin-port',
    '--bucket',
    '--origin-override',
    '--parameter',
  ]) {
    assert.match(stdout, new RegExp(flag));
  }
});
