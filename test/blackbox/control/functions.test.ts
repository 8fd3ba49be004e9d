/**
 * CloudFront Functions through the real `@aws-sdk/client-cloudfront` against `edgefront serve`:
 * both stages with their own ETags, config-file functions visible and changeable, the LIVE stage
 * reaching traffic only on PublishFunction, TestFunction on the engine traffic uses, persistence
 * in --state-dir, and every refusal with CloudFront's error code and the state left unchanged.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type CloudFrontClient,
  CreateFunctionCommand,
  type CreateFunctionCommandInput,
  DeleteFunctionCommand,
  DescribeFunctionCommand,
  GetDistributionConfigCommand,
  GetFunctionCommand,
  ListFunctionsCommand,
  ListTagsForResourceCommand,
  PublishFunctionCommand,
  TestFunctionCommand,
  UpdateDistributionCommand,
  UpdateFunctionCommand,
} from '@aws-sdk/client-cloudfront';
import { simpleConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { type ApiEdge, startApiEdge } from '../../helpers/control-api.js';
import { httpRequest } from '../../helpers/http.js';
import { startOrigin } from '../../helpers/origin.js';

const ACCOUNT = '123456789012';
const arnOf = (name: string) => `arn:aws:cloudfront::${ACCOUNT}:function/${name}`;
const KVS_ID = 'a1b2c3d4-5678-90ab-cdef-000000000001';
const KVS_ARN = `arn:aws:cloudfront::${ACCOUNT}:key-value-store/${KVS_ID}`;

/** Prefixes the URI with `/<version>`: the origin's answer shows which code ran. */
const prefixCode = (version: string, log = false) =>
  `function handler(event) {\n${log ? `  console.log('running ${version}');\n` : ''}  event.request.uri = '/${version}' + event.request.uri;\n  return event.request;\n}\n`;

const HEADER_CODE =
  "function handler(event) {\n  event.response.headers['x-fn'] = { value: 'hdr' };\n  return event.response;\n}\n";

const KVS_CODE = `import cf from 'cloudfront';
const kvs = cf.kvs();
async function handler(event) {
  event.request.headers['x-greeting'] = { value: await kvs.get('greeting') };
  return event.request;
}
`;

const MIN_EVENT = {
  version: '1.0',
  context: { eventType: 'viewer-request' },
  viewer: { ip: '198.51.100.11' },
  request: { method: 'GET', uri: '/x', headers: { host: { value: 'example.org' } } },
};
const eventBytes = (event: unknown) => Buffer.from(JSON.stringify(event));

interface Setup {
  api: ApiEdge;
  cf: CloudFrontClient;
  config: string;
  state: string;
}

/**
 * Config files: `rewrite` (LIVE, v1) on E1TEST's viewer-request, `draft` (DEVELOPMENT), a key
 * value store, and `extraFunctions` more DEVELOPMENT functions.
 */
async function setup(t: { after(fn: () => unknown): void }, extraFunctions = 0): Promise<Setup> {
  const origin = await startOrigin((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`origin saw ${req.url}`);
  });
  const dir = await tempDir();
  const kvsData = join(dir.dir, 'kvs.json');
  await writeFile(kvsData, JSON.stringify({ data: [{ key: 'greeting', value: 'hello from kvs' }] }));
  const draft = (Name: string) => ({
    Name,
    Stage: 'DEVELOPMENT',
    FunctionConfig: { Comment: 'a draft', Runtime: 'cloudfront-js-2.0' },
    FunctionCode: prefixCode('draft'),
  });
  const doc = {
    ...simpleConfig(origin.port, {
      DefaultCacheBehavior: {
        TargetOriginId: 'app',
        ViewerProtocolPolicy: 'allow-all',
        CachePolicyId: 'CachingDisabled',
        FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: arnOf('rewrite') }],
      },
    }),
    KeyValueStores: [{ Name: 'greetings', Id: KVS_ID, Data: kvsData }],
    Functions: [
      {
        Name: 'rewrite',
        FunctionConfig: { Comment: 'from the config file', Runtime: 'cloudfront-js-2.0' },
        FunctionCode: prefixCode('v1'),
      },
      draft('draft'),
      ...Array.from({ length: extraFunctions }, (_, i) => draft(`extra-${i}`)),
    ],
  };
  const config = await writeYaml(dir.dir, 'edgefront.yaml', doc);
  const state = join(dir.dir, 'state');
  const api = await startApiEdge(['--config', config, '--state-dir', state]);
  t.after(async () => {
    await api.edge.close();
    await origin.close();
    await dir.remove();
  });
  return { api, cf: api.cf, config, state };
}

