/**
 * `edgefront functions test` as users run it (DESIGN.md "Tools"): the canonical examples in
 * examples/functions/ on their events, TestFunction's result shape with --json, exit codes, and
 * Lambda@Edge handlers with --lambda.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import test, { type TestContext } from 'node:test';
import { tempDir } from '../../helpers/config.js';
import { REPO_ROOT, runCli } from '../../helpers/edge-process.js';

const EXAMPLES = join(REPO_ROOT, 'examples', 'functions');
const example = (path: string) => join(EXAMPLES, path);
const event = (name: string) => example(join('events', name));

/** A temporary directory holding `files` (path → text), removed after the test. */
async function scratch(t: TestContext, files: Record<string, string>): Promise<string> {
  const tmp = await tempDir();
  t.after(() => tmp.remove());
  for (const [path, text] of Object.entries(files))
    await mkdir(dirname(join(tmp.dir, path)), { recursive: true }).then(() =>
      writeFile(join(tmp.dir, path), text),
    );
  return tmp.dir;
}

/** `edgefront functions test ARGS… --json`, parsed. */
async function testJson(args: string[], options: { cwd?: string } = {}) {
  const run = await runCli(['functions', 'test', ...args, '--json'], options);
  assert.equal(run.stderr, '', run.stderr);
  return { code: run.code, result: JSON.parse(run.stdout) };
}

test('security headers: a viewer-response function adds every header, printed for humans', async () => {
  const { code, stdout } = await runCli([
    'functions',
    'test',
    example('security-headers.js'),
    '--event',
    event('viewer-response.json'),
    '--runtime',
    'cloudfront-js-1.0',
  ]);
  assert.equal(code, 0);
  assert.match(
    stdout,
    /✔ security-headers \(cloudfront-js-1\.0, viewer-response\): returned the response \(200\)/,
  );
  assert.match(
    stdout,
    /"strict-transport-security": \{ "value": "max-age=63072000; includeSubdomains; preload" \}/,
  );
  assert.match(stdout, /"x-frame-options": \{ "value": "DENY" \}/);
  assert.match(stdout, /"server": \{ "value": "nginx" \}/); // the origin's headers stay
  assert.match(stdout, /FunctionExecutionLogs: \(none\)/);
  assert.match(stdout, /ComputeUtilization: \d+/);
});

test('--json prints exactly TestFunction’s TestResult, FunctionOutput a JSON string (SPA rewrite)', async () => {
  const { code, result } = await testJson([
    example('spa-rewrite.js'),
    '--event',
    event('viewer-request.json'),
  ]);
  assert.equal(code, 0);
  assert.deepEqual(Object.keys(result), [
    'FunctionSummary',
    'ComputeUtilization',
    'FunctionExecutionLogs',
    'FunctionErrorMessage',
    'FunctionOutput',
  ]);
  assert.equal(result.FunctionSummary.Name, 'spa-rewrite');
  assert.equal(result.FunctionSummary.FunctionConfig.Runtime, 'cloudfront-js-2.0'); // the default
  assert.equal(
    result.FunctionSummary.FunctionMetadata.FunctionARN,
    'arn:aws:cloudfront::123456789012:function/spa-rewrite',
  );
  assert.equal(result.FunctionSummary.FunctionMetadata.Stage, 'DEVELOPMENT');
  assert.match(result.ComputeUtilization, /^\d+$/);
  assert.deepEqual(result.FunctionExecutionLogs, []);
  assert.equal(result.FunctionErrorMessage, '');
  assert.equal(typeof result.FunctionOutput, 'string');
  const output = JSON.parse(result.FunctionOutput);
  assert.equal(output.request.uri, '/products/42/index.html'); // a rewrite, not a redirect
  assert.deepEqual(output.request.headers.host, { value: 'www.example.com' });
});

test('a KVS redirect reads the store given with --kvs: a known path answers 301, others pass', async () => {
  const kvs = `redirects=${example('redirects.json')}`;
  const [known, unknown] = await Promise.all([
    testJson([example('kvs-redirect.js'), '--event', event('old-blog.json'), '--kvs', kvs]),
    testJson([example('kvs-redirect.js'), '--event', event('viewer-request.json'), '--kvs', kvs]),
  ]);
  assert.equal(known.code, 0);
  const response = JSON.parse(known.result.FunctionOutput).response;
  assert.equal(response.statusCode, 301);
  assert.deepEqual(response.headers.location, { value: 'https://blog.example.com/' });
  assert.deepEqual(known.result.FunctionExecutionLogs, ['redirect /old-blog -> https://blog.example.com/']);
  const [association] = known.result.FunctionSummary.FunctionConfig.KeyValueStoreAssociations.Items;
  assert.match(
    association.KeyValueStoreARN,
    /^arn:aws:cloudfront::123456789012:key-value-store\/[0-9a-f-]{36}$/,
  );
  assert.equal(unknown.code, 0);
  assert.equal(JSON.parse(unknown.result.FunctionOutput).request.uri, '/products/42');
});

