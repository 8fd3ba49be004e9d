import assert from 'node:assert/strict';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { distributionOver, tempDir, writeYaml } from '../../helpers/config.js';
import { startEdgeProcess } from '../../helpers/edge-process.js';
import { startOrigin } from '../../helpers/origin.js';

const fn = (tag: string) =>
  `function handler(event) {\n  event.response.headers['x-version'] = { value: '${tag}' };\n  return event.response;\n}\n`;

/** Polls (bounded) until `check` holds: reloads are asynchronous to the edit. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`not within 5 s: ${what}`);
}

test('serve --watch picks up edited function code and config; a broken edit keeps the old code serving', async (t) => {
  const dir = await tempDir();
  const origin = await startOrigin((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
    res.end('ok');
  });
  const code = join(dir.dir, 'version.js');
  await writeFile(code, fn('one'));
  const config = (behaviorFunction: boolean) => ({
    Functions: [{ Name: 'version', FunctionConfig: { Runtime: 'cloudfront-js-2.0' }, Code: './version.js' }],
    Distributions: [
      distributionOver(
        'E1WATCH',
        origin.port,
        [
          {
            PathPattern: '/*',
            CachePolicyId: 'CachingDisabled',
            FunctionAssociations: behaviorFunction
              ? [{ EventType: 'viewer-response', FunctionARN: 'version' }]
              : [],
          },
        ],
        'CachingDisabled',
      ),
    ],
  });
  const file = await writeYaml(dir.dir, 'edgefront.yaml', config(true));
  const edge = await startEdgeProcess(['--config', file, '--watch', '--state-dir', dir.dir]);
  t.after(async () => {
    await Promise.all([edge.close(), origin.close()]);
    await dir.remove();
  });
  const version = async () => (await fetch(edge.url('/'))).headers.get('x-version');
  assert.equal(await version(), 'one');

  // An editor's save: write a new file, rename it over the old one.
  await writeFile(`${code}.tmp`, fn('two'));
  await rename(`${code}.tmp`, code);
  await eventually(async () => (await version()) === 'two', 'the edited function serves');

  await writeFile(code, 'function handler(event) { let x = ; }');
  await eventually(async () => edge.stderr().includes('reload failed'), 'the broken edit is reported');
  assert.equal(await version(), 'two', 'the previous code keeps serving');

  await writeFile(code, fn('three'));
  await eventually(async () => (await version()) === 'three', 'the fixed function serves');
  await writeYaml(dir.dir, 'edgefront.yaml', config(false));
  await eventually(async () => (await version()) === null, 'the config edit removed the association');
});

test('serve --watch follows a Lambda code directory that a build deletes and recreates', async (t) => {
  const dir = await tempDir();
  const origin = await startOrigin();
  const codeDir = join(dir.dir, 'lambda');
  const handler = (tag: string) =>
    `exports.handler = async () => ({ status: '200', headers: { 'cache-control': [{ value: 'no-store' }] }, body: '${tag}' });`;
  const writeHandler = async (tag: string) => {
    await mkdir(codeDir, { recursive: true });
    await writeFile(join(codeDir, 'index.js'), handler(tag));
  };
  await writeHandler('one');
  const arn = 'arn:aws:lambda:us-east-1:123456789012:function:build:1';
  const file = await writeYaml(dir.dir, 'edgefront.yaml', {
    LambdaFunctions: [{ Arn: arn, Handler: 'index.handler', Code: './lambda' }],
    Distributions: [
      distributionOver('E1BUILD', origin.port, [
        {
          PathPattern: '/*',
          CachePolicyId: 'CachingDisabled',
          LambdaFunctionAssociations: [{ EventType: 'viewer-request', LambdaFunctionARN: arn }],
        },
      ]),
    ],
  });
  const edge = await startEdgeProcess(['--config', file, '--watch', '--state-dir', dir.dir]);
  t.after(async () => {
    await Promise.all([edge.close(), origin.close()]);
    await dir.remove();
  });
  const body = async () => (await fetch(edge.url('/'))).text();
  assert.equal(await body(), 'one');
  await rm(codeDir, { recursive: true, force: true });
  await eventually(async () => edge.stderr().includes('reload failed'), 'the missing handler is reported');
  await writeHandler('two');
  await eventually(async () => (await body()) === 'two', 'the rebuilt handler serves');
});