/** A viewer GET to E1TEST (chosen by Host; fetch() would drop it). */
async function viewerGet(api: ApiEdge, path: string) {
  const res = await httpRequest(new URL(path, api.edge.http.href).href, {
    headers: { host: 'e1test.edgefront.localhost' },
  });
  return { status: res.status, text: res.body, headers: res.headers };
}

function createInput(name: string, code: string, extra: Partial<CreateFunctionCommandInput> = {}) {
  return {
    Name: name,
    FunctionConfig: { Comment: 'made through the API', Runtime: 'cloudfront-js-2.0' as const },
    FunctionCode: Buffer.from(code),
    ...extra,
  };
}

async function etagOf(cf: CloudFrontClient, name: string, stage: 'DEVELOPMENT' | 'LIVE' = 'DEVELOPMENT') {
  return (await cf.send(new DescribeFunctionCommand({ Name: name, Stage: stage }))).ETag as string;
}

/** UpdateFunction of `rewrite` with its current DEVELOPMENT ETag. */
async function updateRewrite(cf: CloudFrontClient, code: string, Comment = '') {
  return cf.send(
    new UpdateFunctionCommand({
      Name: 'rewrite',
      IfMatch: await etagOf(cf, 'rewrite'),
      FunctionConfig: { Comment, Runtime: 'cloudfront-js-2.0' },
      FunctionCode: Buffer.from(code),
    }),
  );
}

async function codeOf(cf: CloudFrontClient, name: string, stage: 'DEVELOPMENT' | 'LIVE' = 'DEVELOPMENT') {
  const got = await cf.send(new GetFunctionCommand({ Name: name, Stage: stage }));
  return Buffer.from(got.FunctionCode ?? []).toString('utf8');
}

async function namesListed(cf: CloudFrontClient, Stage?: 'DEVELOPMENT' | 'LIVE') {
  const list = await cf.send(new ListFunctionsCommand({ Stage }));
  return (list.FunctionList?.Items ?? []).map((f) => `${f.Name}/${f.FunctionMetadata?.Stage}`);
}

/** The raw response headers of every call the client makes after this (the SDK hides `ETag` on UpdateFunction). */
function captureHeaders(cf: CloudFrontClient): Record<string, string>[] {
  const seen: Record<string, string>[] = [];
  cf.middlewareStack.add(
    (next) => async (args) => {
      const out = await next(args);
      seen.push((out.response as { headers: Record<string, string> }).headers);
      return out;
    },
    { step: 'deserialize', name: 'captureHeaders' },
  );
  return seen;
}

test('config-file functions are listed and described per stage, with stable per-stage ETags and their code', async (t) => {
  const { cf } = await setup(t);
  assert.deepEqual(await namesListed(cf), ['draft/DEVELOPMENT', 'rewrite/DEVELOPMENT', 'rewrite/LIVE']);
  assert.deepEqual(await namesListed(cf, 'LIVE'), ['rewrite/LIVE']);
  const dev = await cf.send(new DescribeFunctionCommand({ Name: 'rewrite' }));
  assert.equal(dev.FunctionSummary?.FunctionMetadata?.Stage, 'DEVELOPMENT');
  assert.equal(dev.FunctionSummary?.Status, 'DEPLOYED');
  assert.equal(dev.FunctionSummary?.FunctionConfig?.Comment, 'from the config file');
  assert.equal(dev.FunctionSummary?.FunctionMetadata?.FunctionARN, arnOf('rewrite'));
  assert.match(dev.ETag ?? '', /^E[A-Z0-9]{13}$/);
  const live = await etagOf(cf, 'rewrite', 'LIVE');
  assert.notEqual(live, dev.ETag);
  assert.equal(await etagOf(cf, 'rewrite'), dev.ETag);
  const got = await cf.send(new GetFunctionCommand({ Name: 'rewrite', Stage: 'LIVE' }));
  assert.equal(got.ContentType, 'application/octet-stream');
  assert.equal(got.ETag, live);
  assert.equal(Buffer.from(got.FunctionCode ?? []).toString('utf8'), prefixCode('v1'));
  const draft = await cf.send(new DescribeFunctionCommand({ Name: 'draft' }));
  assert.equal(draft.FunctionSummary?.Status, 'UNPUBLISHED');
  await assert.rejects(cf.send(new DescribeFunctionCommand({ Name: 'draft', Stage: 'LIVE' })), {
    name: 'NoSuchFunctionExists',
  });
  await assert.rejects(cf.send(new GetFunctionCommand({ Name: 'nope' })), { name: 'NoSuchFunctionExists' });
});