test('a viewer-request function generates a 302 (redirect by country)', async () => {
  const { code, stdout } = await runCli([
    'functions',
    'test',
    example('redirect-by-country.js'),
    '--event',
    event('viewer-request-de.json'),
  ]);
  assert.equal(code, 0);
  assert.match(stdout, /generated a response \(302\)/);
  assert.match(stdout, /"location": \{ "value": "https:\/\/www\.example\.com\/de\/index\.html" \}/);
  assert.match(stdout, /"statusCode": 302/);
});

test('--stage overrides the event’s context.eventType', async (t) => {
  const code =
    'function handler(event) {\n  console.log(event.context.eventType);\n  return event.response || event.request;\n}\n';
  const file = join(await scratch(t, { 'which.js': code }), 'which.js');
  const [own, overridden] = await Promise.all([
    testJson([file, '--event', event('viewer-response.json')]),
    testJson([file, '--event', event('viewer-response.json'), '--stage', 'viewer-request']),
  ]);
  assert.deepEqual(own.result.FunctionExecutionLogs, ['viewer-response']);
  assert.ok('response' in JSON.parse(own.result.FunctionOutput));
  assert.deepEqual(overridden.result.FunctionExecutionLogs, ['viewer-request']);
  assert.ok('request' in JSON.parse(overridden.result.FunctionOutput));
});

test('a function that throws is FunctionExecutionError: exit 1, FunctionErrorMessage and its logs', async (t) => {
  const code =
    'function handler(event) {\n  console.log("checking " + event.request.uri);\n  throw new Error("boom");\n}\n';
  const file = join(await scratch(t, { 'throws.js': code }), 'throws.js');
  const [json, human] = await Promise.all([
    testJson([file, '--event', event('viewer-request.json')]),
    runCli(['functions', 'test', file, '--event', event('viewer-request.json')]),
  ]);
  assert.equal(json.code, 1);
  assert.equal(json.result.FunctionErrorMessage, 'Error: boom');
  assert.equal(json.result.FunctionOutput, '');
  assert.deepEqual(json.result.FunctionExecutionLogs, ['checking /products/42']);
  assert.equal(human.code, 1);
  assert.match(human.stdout, /✘ throws \(cloudfront-js-2\.0, viewer-request\): FunctionExecutionError/);
  assert.match(human.stdout, /FunctionErrorMessage: Error: boom/);
  assert.match(human.stdout, /^ {2}checking \/products\/42$/m);
});

test('a cloudfront-js-1.0 function using let is refused with its line, column and feature', async (t) => {
  const cwd = await scratch(t, {
    'rewrite.js': 'function handler(event) {\n  let request = event.request;\n  return request;\n}\n',
  });
  const args = ['functions', 'test', 'rewrite.js', '--event', event('viewer-request.json')];
  const [v1, v1json, v2] = await Promise.all([
    runCli([...args, '--runtime', 'cloudfront-js-1.0'], { cwd }),
    runCli([...args, '--runtime', 'cloudfront-js-1.0', '--json'], { cwd }),
    runCli(args, { cwd }),
  ]);
  assert.equal(v1.code, 1);
  assert.match(v1.stdout, /✘ rewrite\.js:2:3: let\/const \(let\) is not supported by cloudfront-js-1\.0/);
  assert.match(v1.stdout, /fix: use --runtime cloudfront-js-2\.0/);
  assert.match(v1.stdout, /CloudFront would refuse this function \(InvalidArgument\)/);
  assert.equal(v1json.code, 1);
  assert.deepEqual(JSON.parse(v1json.stdout).Error.Problems[0], {
    File: 'rewrite.js',
    Line: 2,
    Column: 3,
    Feature: 'let/const',
    Message: 'let/const (let) is not supported by cloudfront-js-1.0 (cloudfront-js-2.0 has it)',
  });
  assert.equal(v2.code, 0, v2.stdout + v2.stderr); // 2.0 has let
});

