import assert from 'node:assert/strict';
import test from 'node:test';
import * as cf from '@aws-sdk/client-cloudfront';
import { NormalizedSchema } from '@smithy/core/schema';
import fc from 'fast-check';
import { CLOUDFRONT_XMLNS, errorXml, parseXmlBody, toXml } from '../../../src/control/xml/codec.js';
import { BARE_LIST_ELEMENT, ITEMS_ELEMENT } from '../../../src/control/xml/list-items.js';
import {
  BLOB_FIELDS,
  BOOLEAN_FIELDS,
  DECIMAL_FIELDS,
  INTEGER_FIELDS,
  TIMESTAMP_FIELDS,
} from '../../../src/control/xml/scalars.js';
import { isXmlChar } from '../../../src/control/xml/text.js';
import { ApiError, type ApiErrorCode } from '../../../src/errors.js';
import * as fx from './cloudfront-fixtures.js';
import { type SdkLoopback, startSdkLoopback } from './sdk-loopback.js';

type Obj = Record<string, unknown>;

function throwsApi(fn: () => unknown, code: ApiErrorCode, message: RegExp): void {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof ApiError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

/** `client.send` for a command of any operation. */
const send = (sdk: SdkLoopback, command: unknown) =>
  (sdk.client.send as (c: unknown) => Promise<Obj>).call(sdk.client, command);

async function loopback(t: test.TestContext): Promise<SdkLoopback> {
  const sdk = await startSdkLoopback();
  t.after(() => sdk.close());
  return sdk;
}

// --- reference/control-api.md §2.2 ------------------------------------------------------------

const CREATE_DISTRIBUTION = `<?xml version="1.0" encoding="UTF-8"?>
<DistributionConfig xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">
  <CallerReference>2024-06-01T12:00:00Z-1</CallerReference>
  <Aliases><Quantity>0</Quantity></Aliases>
  <DefaultRootObject>index.html</DefaultRootObject>
  <Origins>
    <Quantity>1</Quantity>
    <Items>
      <Origin>
        <Id>app</Id>
        <DomainName>origin.example.com</DomainName>
        <OriginPath></OriginPath>
        <CustomHeaders><Quantity>0</Quantity></CustomHeaders>
        <CustomOriginConfig>
          <HTTPPort>80</HTTPPort>
          <HTTPSPort>443</HTTPSPort>
          <OriginProtocolPolicy>https-only</OriginProtocolPolicy>
          <OriginSslProtocols><Quantity>1</Quantity><Items><SslProtocol>TLSv1.2</SslProtocol></Items></OriginSslProtocols>
          <OriginReadTimeout>30</OriginReadTimeout>
          <OriginKeepaliveTimeout>5</OriginKeepaliveTimeout>
        </CustomOriginConfig>
        <ConnectionAttempts>3</ConnectionAttempts>
        <ConnectionTimeout>10</ConnectionTimeout>
        <OriginShield><Enabled>false</Enabled></OriginShield>
      </Origin>
    </Items>
  </Origins>
  <DefaultCacheBehavior>
    <TargetOriginId>app</TargetOriginId>
    <ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy>
    <AllowedMethods>
      <Quantity>2</Quantity><Items><Method>GET</Method><Method>HEAD</Method></Items>
      <CachedMethods><Quantity>2</Quantity><Items><Method>GET</Method><Method>HEAD</Method></Items></CachedMethods>
    </AllowedMethods>
    <Compress>true</Compress>
    <CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId>
    <FunctionAssociations>
      <Quantity>1</Quantity>
      <Items><FunctionAssociation>
        <FunctionARN>arn:aws:cloudfront::123456789012:function/rewrite</FunctionARN>
        <EventType>viewer-request</EventType>
      </FunctionAssociation></Items>
    </FunctionAssociations>
    <LambdaFunctionAssociations><Quantity>0</Quantity></LambdaFunctionAssociations>
  </DefaultCacheBehavior>
  <CacheBehaviors><Quantity>0</Quantity></CacheBehaviors>
  <CustomErrorResponses><Quantity>0</Quantity></CustomErrorResponses>
  <Comment></Comment>
  <PriceClass>PriceClass_All</PriceClass>
  <Enabled>true</Enabled>
  <ViewerCertificate><CloudFrontDefaultCertificate>true</CloudFrontDefaultCertificate></ViewerCertificate>
  <Restrictions><GeoRestriction><RestrictionType>none</RestrictionType><Quantity>0</Quantity></GeoRestriction></Restrictions>
  <HttpVersion>http2</HttpVersion>
  <IsIPV6Enabled>true</IsIPV6Enabled>
</DistributionConfig>`;

const GET_HEAD = { Quantity: 2, Items: ['GET', 'HEAD'] };
const CREATE_DISTRIBUTION_INPUT = {
  CallerReference: '2024-06-01T12:00:00Z-1',
  Aliases: { Quantity: 0 },
  DefaultRootObject: 'index.html',
  Origins: { Quantity: 1, Items: [{ ...fx.referenceOrigin, OriginShield: { Enabled: false } }] },
  DefaultCacheBehavior: {
    TargetOriginId: 'app',
    ViewerProtocolPolicy: 'redirect-to-https',
    AllowedMethods: { ...GET_HEAD, CachedMethods: GET_HEAD },
    Compress: true,
    CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
    FunctionAssociations: {
      Quantity: 1,
      Items: [
        { FunctionARN: 'arn:aws:cloudfront::123456789012:function/rewrite', EventType: 'viewer-request' },
      ],
    },
    LambdaFunctionAssociations: { Quantity: 0 },
  },
  CacheBehaviors: { Quantity: 0 },
  CustomErrorResponses: { Quantity: 0 },
  Comment: '',
  PriceClass: 'PriceClass_All',
  Enabled: true,
  ViewerCertificate: { CloudFrontDefaultCertificate: true },
  Restrictions: { GeoRestriction: { RestrictionType: 'none', Quantity: 0 } },
  HttpVersion: 'http2',
  IsIPV6Enabled: true,
};

const CREATE_INVALIDATION = `<InvalidationBatch xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">
  <Paths><Quantity>2</Quantity><Items><Path>/index.html</Path><Path>/img/*</Path></Items></Paths>
  <CallerReference>20240601120000</CallerReference>
</InvalidationBatch>`;

const CREATE_FUNCTION = `<CreateFunctionRequest xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">
  <Name>rewrite</Name>
  <FunctionConfig>
    <Comment>SPA rewrite</Comment>
    <Runtime>cloudfront-js-2.0</Runtime>
    <KeyValueStoreAssociations><Quantity>1</Quantity><Items><KeyValueStoreAssociation>
      <KeyValueStoreARN>arn:aws:cloudfront::123456789012:key-value-store/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111</KeyValueStoreARN>
    </KeyValueStoreAssociation></Items></KeyValueStoreAssociations>
  </FunctionConfig>
  <FunctionCode>ZnVuY3Rpb24gaGFuZGxlcihldmVudCkgeyByZXR1cm4gZXZlbnQucmVxdWVzdDsgfQ==</FunctionCode>
</CreateFunctionRequest>`;
const FUNCTION_CODE = 'ZnVuY3Rpb24gaGFuZGxlcihldmVudCkgeyByZXR1cm4gZXZlbnQucmVxdWVzdDsgfQ==';

test('the reference CreateDistribution body reads as the SDK input the SDK itself sends', async (t) => {
  const config = parseXmlBody(CREATE_DISTRIBUTION, 'DistributionConfig');
  assert.deepEqual(config, CREATE_DISTRIBUTION_INPUT);
  const sdk = await loopback(t);
  await send(sdk, new cf.CreateDistributionCommand({ DistributionConfig: config as never }));
  assert.deepEqual(parseXmlBody(sdk.requests[0].body, 'DistributionConfig'), CREATE_DISTRIBUTION_INPUT);
});

test('the reference CreateInvalidation and CreateFunction bodies read as their SDK inputs', () => {
  assert.deepEqual(parseXmlBody(CREATE_INVALIDATION, 'InvalidationBatch'), {
    Paths: { Quantity: 2, Items: ['/index.html', '/img/*'] },
    CallerReference: '20240601120000',
  });
  assert.deepEqual(parseXmlBody(Buffer.from(CREATE_FUNCTION), 'CreateFunctionRequest'), {
    Name: 'rewrite',
    FunctionConfig: fx.functionConfig,
    FunctionCode: FUNCTION_CODE, // blobs stay base64
  });
});

// --- the tables against the SDK's model ------------------------------------------------------

/** Walks every operation's input and output in the SDK's schema, as its XML (de)serializer does. */
function sdkModel() {
  const items: Obj = {};
  const bare: Obj = {};
  const kinds = {
    number: [] as string[],
    boolean: [] as string[],
    timestamp: [] as string[],
    blob: [] as string[],
  };
  const strings = new Set<string>();
  const seen = new Set<string>();
  const leaf = (ns: NormalizedSchema, name: string) => {
    if (ns.isBooleanSchema()) kinds.boolean.push(name);
    else if (ns.isNumericSchema()) kinds.number.push(name);
    else if (ns.isTimestampSchema()) kinds.timestamp.push(name);
    else if (ns.isBlobSchema()) kinds.blob.push(name);
    else strings.add(name);
  };
  const walk = (ns: NormalizedSchema, element: string) => {
    if (seen.has(`${ns.getName()}@${element}`)) return;
    seen.add(`${ns.getName()}@${element}`);
    for (const [member, ms] of ns.structIterator()) {
      const traits = ms.getMergedTraits();
      if (traits.httpHeader || traits.httpQuery || traits.httpLabel || traits.httpPrefixHeaders) continue;
      if (traits.httpPayload && !ms.isStructSchema()) continue; // raw bodies (GetFunction)
      const name = String(traits.xmlName ?? (traits.httpPayload ? ms.getName() : member));
      if (ms.isListSchema()) {
        const value = ms.getValueSchema();
        const item = String(value.getMergedTraits().xmlName ?? 'member');
        const table = name === 'Items' ? items : bare;
        const key = name === 'Items' ? element : name;
        assert.ok(table[key] === undefined || table[key] === item, `${key} has two item names`);
        table[key] = item;
        if (value.isStructSchema()) walk(value, item);
        else leaf(value, item);
      } else if (ms.isStructSchema()) walk(ms, name);
      else leaf(ms, name);
    }
  };
  for (const [name, schema] of Object.entries(cf))
    if (/(Request|Result)\$$/.test(name) && Array.isArray(schema) && schema[0] === 3)
      walk(NormalizedSchema.of(schema as never), '');
  return { items, bare, kinds, strings };
}

test('item element names and typed fields are exactly the SDK model’s', () => {
  const model = sdkModel();
  const sorted = (names: Iterable<string>) => [...new Set(names)].sort();
  assert.deepEqual(model.items, { ...ITEMS_ELEMENT });
  assert.deepEqual(model.bare, { ...BARE_LIST_ELEMENT });
  assert.deepEqual(sorted(model.kinds.number), sorted([...INTEGER_FIELDS, ...DECIMAL_FIELDS]));
  assert.deepEqual(sorted(model.kinds.boolean), sorted(BOOLEAN_FIELDS));
  assert.deepEqual(sorted(model.kinds.timestamp), sorted(TIMESTAMP_FIELDS));
  assert.deepEqual(sorted(model.kinds.blob), sorted(BLOB_FIELDS));
  // Typing by name is sound only if no typed name is a string elsewhere in the model.
  for (const name of Object.values(model.kinds).flat()) assert.ok(!model.strings.has(name), name);
  assert.ok(model.strings.has('ComputeUtilization') && model.strings.has('ResponseCode'));
});

// --- SDK → edgefront -------------------------------------------------------------------------

const CODE = new TextEncoder().encode('function handler(event) { return event.request; }');
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const TAGS = { Items: [{ Key: 'team', Value: 'edge & <cdn>' }, { Key: 'empty' }] };

const SENT: [command: unknown, root: string, body: Obj][] = [
  [
    new cf.CreateDistributionCommand({ DistributionConfig: fx.distributionConfig }),
    'DistributionConfig',
    fx.distributionConfig,
  ],
  [
    new cf.CreateDistributionWithTagsCommand({
      DistributionConfigWithTags: { DistributionConfig: fx.distributionConfig, Tags: TAGS },
    }),
    'DistributionConfigWithTags',
    { DistributionConfig: fx.distributionConfig, Tags: TAGS },
  ],
  [
    new cf.CreateInvalidationCommand({
      DistributionId: 'E1',
      InvalidationBatch: fx.invalidation.InvalidationBatch,
    }),
    'InvalidationBatch',
    fx.invalidation.InvalidationBatch,
  ],
  [
    new cf.CreateCachePolicyCommand({ CachePolicyConfig: fx.cachePolicyConfig }),
    'CachePolicyConfig',
    fx.cachePolicyConfig,
  ],
  [
    new cf.CreateOriginRequestPolicyCommand({ OriginRequestPolicyConfig: fx.originRequestPolicyConfig }),
    'OriginRequestPolicyConfig',
    fx.originRequestPolicyConfig,
  ],
  [
    new cf.CreateResponseHeadersPolicyCommand({
      ResponseHeadersPolicyConfig: fx.responseHeadersPolicyConfig,
    }),
    'ResponseHeadersPolicyConfig',
    fx.responseHeadersPolicyConfig,
  ],
  [
    new cf.CreateFunctionCommand({ Name: 'rewrite', FunctionConfig: fx.functionConfig, FunctionCode: CODE }),
    'CreateFunctionRequest',
    { Name: 'rewrite', FunctionConfig: fx.functionConfig, FunctionCode: base64(CODE) },
  ],
  [
    new cf.UpdateFunctionCommand({
      Name: 'rewrite',
      IfMatch: 'E1',
      FunctionConfig: fx.functionConfig,
      FunctionCode: CODE,
    }),
    'UpdateFunctionRequest',
    { FunctionConfig: fx.functionConfig, FunctionCode: base64(CODE) },
  ],
  [
    new cf.TestFunctionCommand({ Name: 'rewrite', IfMatch: 'E1', Stage: 'DEVELOPMENT', EventObject: CODE }),
    'TestFunctionRequest',
    { Stage: 'DEVELOPMENT', EventObject: base64(CODE) },
  ],
  [
    new cf.CreateKeyGroupCommand({ KeyGroupConfig: fx.keyGroup.KeyGroupConfig }),
    'KeyGroupConfig',
    fx.keyGroup.KeyGroupConfig,
  ],
  [
    new cf.CreatePublicKeyCommand({ PublicKeyConfig: fx.publicKey.PublicKeyConfig }),
    'PublicKeyConfig',
    fx.publicKey.PublicKeyConfig,
  ],
  [
    new cf.CreateOriginAccessControlCommand({
      OriginAccessControlConfig: fx.originAccessControl.OriginAccessControlConfig,
    }),
    'OriginAccessControlConfig',
    fx.originAccessControl.OriginAccessControlConfig,
  ],
  [
    new cf.CreateContinuousDeploymentPolicyCommand({
      ContinuousDeploymentPolicyConfig: fx.continuousDeploymentPolicy.ContinuousDeploymentPolicyConfig,
    }),
    'ContinuousDeploymentPolicyConfig',
    fx.continuousDeploymentPolicy.ContinuousDeploymentPolicyConfig,
  ],
  [new cf.TagResourceCommand({ Resource: 'arn:x', Tags: TAGS }), 'Tags', TAGS],
  [
    new cf.UntagResourceCommand({ Resource: 'arn:x', TagKeys: { Items: ['team'] } }),
    'TagKeys',
    { Items: ['team'] },
  ],
  [
    new cf.CopyDistributionCommand({
      PrimaryDistributionId: 'E1',
      Staging: true,
      IfMatch: 'E2',
      CallerReference: 'copy-1',
      Enabled: false,
    }),
    'CopyDistributionRequest',
    { CallerReference: 'copy-1', Enabled: false },
  ],
  [
    new cf.CreateRealtimeLogConfigCommand({
      Name: 'rt',
      SamplingRate: 50,
      Fields: ['timestamp', 'c-ip'],
      EndPoints: [
        { StreamType: 'Kinesis', KinesisStreamConfig: { RoleARN: 'arn:role', StreamARN: 'arn:stream' } },
      ],
    }),
    'CreateRealtimeLogConfigRequest',
    {
      Name: 'rt',
      SamplingRate: 50,
      Fields: ['timestamp', 'c-ip'],
      EndPoints: [
        { StreamType: 'Kinesis', KinesisStreamConfig: { RoleARN: 'arn:role', StreamARN: 'arn:stream' } },
      ],
    },
  ],
  [
    new cf.CreateMonitoringSubscriptionCommand({
      DistributionId: 'E1',
      MonitoringSubscription: {
        RealtimeMetricsSubscriptionConfig: { RealtimeMetricsSubscriptionStatus: 'Enabled' },
      },
    }),
    'MonitoringSubscription',
    { RealtimeMetricsSubscriptionConfig: { RealtimeMetricsSubscriptionStatus: 'Enabled' } },
  ],
];

test('every body the SDK sends reads back as the command input (rich configs of each kind)', async (t) => {
  const sdk = await loopback(t);
  for (const [command, root, body] of SENT) {
    await send(sdk, command);
    const sent = sdk.requests.at(-1)!.body;
    assert.deepEqual(parseXmlBody(sent, root), body, `${root}: ${sent}`);
  }
});

// --- edgefront → SDK -------------------------------------------------------------------------

const RECEIVED: [root: string, value: Obj, command: unknown][] = [
  ['Distribution', fx.distribution, new cf.GetDistributionCommand({ Id: 'E1' })],
  ['DistributionConfig', fx.distributionConfig, new cf.GetDistributionConfigCommand({ Id: 'E1' })],
  [
    'DistributionList',
    {
      Marker: '',
      NextMarker: 'E2',
      MaxItems: 1,
      IsTruncated: true,
      Quantity: 1,
      Items: [fx.distributionSummary],
    },
    new cf.ListDistributionsCommand({}),
  ],
  [
    'DistributionIdList',
    { Marker: '', MaxItems: 2, IsTruncated: false, Quantity: 2, Items: ['E1', 'E2'] },
    new cf.ListDistributionsByCachePolicyIdCommand({ CachePolicyId: 'p' }),
  ],
  ['Invalidation', fx.invalidation, new cf.GetInvalidationCommand({ DistributionId: 'E1', Id: 'I1' })],
  [
    'InvalidationList',
    {
      Marker: '',
      MaxItems: 100,
      IsTruncated: false,
      Quantity: 1,
      Items: [{ Id: fx.invalidation.Id, CreateTime: fx.invalidation.CreateTime, Status: 'Completed' }],
    },
    new cf.ListInvalidationsCommand({ DistributionId: 'E1' }),
  ],
  ['CachePolicy', fx.cachePolicy, new cf.GetCachePolicyCommand({ Id: 'p' })],
  [
    'CachePolicyList',
    { NextMarker: 'p2', MaxItems: 1, Quantity: 1, Items: [{ Type: 'custom', CachePolicy: fx.cachePolicy }] },
    new cf.ListCachePoliciesCommand({}),
  ],
  [
    'OriginRequestPolicy',
    { Id: 'o', LastModifiedTime: fx.MODIFIED, OriginRequestPolicyConfig: fx.originRequestPolicyConfig },
    new cf.GetOriginRequestPolicyCommand({ Id: 'o' }),
  ],
  [
    'ResponseHeadersPolicy',
    { Id: 'r', LastModifiedTime: fx.MODIFIED, ResponseHeadersPolicyConfig: fx.responseHeadersPolicyConfig },
    new cf.GetResponseHeadersPolicyCommand({ Id: 'r' }),
  ],
  ['FunctionSummary', fx.functionSummary, new cf.DescribeFunctionCommand({ Name: 'rewrite' })],
  [
    'FunctionList',
    { MaxItems: 1, Quantity: 1, Items: [fx.functionSummary] },
    new cf.ListFunctionsCommand({}),
  ],
  [
    'TestResult',
    fx.testResult,
    new cf.TestFunctionCommand({ Name: 'rewrite', IfMatch: 'E1', EventObject: CODE }),
  ],
  ['KeyGroup', fx.keyGroup, new cf.GetKeyGroupCommand({ Id: 'kg-1' })],
  [
    'KeyGroupList',
    { MaxItems: 1, Quantity: 1, Items: [{ KeyGroup: fx.keyGroup }] },
    new cf.ListKeyGroupsCommand({}),
  ],
  ['PublicKey', fx.publicKey, new cf.GetPublicKeyCommand({ Id: 'k' })],
  ['OriginAccessControl', fx.originAccessControl, new cf.GetOriginAccessControlCommand({ Id: 'o' })],
  [
    'ContinuousDeploymentPolicy',
    fx.continuousDeploymentPolicy,
    new cf.GetContinuousDeploymentPolicyCommand({ Id: 'c' }),
  ],
  ['KeyValueStore', fx.keyValueStore, new cf.DescribeKeyValueStoreCommand({ Name: 'redirects' })],
  [
    'KeyValueStoreList',
    { MaxItems: 1, Quantity: 1, Items: [fx.keyValueStore] },
    new cf.ListKeyValueStoresCommand({}),
  ],
  ['Tags', TAGS, new cf.ListTagsForResourceCommand({ Resource: 'arn:x' })],
];

test('the SDK reads everything we serialise as the object we serialised (Dates as Dates)', async (t) => {
  const sdk = await loopback(t);
  for (const [root, value, command] of RECEIVED) {
    sdk.answer({ body: toXml(root, value) });
    const output = await send(sdk, command);
    assert.deepEqual(output[root], value, root);
  }
});

test('errorXml is CloudFront’s error body: the SDK raises the named exception with its message', async (t) => {
  const body = errorXml(
    'Sender',
    'NoSuchDistribution',
    'The specified distribution does not exist.',
    'req-1',
  );
  assert.equal(
    body,
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${CLOUDFRONT_XMLNS}"><Error><Type>Sender</Type>` +
      '<Code>NoSuchDistribution</Code><Message>The specified distribution does not exist.</Message></Error>' +
      '<RequestId>req-1</RequestId></ErrorResponse>',
  );
  const sdk = await loopback(t);
  sdk.answer({ status: 404, body, headers: { 'x-amzn-RequestId': 'req-1' } });
  await assert.rejects(send(sdk, new cf.GetDistributionCommand({ Id: 'E404' })), (err: Error) => {
    assert.ok(err instanceof cf.NoSuchDistribution);
    assert.equal(err.message, 'The specified distribution does not exist.');
    assert.equal(err.$metadata.requestId, 'req-1');
    return true;
  });
  sdk.answer({
    status: 503,
    body: errorXml('Receiver', 'ServiceUnavailable', 'try <again> & later', 'req-2'),
  });
  await assert.rejects(send(sdk, new cf.GetDistributionCommand({ Id: 'E1' })), {
    message: 'try <again> & later',
  });
});

// --- errors ----------------------------------------------------------------------------------

test('an empty body is MissingBody', () => {
  throwsApi(() => parseXmlBody('', 'DistributionConfig'), 'MissingBody', /<DistributionConfig>/);
  throwsApi(() => parseXmlBody(Buffer.alloc(0), 'InvalidationBatch'), 'MissingBody', /empty/);
  throwsApi(() => parseXmlBody(' \n ', 'InvalidationBatch'), 'MissingBody', /empty/);
});

test('garbage, a wrong root element and mismatched tags are MalformedXML saying what was expected', () => {
  throwsApi(() => parseXmlBody('not xml at all', 'InvalidationBatch'), 'MalformedXML', /not well-formed/);
  throwsApi(() => parseXmlBody('{"Paths": []}', 'InvalidationBatch'), 'MalformedXML', /<InvalidationBatch>/);
  throwsApi(() => parseXmlBody('<a><b></a>', 'InvalidationBatch'), 'MalformedXML', /not well-formed/);
  throwsApi(
    () => parseXmlBody(CREATE_INVALIDATION, 'DistributionConfig'),
    'MalformedXML',
    /Expected <DistributionConfig> as the root element, got <InvalidationBatch>/,
  );
  throwsApi(() => parseXmlBody('<X>&nbsp;</X>', 'X'), 'MalformedXML', /&nbsp; is not defined/);
  throwsApi(() => parseXmlBody('<X>&#0;</X>', 'X'), 'MalformedXML', /not a character/);
  throwsApi(
    () => parseXmlBody('<X><Id>1</Id><Id>2</Id></X>', 'X'),
    'MalformedXML',
    /Id> appears more than once/,
  );
  throwsApi(() => parseXmlBody('<X>text</X>', 'X'), 'MalformedXML', /holds text/);
});

test('DTDs are refused outright: no entity expansion, no external entities', () => {
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE X [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;">]><X><Comment>&b;</Comment></X>';
  const xxe = '<!DOCTYPE X [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><X><Comment>&xxe;</Comment></X>';
  const plain = '<!doctype X><X/>';
  for (const body of [laughs, xxe, plain]) throwsApi(() => parseXmlBody(body, 'X'), 'MalformedXML', /DTD/);
  // The same text inside CDATA or a comment is just text.
  assert.deepEqual(parseXmlBody('<X><!-- <!DOCTYPE --><C><![CDATA[<!DOCTYPE x> &amp;]]></C></X>', 'X'), {
    C: '<!DOCTYPE x> &amp;',
  });
});

test('documents nested deeper than 64 levels are MalformedXML', () => {
  const nest = (levels: number) => `<X>${'<a>'.repeat(levels - 2)}<b>1</b>${'</a>'.repeat(levels - 2)}</X>`;
  assert.ok(parseXmlBody(nest(64), 'X'));
  throwsApi(() => parseXmlBody(nest(65), 'X'), 'MalformedXML', /deeper than 64/);
  throwsApi(() => parseXmlBody(nest(5000), 'X'), 'MalformedXML', /deeper than 64/);
});

test('a Quantity that does not count the Items is InconsistentQuantities naming the list', () => {
  const aliases = (q: number, items: string) =>
    `<DistributionConfig><Aliases><Quantity>${q}</Quantity>${items}</Aliases></DistributionConfig>`;
  throwsApi(
    () => parseXmlBody(aliases(2, '<Items><CNAME>a.example.com</CNAME></Items>'), 'DistributionConfig'),
    'InconsistentQuantities',
    /^Aliases: Quantity 2 but 1 item$/,
  );
  throwsApi(
    () => parseXmlBody(aliases(1, ''), 'DistributionConfig'),
    'InconsistentQuantities',
    /^Aliases: Quantity 1 but 0 items$/,
  );
  const nested = `<DistributionConfig><DefaultCacheBehavior><AllowedMethods><Quantity>2</Quantity><Items><Method>GET</Method>
    <Method>HEAD</Method></Items><CachedMethods><Quantity>3</Quantity><Items><Method>GET</Method></Items></CachedMethods>
    </AllowedMethods></DefaultCacheBehavior></DistributionConfig>`;
  throwsApi(
    () => parseXmlBody(nested, 'DistributionConfig'),
    'InconsistentQuantities',
    /^DefaultCacheBehavior\.AllowedMethods\.CachedMethods: Quantity 3 but 1 item$/,
  );
});

test('a non-number in a numeric field or a non-boolean in a boolean field is InvalidArgument naming the field', () => {
  const config = (inner: string) => `<DistributionConfig>${inner}</DistributionConfig>`;
  throwsApi(
    () =>
      parseXmlBody(
        config('<DefaultCacheBehavior><MinTTL>abc</MinTTL></DefaultCacheBehavior>'),
        'DistributionConfig',
      ),
    'InvalidArgument',
    /^DefaultCacheBehavior\.MinTTL: "abc" is not an integer$/,
  );
  throwsApi(
    () => parseXmlBody(config('<Enabled>yes</Enabled>'), 'DistributionConfig'),
    'InvalidArgument',
    /^Enabled: "yes"/,
  );
  throwsApi(
    () =>
      parseXmlBody(
        config(
          '<CacheBehaviors><Quantity>1</Quantity><Items><CacheBehavior><MaxTTL>1.5</MaxTTL></CacheBehavior></Items></CacheBehaviors>',
        ),
        'DistributionConfig',
      ),
    'InvalidArgument',
    /^CacheBehaviors\.Items\[0\]\.MaxTTL: "1\.5" is not an integer$/,
  );
  throwsApi(
    () => parseXmlBody(config('<Quantity><n>1</n></Quantity>'), 'DistributionConfig'),
    'InvalidArgument',
    /Quantity: expected a value/,
  );
  assert.deepEqual(parseXmlBody('<P><Weight>0.15</Weight><SamplingRate>1e1</SamplingRate></P>', 'P'), {
    Weight: 0.15,
    SamplingRate: 10,
  });
});

// --- writing ---------------------------------------------------------------------------------

test('toXml escapes markup, keeps line breaks and never emits a character XML 1.0 forbids', () => {
  const xml = toXml('X', { Comment: `a&b <c> "d" 'e' \r\n\t ]]> é 𝄞 \u0001\u0000 \uFFFE \uD800x` });
  assert.match(
    xml,
    /^<\?xml version="1.0" encoding="UTF-8"\?>\n<X xmlns="http:\/\/cloudfront\.amazonaws\.com\/doc\/2020-05-31\/">/,
  );
  for (const ch of xml) assert.ok(isXmlChar(ch.codePointAt(0)!), `U+${ch.codePointAt(0)!.toString(16)}`);
  assert.deepEqual(parseXmlBody(xml, 'X'), {
    Comment: `a&b <c> "d" 'e' \r\n\t ]]> é 𝄞 \uFFFD\uFFFD \uFFFD \uFFFDx`,
  });
});

test('toXml writes Dates and timestamp strings as ISO-8601 with ms, bytes as base64, and omits undefined', () => {
  const xml = toXml('FunctionSummary', {
    Name: 'f',
    Status: undefined,
    FunctionMetadata: {
      CreatedTime: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
      LastModifiedTime: '2024-06-01T12:00:00Z',
    },
    FunctionCode: Buffer.from('hi'),
    EventObject: new Uint8Array([1, 2, 3]),
  });
  assert.ok(
    xml.includes(
      '<CreatedTime>2024-01-02T03:04:05.000Z</CreatedTime><LastModifiedTime>2024-06-01T12:00:00.000Z<',
    ),
  );
  assert.ok(xml.includes('<FunctionCode>aGk=</FunctionCode><EventObject>AQID</EventObject>'));
  assert.ok(!xml.includes('Status'));
  assert.throws(() => toXml('X', { Items: ['a'] }), /no item element name for the list <X><Items>/);
  assert.throws(() => toXml('X', { 'bad name': 1 }), /not an element name/);
});

test('toXml names list items after their wrapper, not their shape', () => {
  const xml = toXml('ResponseHeadersPolicyConfig', {
    CorsConfig: { AccessControlAllowOrigins: { Quantity: 1, Items: ['*'] } },
    CustomHeadersConfig: { Quantity: 1, Items: [{ Header: 'h', Value: 'v', Override: true }] },
  });
  assert.ok(
    xml.includes('<AccessControlAllowOrigins><Quantity>1</Quantity><Items><Origin>*</Origin></Items>'),
  );
  assert.ok(xml.includes('<Items><ResponseHeadersPolicyCustomHeader><Header>h</Header>'));
  assert.ok(toXml('KeyGroupConfig', { Items: ['K1'] }).includes('<Items><PublicKey>K1</PublicKey></Items>'));
  assert.ok(
    toXml('TestResult', { FunctionExecutionLogs: ['a'] }).includes(
      '<FunctionExecutionLogs><member>a</member>',
    ),
  );
});

// --- round trip ------------------------------------------------------------------------------

/** Strings of characters XML 1.0 can carry, rich in markup, line breaks and non-BMP text. */
const text = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      '&',
      '<',
      '>',
      '"',
      "'",
      ']]>',
      '&amp;',
      ' ',
      '\t',
      '\n',
      '\r',
      '\r\n',
      '\u0085',
      '\u2028',
    ),
    fc.integer({ min: 0x20, max: 0xd7ff }).map((c) => String.fromCodePoint(c)),
    fc.integer({ min: 0xe000, max: 0xfffd }).map((c) => String.fromCodePoint(c)),
    fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
  ),
  maxLength: 10,
});
const int = fc.integer({ min: 0, max: 2 ** 31 });
const list = <T>(item: fc.Arbitrary<T>): fc.Arbitrary<{ Quantity: number; Items?: T[] }> =>
  fc
    .array(item, { maxLength: 3 })
    .chain((items) =>
      items.length
        ? fc.constant({ Quantity: items.length, Items: items })
        : fc.constantFrom<{ Quantity: number; Items?: T[] }>({ Quantity: 0 }, { Quantity: 0, Items: [] }),
    );