test('CreateFunction answers 201 with Location, ETag and an UNPUBLISHED DEVELOPMENT summary', async (t) => {
  const { cf } = await setup(t);
  const created = await cf.send(
    new CreateFunctionCommand(
      createInput('greet', KVS_CODE, {
        FunctionConfig: {
          Comment: '',
          Runtime: 'cloudfront-js-2.0',
          KeyValueStoreAssociations: { Quantity: 1, Items: [{ KeyValueStoreARN: KVS_ARN }] },
        },
        Tags: { Items: [{ Key: 'team', Value: 'edge' }] },
      }),
    ),
  );
  assert.ok(created.Location?.endsWith(`/2020-05-31/function/${arnOf('greet')}`), created.Location);
  assert.match(created.ETag ?? '', /^E[A-Z0-9]{13}$/);
  const summary = created.FunctionSummary;
  assert.equal(summary?.Name, 'greet');
  assert.equal(summary?.Status, 'UNPUBLISHED');
  assert.equal(summary?.FunctionMetadata?.Stage, 'DEVELOPMENT');
  assert.equal(summary?.FunctionConfig?.Comment, '');
  assert.deepEqual(summary?.FunctionConfig?.KeyValueStoreAssociations?.Items, [
    { KeyValueStoreARN: KVS_ARN },
  ]);
  assert.ok(summary?.FunctionMetadata?.CreatedTime instanceof Date);
  assert.equal(await etagOf(cf, 'greet'), created.ETag);
  assert.equal(await codeOf(cf, 'greet'), KVS_CODE);
  await assert.rejects(cf.send(new GetFunctionCommand({ Name: 'greet', Stage: 'LIVE' })), {
    name: 'NoSuchFunctionExists',
  });
  const tags = await cf.send(new ListTagsForResourceCommand({ Resource: arnOf('greet') }));
  assert.deepEqual(tags.Tags?.Items, [{ Key: 'team', Value: 'edge' }]);
  // TestFunction reads the associated key value store.
  const tested = await cf.send(
    new TestFunctionCommand({ Name: 'greet', IfMatch: created.ETag, EventObject: eventBytes(MIN_EVENT) }),
  );
  const output = JSON.parse(tested.TestResult?.FunctionOutput ?? '{}');
  assert.equal(output.request.headers['x-greeting'].value, 'hello from kvs');
});

test('UpdateFunction needs the DEVELOPMENT ETag, answers the new one as ETag and ETtag, and leaves LIVE alone', async (t) => {
  const { api, cf } = await setup(t);
  const devETag = await etagOf(cf, 'rewrite');
  const liveETag = await etagOf(cf, 'rewrite', 'LIVE');
  const input = {
    Name: 'rewrite',
    FunctionConfig: { Comment: 'v2', Runtime: 'cloudfront-js-2.0' as const },
    FunctionCode: Buffer.from(prefixCode('v2')),
  };
  await assert.rejects(cf.send(new UpdateFunctionCommand({ ...input, IfMatch: undefined as never })), {
    name: 'InvalidIfMatchVersion',
  });
  await assert.rejects(cf.send(new UpdateFunctionCommand({ ...input, IfMatch: 'ESTALEETAG00000' })), {
    name: 'PreconditionFailed',
  });
  await assert.rejects(cf.send(new UpdateFunctionCommand({ ...input, IfMatch: liveETag })), {
    name: 'PreconditionFailed',
  });
  assert.equal(await etagOf(cf, 'rewrite'), devETag);
  const headers = captureHeaders(cf);
  const updated = await cf.send(new UpdateFunctionCommand({ ...input, IfMatch: devETag }));
  assert.match(updated.ETag ?? '', /^E[A-Z0-9]{13}$/);
  assert.notEqual(updated.ETag, devETag);
  assert.equal(headers.at(-1)?.etag, updated.ETag);
  assert.equal(headers.at(-1)?.ettag, updated.ETag);
  assert.equal(updated.FunctionSummary?.FunctionMetadata?.Stage, 'DEVELOPMENT');
  assert.equal(updated.FunctionSummary?.FunctionConfig?.Comment, 'v2');
  assert.equal(await etagOf(cf, 'rewrite'), updated.ETag);
  assert.equal(await etagOf(cf, 'rewrite', 'LIVE'), liveETag);
  assert.equal(await codeOf(cf, 'rewrite'), prefixCode('v2'));
  assert.equal(await codeOf(cf, 'rewrite', 'LIVE'), prefixCode('v1'));
  await assert.rejects(cf.send(new UpdateFunctionCommand({ ...input, IfMatch: devETag })), {
    name: 'PreconditionFailed',
  });
  assert.equal((await viewerGet(api, '/a')).text, 'origin saw /v1/a');
});