test('--lambda runs a Lambda@Edge handler: the request it modified, with its logs', async () => {
  const { code, result } = await testJson([
    example('lambda'),
    '--lambda',
    'index.handler',
    '--event',
    event('lambda-viewer-request.json'),
  ]);
  assert.equal(code, 0);
  assert.deepEqual(Object.keys(result), [
    'FunctionSummary',
    'DurationMs',
    'InitDurationMs',
    'FunctionExecutionLogs',
    'FunctionErrorType',
    'FunctionErrorMessage',
    'FunctionOutput',
  ]);
  assert.equal(result.FunctionSummary.Handler, 'index.handler');
  assert.equal(result.FunctionSummary.EventType, 'viewer-request');
  assert.equal(typeof result.DurationMs, 'number');
  const { request } = JSON.parse(result.FunctionOutput);
  assert.deepEqual(request.headers['x-viewer-ip'], [{ key: 'X-Viewer-Ip', value: '203.0.113.178' }]);
  assert.equal(request.uri, '/products/42');
  assert.equal(result.FunctionExecutionLogs.length, 1);
  assert.match(result.FunctionExecutionLogs[0], /\tINFO\tforwarding \/products\/42$/);
  assert.equal(result.FunctionErrorType, '');
});

test('--lambda with a bare cf event: a generated response, printed for humans', async () => {
  const { code, stdout } = await runCli([
    'functions',
    'test',
    example('lambda'),
    '--lambda',
    'index.handler',
    '--event',
    event('lambda-old-path.json'),
  ]);
  assert.equal(code, 0);
  assert.match(
    stdout,
    /✔ lambda index\.handler \(nodejs20\.x, viewer-request\): generated a response \(301\)/,
  );
  assert.match(stdout, /"location": \[\{ "key": "Location", "value": "\/new\/pricing" \}\]/);
  assert.match(stdout, /Duration: [\d.]+ ms/);
});

test('--lambda: a handler that throws is LambdaExecutionError with Lambda’s error text, exit 1', async (t) => {
  const dir = await scratch(t, {
    'edge/app.js': "exports.viewer = async () => { throw new TypeError('no session'); };\n",
    'edge/package.json': '{"type":"commonjs"}\n', // CommonJS, whatever package.json lies above
  });
  const { code, result } = await testJson([
    join(dir, 'edge'),
    '--lambda',
    'app.viewer',
    '--event',
    event('lambda-viewer-request.json'),
  ]);
  assert.equal(code, 1);
  assert.equal(result.FunctionErrorType, 'LambdaExecutionError');
  assert.match(result.FunctionErrorMessage, /TypeError: no session/);
  assert.equal(result.FunctionOutput, '');
});

test('usage mistakes are one clear line and exit 1, never a stack trace', async () => {
  const runs = await Promise.all([
    runCli(['functions', 'test', example('spa-rewrite.js'), '--evnt', 'x.json']),
    runCli(['functions', 'test', example('nope.js'), '--event', event('viewer-request.json')]),
    runCli(['functions', 'test', example('spa-rewrite.js'), '--event', event('nope.json')]),
    runCli(['functions', 'test', example('spa-rewrite.js')]),
    runCli(['functions', 'test', example('spa-rewrite.js'), '--event', event('lambda-viewer-request.json')]),
    runCli([
      'functions',
      'test',
      example('spa-rewrite.js'),
      '--event',
      event('viewer-request.json'),
      '--runtime',
      'js',
    ]),
  ]);
  const expected = [
    /unknown flag --evnt\. Known flags: --event/,
    /cannot read the function .*nope\.js: ENOENT/,
    /cannot read the event .*nope\.json: ENOENT/,
    /--event EVENT\.json is required/,
    /is a Lambda@Edge event; run Lambda@Edge code with --lambda HANDLER/,
    /--runtime must be cloudfront-js-1\.0 or cloudfront-js-2\.0, got "js"/,
  ];
  runs.forEach((run, i) => {
    assert.equal(run.code, 1, `run ${i}`);
    assert.match(run.stderr, expected[i]);
    assert.doesNotMatch(run.stderr, /^\s+at /m);
  });
});

test('functions test --help lists its flags', async () => {
  const { code, stdout } = await runCli(['functions', 'test', '--help']);
  assert.equal(code, 0);
  for (const flag of ['--event', '--stage', '--runtime', '--kvs', '--lambda', '--json'])
    assert.match(stdout, new RegExp(flag));
  assert.match(stdout, /default: cloudfront-js-2\.0/);
});