/** Records with a normal prototype (as parsed objects have); all keys required unless listed. */
const some = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }, required?: (keyof T)[]) =>
  fc.record(model, { requiredKeys: required, noNullPrototype: true });

const origin = some(
  {
    Id: text,
    DomainName: text,
    OriginPath: text,
    CustomHeaders: list(some({ HeaderName: text, HeaderValue: text }, ['HeaderName'])),
    CustomOriginConfig: some(
      { HTTPPort: int, OriginProtocolPolicy: text, OriginSslProtocols: list(text), OriginReadTimeout: int },
      ['HTTPPort'],
    ),
    ConnectionAttempts: int,
    OriginShield: some({ Enabled: fc.boolean(), OriginShieldRegion: text }, ['Enabled']),
  },
  ['Id'],
);
const behavior = some(
  {
    PathPattern: text,
    TargetOriginId: text,
    TrustedKeyGroups: fc.tuple(fc.boolean(), list(text)).map(([Enabled, keys]) => ({ Enabled, ...keys })),
    AllowedMethods: fc
      .tuple(list(text), list(text))
      .map(([allowed, cached]) => ({ ...allowed, CachedMethods: cached })),
    Compress: fc.boolean(),
    LambdaFunctionAssociations: list(
      some({ LambdaFunctionARN: text, EventType: text, IncludeBody: fc.boolean() }, ['EventType']),
    ),
    ForwardedValues: some(
      {
        QueryString: fc.boolean(),
        Cookies: some({ Forward: text, WhitelistedNames: list(text) }, ['Forward']),
        Headers: list(text),
      },
      ['QueryString'],
    ),
    MinTTL: int,
  },
  ['TargetOriginId'],
);
const distributionConfigLike = some(
  {
    CallerReference: text,
    Aliases: list(text),
    Origins: list(origin),
    OriginGroups: list(
      some(
        {
          Id: text,
          FailoverCriteria: some({ StatusCodes: list(fc.integer({ min: 400, max: 599 })) }),
          Members: list(some({ OriginId: text })),
        },
        ['Id'],
      ),
    ),
    DefaultCacheBehavior: behavior,
    CacheBehaviors: list(behavior),
    CustomErrorResponses: list(
      some({ ErrorCode: int, ResponseCode: text, ErrorCachingMinTTL: int }, ['ErrorCode']),
    ),
    Comment: text,
    Enabled: fc.boolean(),
    Restrictions: some({
      GeoRestriction: fc
        .tuple(text, list(text))
        .map(([RestrictionType, codes]) => ({ RestrictionType, ...codes })),
    }),
    TrafficConfig: some(
      { SingleWeightConfig: some({ Weight: fc.double({ min: 0, max: 1, noNaN: true }).map((w) => w + 0) }) },
      ['SingleWeightConfig'],
    ),
  },
  ['CallerReference'],
);

test('parseXmlBody(toXml(x)) is x for random DistributionConfig-like objects', () => {
  fc.assert(
    fc.property(distributionConfigLike, (config) => {
      assert.deepEqual(parseXmlBody(toXml('DistributionConfig', config), 'DistributionConfig'), config);
    }),
    { numRuns: 300 },
  );
});