test('the LIVE stage reaches traffic on PublishFunction, right away, and not on UpdateFunction alone', async (t) => {
  const { api, cf } = await setup(t);
  assert.equal((await viewerGet(api, '/page')).text, 'origin saw /v1/page');
  const liveBefore = await etagOf(cf, 'rewrite', 'LIVE');
  const updated = await updateRewrite(cf, prefixCode('v2'));
  assert.equal((await viewerGet(api, '/page')).text, 'origin saw /v1/page');
  await assert.rejects(cf.send(new PublishFunctionCommand({ Name: 'rewrite', IfMatch: liveBefore })), {
    name: 'PreconditionFailed',
  });
  await assert.rejects(
    cf.send(new PublishFunctionCommand({ Name: 'rewrite', IfMatch: undefined as never })),
    {
      name: 'InvalidIfMatchVersion',
    },
  );
  assert.equal((await viewerGet(api, '/page')).text, 'origin saw /v1/page');
  assert.equal(await etagOf(cf, 'rewrite', 'LIVE'), liveBefore);
  const published = await cf.send(new PublishFunctionCommand({ Name: 'rewrite', IfMatch: updated.ETag }));
  assert.equal(published.FunctionSummary?.FunctionMetadata?.Stage, 'LIVE');
  assert.equal(published.FunctionSummary?.Status, 'DEPLOYED');
  assert.equal((await viewerGet(api, '/page')).text, 'origin saw /v2/page');
  const liveAfter = await etagOf(cf, 'rewrite', 'LIVE');
  assert.notEqual(liveAfter, liveBefore);
  assert.equal(await etagOf(cf, 'rewrite'), updated.ETag);
  assert.equal(await codeOf(cf, 'rewrite', 'LIVE'), prefixCode('v2'));
});

test('an API-created function can be associated once published; then it is DEPLOYED and DeleteFunction is FunctionInUse', async (t) => {
  const { api, cf } = await setup(t);
  const created = await cf.send(new CreateFunctionCommand(createInput('hdr', HEADER_CODE)));
  const dist = await cf.send(new GetDistributionConfigCommand({ Id: 'E1TEST' }));
  const config = structuredClone(dist.DistributionConfig!);
  const behavior = config.DefaultCacheBehavior!;
  behavior.FunctionAssociations = {
    Quantity: 2,
    Items: [
      ...(behavior.FunctionAssociations?.Items ?? []),
      { EventType: 'viewer-response', FunctionARN: arnOf('hdr') },
    ],
  };
  const update = (IfMatch: string) =>
    cf.send(new UpdateDistributionCommand({ Id: 'E1TEST', IfMatch, DistributionConfig: config }));
  await assert.rejects(update(dist.ETag as string), { name: 'InvalidFunctionAssociation' });
  assert.equal((await viewerGet(api, '/h')).headers['x-fn'], undefined);
  const published = await cf.send(new PublishFunctionCommand({ Name: 'hdr', IfMatch: created.ETag }));
  assert.equal(published.FunctionSummary?.Status, 'UNASSOCIATED');
  await update(dist.ETag as string);
  const res = await viewerGet(api, '/h');
  assert.equal(res.headers['x-fn'], 'hdr');
  assert.equal(res.text, 'origin saw /v1/h');
  const described = await cf.send(new DescribeFunctionCommand({ Name: 'hdr', Stage: 'LIVE' }));
  assert.equal(described.FunctionSummary?.Status, 'DEPLOYED');
  await assert.rejects(cf.send(new DeleteFunctionCommand({ Name: 'hdr', IfMatch: created.ETag })), {
    name: 'FunctionInUse',
  });
  await assert.rejects(
    cf.send(new DeleteFunctionCommand({ Name: 'rewrite', IfMatch: await etagOf(cf, 'rewrite') })),
    { name: 'FunctionInUse' },
  );
  assert.equal(await etagOf(cf, 'hdr'), created.ETag);
  assert.equal((await viewerGet(api, '/h')).headers['x-fn'], 'hdr');
});

