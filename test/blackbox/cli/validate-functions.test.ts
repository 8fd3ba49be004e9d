/**
 * `edgefront validate` (and `serve`) refuse function code where CloudFront's publish would:
 * each problem at the config path of the code, with the code's own file:line:column and feature.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test, { type TestContext } from 'node:test';
import { simpleConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { REPO_ROOT, runCli } from '../../helpers/edge-process.js';

const LET_IN_1_0 = 'function handler(event) {\n  let request = event.request;\n  return request;\n}\n';

function withFunctions(extra: Record<string, unknown>) {
  return { ...simpleConfig(8080), ...extra };
}

/** A config whose cloudfront-js-1.0 function uses `let` (rewrite.js:2:3), in a directory removed after the test. */
async function letConfig(t: TestContext): Promise<{ dir: string; file: string }> {
  const tmp = await tempDir();
  t.after(() => tmp.remove());
  await writeFile(join(tmp.dir, 'rewrite.js'), LET_IN_1_0);
  const rewrite = { Name: 'rewrite', FunctionConfig: { Runtime: 'cloudfront-js-1.0' }, Code: './rewrite.js' };
  return {
    dir: tmp.dir,
    file: await writeYaml(tmp.dir, 'edgefront.yaml', withFunctions({ Functions: [rewrite] })),
  };
}

test('validate rejects a cloudfront-js-1.0 function using let, at Functions[0].Code with the code’s line and column', async (t) => {
  const { dir, file } = await letConfig(t);
  const { code, stdout } = await runCli(['validate', file], { cwd: dir });
  assert.equal(code, 1);
  assert.match(
    stdout,
    /edgefront\.yaml:\d+ Functions\[0\]\.Code: rewrite\.js:2:3: let\/const \(let\) is not supported by cloudfront-js-1\.0/,
  );
  assert.match(stdout, /fix: set Runtime: cloudfront-js-2\.0/);
  assert.match(stdout, /1 error in/);
});

test('validate --json reports every code problem as a config issue', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.remove());
  const file = await writeYaml(
    tmp.dir,
    'edgefront.yaml',
    withFunctions({
      Functions: [
        {
          Name: 'modern',
          FunctionConfig: { Runtime: 'cloudfront-js-2.0' },
          FunctionCode:
            'function handler(event) {\n  var h = event.request?.headers;\n  return event.request;\n}\n',
        },
        { Name: 'nohandler', FunctionConfig: { Runtime: 'cloudfront-js-2.0' }, FunctionCode: 'var x = 1;\n' },
      ],
    }),
  );
  const { code, stdout } = await runCli(['validate', '--json', file]);
  assert.equal(code, 1);
  const report = JSON.parse(stdout) as { ok: boolean; issues: { path: unknown[]; message: string }[] };
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.issues.map((i) => [i.path.join('.'), i.message]),
    [
      [
        'Functions.0.FunctionCode',
        'FunctionCode:2:11: optional chaining is not supported by CloudFront Functions',
      ],
      [
        'Functions.1.FunctionCode',
        'FunctionCode:1:1: handler: the code must declare `function handler(event)` at the top level',
      ],
    ],
  );
});

test('validate locates a syntax error in a CloudFormation function’s inline FunctionCode', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.remove());
  const file = join(tmp.dir, 'template.yaml');
  await writeFile(
    file,
    [
      'Resources:',
      '  Rewrite:',
      '    Type: AWS::CloudFront::Function',
      '    Properties:',
      '      Name: rewrite',
      '      AutoPublish: true',
      '      FunctionConfig: { Comment: "", Runtime: cloudfront-js-2.0 }',
      '      FunctionCode: |',
      '        function handler(event) {',
      '          return event.request',
      '        }}',
      '',
    ].join('\n'),
  );
  const { code, stdout } = await runCli(['validate', file]);
  assert.equal(code, 1);
  assert.match(
    stdout,
    /template\.yaml:\d+ Resources\.Rewrite\.Properties\.FunctionCode: FunctionCode:3:2: SyntaxError/,
  );
});

test('the canonical example functions validate', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.remove());
  const examples = join(REPO_ROOT, 'examples', 'functions');
  const file = await writeYaml(
    tmp.dir,
    'edgefront.yaml',
    withFunctions({
      Functions: [
        ['security-headers', 'cloudfront-js-1.0'],
        ['spa-rewrite', 'cloudfront-js-1.0'],
        ['redirect-by-country', 'cloudfront-js-2.0'],
        ['kvs-redirect', 'cloudfront-js-2.0'],
      ].map(([Name, Runtime]) => ({
        Name,
        FunctionConfig: {
          Runtime,
          ...(Name === 'kvs-redirect'
            ? { KeyValueStoreAssociations: [{ KeyValueStoreARN: 'redirects' }] }
            : {}),
        },
        Code: join(examples, `${Name}.js`),
      })),
      KeyValueStores: [{ Name: 'redirects', Data: join(examples, 'redirects.json') }],
      LambdaFunctions: [
        {
          Arn: 'arn:aws:lambda:us-east-1:123456789012:function:edge:1',
          Handler: 'index.handler',
          Code: join(examples, 'lambda'),
        },
      ],
    }),
  );
  const { code, stdout, stderr } = await runCli(['validate', file]);
  assert.equal(code, 0, stdout + stderr);
  assert.match(stdout, /4 functions, 1 Lambda@Edge function, 1 key value store/);
});

test('validate rejects a Lambda@Edge Handler whose module is not in the code directory', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.remove());
  await mkdir(join(tmp.dir, 'edge'));
  await writeFile(
    join(tmp.dir, 'edge', 'main.js'),
    'exports.handler = async (e) => e.Records[0].cf.request;\n',
  );
  const lambda = (Handler: string) => ({
    LambdaFunctions: [
      { Arn: 'arn:aws:lambda:us-east-1:123456789012:function:edge:1', Handler, Code: './edge' },
    ],
  });
  const bad = await writeYaml(tmp.dir, 'bad.yaml', withFunctions(lambda('index.handler')));
  const good = await writeYaml(tmp.dir, 'good.yaml', withFunctions(lambda('main.handler')));
  const [rejected, accepted] = await Promise.all([
    runCli(['validate', bad], { cwd: tmp.dir }),
    runCli(['validate', good], { cwd: tmp.dir }),
  ]);
  assert.equal(rejected.code, 1);
  assert.match(
    rejected.stdout,
    /bad\.yaml:\d+ LambdaFunctions\[0\]\.Handler: Handler "index\.handler" names module "index", but there is no index\.js, index\.mjs or index\.cjs in edge/,
  );
  assert.equal(accepted.code, 0, accepted.stdout + accepted.stderr);
});

test('serve refuses to start on function code CloudFront would refuse, naming where it is', async (t) => {
  const { dir, file } = await letConfig(t);
  const { code, stdout, stderr } = await runCli(
    ['serve', '--config', file, '--port', '0', '--admin-port', '0'],
    {
      cwd: dir,
    },
  );
  assert.equal(code, 1);
  assert.doesNotMatch(stdout, /listening/);
  assert.match(stderr, /Functions\[0\]\.Code: rewrite\.js:2:3: let\/const/);
});