test('DeleteFunction needs the DEVELOPMENT ETag and removes a function, a config-file one included', async (t) => {
  const { cf } = await setup(t);
  const created = await cf.send(new CreateFunctionCommand(createInput('gone', prefixCode('g'))));
  await assert.rejects(cf.send(new DeleteFunctionCommand({ Name: 'gone', IfMatch: 'ESTALEETAG00000' })), {
    name: 'PreconditionFailed',
  });
  await assert.rejects(cf.send(new DeleteFunctionCommand({ Name: 'gone', IfMatch: undefined as never })), {
    name: 'InvalidIfMatchVersion',
  });
  assert.equal(await etagOf(cf, 'gone'), created.ETag);
  await cf.send(new DeleteFunctionCommand({ Name: 'gone', IfMatch: created.ETag }));
  await assert.rejects(cf.send(new DescribeFunctionCommand({ Name: 'gone' })), {
    name: 'NoSuchFunctionExists',
  });
  await cf.send(new DeleteFunctionCommand({ Name: 'draft', IfMatch: await etagOf(cf, 'draft') }));
  await assert.rejects(cf.send(new DescribeFunctionCommand({ Name: 'draft' })), {
    name: 'NoSuchFunctionExists',
  });
  assert.deepEqual(await namesListed(cf), ['rewrite/DEVELOPMENT', 'rewrite/LIVE']);
  await assert.rejects(cf.send(new DeleteFunctionCommand({ Name: 'draft', IfMatch: created.ETag })), {
    name: 'NoSuchFunctionExists',
  });
});

test('functions survive a restart with the same --state-dir: both stages, their ETags, deletions and LIVE traffic', async (t) => {
  const { api, cf, config, state } = await setup(t);
  const created = await cf.send(new CreateFunctionCommand(createInput('kept', prefixCode('k'))));
  const updated = await updateRewrite(cf, prefixCode('v2'), 'v2');
  await cf.send(new PublishFunctionCommand({ Name: 'rewrite', IfMatch: updated.ETag }));
  const liveETag = await etagOf(cf, 'rewrite', 'LIVE');
  await cf.send(new DeleteFunctionCommand({ Name: 'draft', IfMatch: await etagOf(cf, 'draft') }));
  await api.edge.close();
  const again = await startApiEdge(['--config', config, '--state-dir', state]);
  t.after(() => again.edge.close());
  assert.equal(await etagOf(again.cf, 'kept'), created.ETag);
  assert.equal(await etagOf(again.cf, 'rewrite'), updated.ETag);
  assert.equal(await etagOf(again.cf, 'rewrite', 'LIVE'), liveETag);
  assert.equal(await codeOf(again.cf, 'rewrite', 'LIVE'), prefixCode('v2'));
  assert.deepEqual(await namesListed(again.cf), ['kept/DEVELOPMENT', 'rewrite/DEVELOPMENT', 'rewrite/LIVE']);
  assert.equal((await viewerGet(again, '/r')).text, 'origin saw /v2/r');
});

test('code CloudFront would refuse: syntax errors and a missing handler are InvalidArgument with the line, over 10 KB FunctionSizeLimitExceeded', async (t) => {
  const { cf } = await setup(t);
  const syntax = 'function handler(event) {\n  var a = 1;\n  return event.request +;\n}\n';
  await assert.rejects(cf.send(new CreateFunctionCommand(createInput('bad', syntax))), (err: Error) => {
    assert.equal(err.name, 'InvalidArgument');
    assert.match(err.message, /FunctionCode:3:\d+: SyntaxError/);
    return true;
  });
  await assert.rejects(
    cf.send(
      new CreateFunctionCommand(createInput('bad', 'function other(event) { return event.request; }\n')),
    ),
    (err: Error) => {
      assert.equal(err.name, 'InvalidArgument');
      assert.match(err.message, /FunctionCode:1:\d+: .*handler/);
      return true;
    },
  );
  const big = `${prefixCode('big')}//${'x'.repeat(10 * 1024)}\n`;
  await assert.rejects(cf.send(new CreateFunctionCommand(createInput('bad', big))), {
    name: 'FunctionSizeLimitExceeded',
  });
  const devETag = await etagOf(cf, 'rewrite');
  await assert.rejects(
    cf.send(
      new UpdateFunctionCommand({
        Name: 'rewrite',
        IfMatch: devETag,
        FunctionConfig: { Comment: '', Runtime: 'cloudfront-js-2.0' },
        FunctionCode: Buffer.from(syntax),
      }),
    ),
    { name: 'InvalidArgument' },
  );
  assert.equal(await etagOf(cf, 'rewrite'), devETag);
  assert.equal(await codeOf(cf, 'rewrite'), prefixCode('v1'));
  assert.deepEqual(await namesListed(cf), ['draft/DEVELOPMENT', 'rewrite/DEVELOPMENT', 'rewrite/LIVE']);
});

test('CreateFunction checks Name, Runtime and the key value store association, and refuses a taken name', async (t) => {
  const { cf } = await setup(t);
  const refused = async (input: CreateFunctionCommandInput, name: string) => {
    await assert.rejects(cf.send(new CreateFunctionCommand(input)), { name });
  };
  await refused(createInput('has space', prefixCode('x')), 'InvalidArgument');
  await refused(createInput('n'.repeat(65), prefixCode('x')), 'InvalidArgument');
  const withConfig = (FunctionConfig: unknown) =>
    createInput('cfg', prefixCode('x'), { FunctionConfig: FunctionConfig as never });
  await refused(withConfig({ Comment: '', Runtime: 'cloudfront-js-3.0' }), 'InvalidArgument');
  await refused(withConfig({ Comment: 'c'.repeat(129), Runtime: 'cloudfront-js-2.0' }), 'InvalidArgument');
  const kvs = (arns: string[], Runtime = 'cloudfront-js-2.0') =>
    withConfig({
      Comment: '',
      Runtime,
      KeyValueStoreAssociations: {
        Quantity: arns.length,
        Items: arns.map((KeyValueStoreARN) => ({ KeyValueStoreARN })),
      },
    });
  await refused(kvs([`arn:aws:cloudfront::${ACCOUNT}:key-value-store/0000-none`]), 'InvalidArgument');
  await refused(kvs([KVS_ARN, KVS_ARN]), 'InvalidArgument');
  await refused(kvs([KVS_ARN], 'cloudfront-js-1.0'), 'InvalidArgument');
  const twice = [
    { Key: 'k', Value: '1' },
    { Key: 'k', Value: '2' },
  ];
  await refused(createInput('tagged', prefixCode('x'), { Tags: { Items: twice } }), 'InvalidTagging');
  await refused(createInput('rewrite', prefixCode('x')), 'FunctionAlreadyExists');
  await cf.send(new CreateFunctionCommand(createInput('mine', prefixCode('m'))));
  const etag = await etagOf(cf, 'mine');
  await refused(createInput('mine', prefixCode('other')), 'FunctionAlreadyExists');
  assert.equal(await etagOf(cf, 'mine'), etag);
  assert.deepEqual(await namesListed(cf, 'DEVELOPMENT'), [
    'draft/DEVELOPMENT',
    'mine/DEVELOPMENT',
    'rewrite/DEVELOPMENT',
  ]);
});

test('TooManyFunctions past 100 functions in the account, config-file ones counted', async (t) => {
  const { cf } = await setup(t, 98);
  const all = await cf.send(new ListFunctionsCommand({ Stage: 'DEVELOPMENT', MaxItems: 1000 }));
  assert.equal(all.FunctionList?.Quantity, 100);
  await assert.rejects(cf.send(new CreateFunctionCommand(createInput('one-more', prefixCode('x')))), {
    name: 'TooManyFunctions',
  });
  await assert.rejects(cf.send(new DescribeFunctionCommand({ Name: 'one-more' })), {
    name: 'NoSuchFunctionExists',
  });
  await cf.send(new DeleteFunctionCommand({ Name: 'extra-0', IfMatch: await etagOf(cf, 'extra-0') }));
  await cf.send(new CreateFunctionCommand(createInput('one-more', prefixCode('x'))));
});

test('TestFunction runs the stage its ETag names and answers the TestResult: output, logs, compute utilization', async (t) => {
  const { cf } = await setup(t);
  const updated = await updateRewrite(cf, prefixCode('v2', true));
  const dev = await cf.send(
    new TestFunctionCommand({ Name: 'rewrite', IfMatch: updated.ETag, EventObject: eventBytes(MIN_EVENT) }),
  );
  const result = dev.TestResult;
  assert.equal(result?.FunctionSummary?.FunctionMetadata?.Stage, 'DEVELOPMENT');
  assert.equal(JSON.parse(result?.FunctionOutput ?? '{}').request.uri, '/v2/x');
  assert.deepEqual(result?.FunctionExecutionLogs, ['running v2']);
  assert.match(result?.ComputeUtilization ?? '', /^\d+$/);
  assert.equal(result?.FunctionErrorMessage ?? '', '');
  const liveETag = await etagOf(cf, 'rewrite', 'LIVE');
  const live = await cf.send(
    new TestFunctionCommand({
      Name: 'rewrite',
      Stage: 'LIVE',
      IfMatch: liveETag,
      EventObject: eventBytes(MIN_EVENT),
    }),
  );
  assert.equal(live.TestResult?.FunctionSummary?.FunctionMetadata?.Stage, 'LIVE');
  assert.equal(JSON.parse(live.TestResult?.FunctionOutput ?? '{}').request.uri, '/v1/x');
  await assert.rejects(
    cf.send(
      new TestFunctionCommand({
        Name: 'rewrite',
        Stage: 'LIVE',
        IfMatch: updated.ETag,
        EventObject: eventBytes(MIN_EVENT),
      }),
    ),
    { name: 'PreconditionFailed' },
  );
  await assert.rejects(
    cf.send(
      new TestFunctionCommand({
        Name: 'rewrite',
        IfMatch: undefined as never,
        EventObject: eventBytes(MIN_EVENT),
      }),
    ),
    { name: 'InvalidIfMatchVersion' },
  );
  await assert.rejects(
    cf.send(
      new TestFunctionCommand({
        Name: 'draft',
        Stage: 'LIVE',
        IfMatch: await etagOf(cf, 'draft'),
        EventObject: eventBytes(MIN_EVENT),
      }),
    ),
    { name: 'NoSuchFunctionExists' },
  );
});

test('TestFunction: a function that throws is a 200 with FunctionErrorMessage; a malformed event is InvalidArgument', async (t) => {
  const { cf } = await setup(t);
  const created = await cf.send(
    new CreateFunctionCommand(
      createInput('boom', "function handler(event) {\n  throw new Error('kaboom');\n}\n"),
    ),
  );
  const run = (EventObject: Uint8Array) =>
    cf.send(new TestFunctionCommand({ Name: 'boom', IfMatch: created.ETag, EventObject }));
  const result = (await run(eventBytes(MIN_EVENT))).TestResult;
  assert.match(result?.FunctionErrorMessage ?? '', /kaboom/);
  assert.equal(result?.FunctionOutput ?? '', '');
  await assert.rejects(run(Buffer.from('not json')), { name: 'InvalidArgument' });
  await assert.rejects(run(eventBytes({ ...MIN_EVENT, request: undefined })), { name: 'InvalidArgument' });
  await assert.rejects(run(eventBytes({ ...MIN_EVENT, pad: 'p'.repeat(41_000) })), {
    name: 'InvalidArgument',
  });
  assert.equal(await etagOf(cf, 'boom'), created.ETag);
});

test('ListFunctions pages with MaxItems and NextMarker and filters by Stage', async (t) => {
  const { cf } = await setup(t);
  const first = await cf.send(new ListFunctionsCommand({ MaxItems: 2 }));
  assert.equal(first.FunctionList?.Quantity, 2);
  assert.equal(first.FunctionList?.MaxItems, 2);
  assert.ok(first.FunctionList?.NextMarker);
  const second = await cf.send(
    new ListFunctionsCommand({ MaxItems: 2, Marker: first.FunctionList?.NextMarker }),
  );
  assert.deepEqual(
    (second.FunctionList?.Items ?? []).map((f) => `${f.Name}/${f.FunctionMetadata?.Stage}`),
    ['rewrite/LIVE'],
  );
  assert.equal(second.FunctionList?.NextMarker, undefined);
  assert.deepEqual(await namesListed(cf, 'DEVELOPMENT'), ['draft/DEVELOPMENT', 'rewrite/DEVELOPMENT']);
  await assert.rejects(cf.send(new ListFunctionsCommand({ Stage: 'STAGING' as never })), {
    name: 'InvalidArgument',
  });
});
