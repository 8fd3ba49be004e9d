import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';
import * as cf from '@aws-sdk/client-cloudfront';
import type * as z from 'zod';
import { loadTemplate } from '../../../src/config/cloudformation/template.js';
import { Issues, type Obj } from '../../../src/config/issues.js';
import { isTemplate, loadConfigFiles } from '../../../src/config/load.js';
import { loadNative } from '../../../src/config/native.js';
import { normalizeDistributionConfig, normalizePolicyLists } from '../../../src/config/normalize.js';
import { emptyRaw, type RawConfig } from '../../../src/config/raw.js';
import { distributionConfig as distributionSchema } from '../../../src/config/schema/distribution.js';
import * as policies from '../../../src/config/schema/policies.js';
import { parseSource } from '../../../src/config/yaml-source.js';
import {
  cachePolicyConfigToApi,
  continuousDeploymentPolicyConfigToApi,
  distributionConfigToApi,
  keyGroupConfigToApi,
  originAccessControlConfigToApi,
  originRequestPolicyConfigToApi,
  publicKeyConfigToApi,
  responseHeadersPolicyConfigToApi,
} from '../../../src/control/api-shape.js';
import { toXml } from '../../../src/control/xml/codec.js';
import * as fx from './cloudfront-fixtures.js';
import { type SdkLoopback, startSdkLoopback } from './sdk-loopback.js';

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const EXAMPLE_FILES = [
  'quickstart/edgefront.yaml',
  'site-api/edgefront.yaml',
  'functions/edgefront.yaml',
  'spa-s3-oac/template.yaml',
  'cdk-app/cdk.out/EdgeStack.template.json',
];
const REF = { CallerReference: 'edgefront-config-E1' };

/** How the config loader reads each kind (config/parse.ts): its normaliser and its schema. */
interface Kind {
  raw: keyof RawConfig;
  key: string;
  toApi: (cfn: Obj) => Obj;
  normalize: (v: unknown) => unknown;
  schema: z.ZodType;
  /** The SDK call that returns this config as `output[key]`. */
  get: unknown;
}
const same = (v: unknown) => v; // kinds config/parse.ts reads without a normaliser
const KINDS: Kind[] = (
  [
    [
      'distributions',
      'DistributionConfig',
      (cfn) => withoutCallerReference(distributionConfigToApi(cfn, REF)),
      normalizeDistributionConfig,
      distributionSchema,
      new cf.GetDistributionConfigCommand({ Id: 'E1' }),
    ],
    [
      'cachePolicies',
      'CachePolicyConfig',
      cachePolicyConfigToApi,
      normalizePolicyLists,
      policies.cachePolicyConfig,
      new cf.GetCachePolicyConfigCommand({ Id: 'p' }),
    ],
    [
      'originRequestPolicies',
      'OriginRequestPolicyConfig',
      originRequestPolicyConfigToApi,
      normalizePolicyLists,
      policies.originRequestPolicyConfig,
      new cf.GetOriginRequestPolicyConfigCommand({ Id: 'p' }),
    ],
    [
      'originAccessControls',
      'OriginAccessControlConfig',
      originAccessControlConfigToApi,
      same,
      policies.originAccessControlConfig,
      new cf.GetOriginAccessControlConfigCommand({ Id: 'o' }),
    ],
    [
      'keyGroups',
      'KeyGroupConfig',
      keyGroupConfigToApi,
      same,
      policies.keyGroupConfig,
      new cf.GetKeyGroupConfigCommand({ Id: 'k' }),
    ],
    [
      'publicKeys',
      'PublicKeyConfig',
      (cfn) => publicKeyConfigToApi(cfn, REF),
      same,
      policies.publicKeyConfig,
      new cf.GetPublicKeyConfigCommand({ Id: 'k' }),
    ],
  ] satisfies [Kind['raw'], string, Kind['toApi'], Kind['normalize'], z.ZodType, unknown][]
).map(([raw, key, toApi, normalize, schema, get]) => ({ raw, key, toApi, normalize, schema, get }));
const kind = (raw: keyof RawConfig) => KINDS.find((k) => k.raw === raw)!;

/** CallerReference is the API's idempotency key, not a config field (the loader rejects it). */
function withoutCallerReference(api: Obj): Obj {
  const { CallerReference, ...rest } = api;
  assert.equal(CallerReference, REF.CallerReference);
  return rest;
}

function parsed(schema: z.ZodType, value: unknown): unknown {
  const result = schema.safeParse(value);
  assert.ok(result.success, JSON.stringify(result.error?.issues));
  return result.data;
}

/**
 * `normalize(toApi(x))` means what `normalize(x)` means: equal once the loader's schema has
 * applied its defaults, which are the values toApi fills in where the API always has a field.
 */
function assertInverse(k: Kind, cfn: Obj): void {
  assert.deepEqual(parsed(k.schema, k.normalize(k.toApi(cfn))), parsed(k.schema, k.normalize(cfn)));
}

async function loopback(t: test.TestContext): Promise<SdkLoopback> {
  const sdk = await startSdkLoopback();
  t.after(() => sdk.close());
  return sdk;
}

/** The SDK's deserializer reads our XML of `api` back as `api`: nothing unknown, nothing lost. */
async function assertSdkReads(sdk: SdkLoopback, k: Kind, api: Obj): Promise<void> {
  sdk.answer({ body: toXml(k.key, api) });
  const output = await (sdk.client.send as (c: unknown) => Promise<Obj>).call(sdk.client, k.get);
  assert.deepEqual(output[k.key], api, k.key);
}

/** Every field of `expected` is in `actual` with the same value (toApi may add defaults). */
function assertContains(actual: unknown, expected: unknown, path = ''): void {
  if (Array.isArray(expected)) {
    assert.ok(
      Array.isArray(actual) && actual.length === expected.length,
      `${path}: ${JSON.stringify(actual)}`,
    );
    for (const [i, e] of expected.entries()) assertContains(actual[i], e, `${path}[${i}]`);
  } else if (typeof expected === 'object' && expected !== null && !(expected instanceof Date)) {
    assert.ok(typeof actual === 'object' && actual !== null, path);
    for (const [k, v] of Object.entries(expected)) assertContains((actual as Obj)[k], v, `${path}.${k}`);
  } else assert.deepEqual(actual, expected, path);
}

async function rawExample(file: string): Promise<RawConfig> {
  const path = EXAMPLES + file;
  const issues = new Issues();
  const raw = emptyRaw();
  const { value } = parseSource(await readFile(path, 'utf8'), path, issues);
  const ctx = { accountId: '123456789012', region: 'us-east-1', parameters: {} };
  if (isTemplate(value)) loadTemplate(value as Obj, path, dirname(path), ctx, raw, issues);
  else loadNative(value as Obj, path, dirname(path), raw, issues);
  assert.equal(issues.count, 0, JSON.stringify(issues.list));
  return raw;
}

test('every resource of every example config survives toApi: normalize(toApi(x)) means normalize(x)', async (t) => {
  const sdk = await loopback(t);
  let checked = 0;
  for (const file of EXAMPLE_FILES) {
    const raw = await rawExample(file);
    for (const k of KINDS) {
      for (const entry of raw[k.raw] as { value: Obj }[]) {
        const cfn = entry.value[k.key] as Obj;
        assertInverse(k, cfn);
        await assertSdkReads(sdk, k, k.toApi(cfn));
        checked++;
      }
    }
  }
  assert.ok(checked >= 8, `only ${checked} resources`);
});

test('the loaded model’s distributions (what the API serves for config files) are SDK-readable configs', async (t) => {
  const sdk = await loopback(t);
  const k = kind('distributions');
  for (const file of EXAMPLE_FILES) {
    const { model } = await loadConfigFiles([EXAMPLES + file]);
    for (const dist of model.distributions) {
      const cfn = dist.DistributionConfig as unknown as Obj; // deeply frozen
      const api = k.toApi(cfn);
      assert.deepEqual(parsed(k.schema, k.normalize(api)), parsed(k.schema, cfn));
      await assertSdkReads(sdk, k, distributionConfigToApi(cfn, REF));
      (api.Origins as Obj).Quantity = 0; // the result is a copy, free to change
    }
  }
});

const MINIMAL_DISTRIBUTION = {
  Enabled: true,
  Origins: [
    {
      Id: 'app',
      DomainName: 'origin.example.com',
      CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
    },
  ],
  DefaultCacheBehavior: { TargetOriginId: 'app', ViewerProtocolPolicy: 'allow-all', CachePolicyId: 'p' },
};
const GET_HEAD = { Quantity: 2, Items: ['GET', 'HEAD'] };
const UNSET_SIGNERS = { Enabled: false, Quantity: 0 };

test('a minimal CloudFormation distribution gets what CloudFront fills in for an unset field', async (t) => {
  const api = distributionConfigToApi(MINIMAL_DISTRIBUTION, REF);
  assert.deepEqual(api, {
    CallerReference: REF.CallerReference,
    Aliases: { Quantity: 0 },
    DefaultRootObject: '',
    Origins: { Quantity: 1, Items: [fx.referenceOrigin] },
    OriginGroups: { Quantity: 0 },
    DefaultCacheBehavior: {
      TargetOriginId: 'app',
      TrustedSigners: UNSET_SIGNERS,
      TrustedKeyGroups: UNSET_SIGNERS,
      ViewerProtocolPolicy: 'allow-all',
      AllowedMethods: { ...GET_HEAD, CachedMethods: GET_HEAD },
      Compress: false,
      LambdaFunctionAssociations: { Quantity: 0 },
      FunctionAssociations: { Quantity: 0 },
      CachePolicyId: 'p',
    },
    CacheBehaviors: { Quantity: 0 },
    CustomErrorResponses: { Quantity: 0 },
    Comment: '',
    Logging: { Enabled: false, IncludeCookies: false, Bucket: '', Prefix: '' },
    PriceClass: 'PriceClass_All',
    Enabled: true,
    ViewerCertificate: { CloudFrontDefaultCertificate: true },
    Restrictions: { GeoRestriction: { RestrictionType: 'none', Quantity: 0 } },
    HttpVersion: 'http1.1',
    IsIPV6Enabled: false,
  });
  assertInverse(kind('distributions'), MINIMAL_DISTRIBUTION);
  await assertSdkReads(await loopback(t), kind('distributions'), api);
  // CloudFormation's default origin SSL protocols, which the model applies too.
  const origin = {
    Id: 'app',
    DomainName: 'a.example',
    CustomOriginConfig: { OriginProtocolPolicy: 'https-only' },
  };
  assertContains(distributionConfigToApi({ ...MINIMAL_DISTRIBUTION, Origins: [origin] }, REF), {
    Origins: {
      Items: [{ CustomOriginConfig: { OriginSslProtocols: { Quantity: 2, Items: ['TLSv1', 'SSLv3'] } } }],
    },
  });
});

/** CloudFormation's own spellings throughout, numbers from `Ref`s to Number parameters as strings. */
const CFN_DISTRIBUTION = {
  Enabled: 'true',
  Comment: 'site & api',
  Aliases: ['www.example.com'],
  IPV6Enabled: true,
  HttpVersion: 'http2',
  Logging: { Bucket: 'logs.s3.amazonaws.com', Prefix: 'edge/' },
  ViewerCertificate: {
    AcmCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/x',
    SslSupportMethod: 'sni-only',
    MinimumProtocolVersion: 'TLSv1.2_2021',
  },
  Restrictions: { GeoRestriction: { RestrictionType: 'blacklist', Locations: ['KP', 'IR'] } },
  Origins: [
    {
      Id: 'site',
      DomainName: 'site.s3.us-east-1.amazonaws.com',
      S3OriginConfig: { OriginAccessIdentity: '' },
    },
    {
      Id: 'api',
      DomainName: 'api.example.internal',
      OriginPath: '/v2',
      OriginCustomHeaders: [{ HeaderName: 'X-Origin-Verify', HeaderValue: 'secret' }],
      CustomOriginConfig: {
        HTTPPort: '8081',
        OriginProtocolPolicy: 'http-only',
        OriginSSLProtocols: ['TLSv1.2'],
      },
      ConnectionAttempts: '2',
    },
    {
      Id: 'api-2',
      DomainName: 'api2.example.internal',
      CustomOriginConfig: { OriginProtocolPolicy: 'http-only' },
    },
  ],
  OriginGroups: {
    Quantity: 1,
    Items: [
      {
        Id: 'apis',
        FailoverCriteria: { StatusCodes: { Quantity: 2, Items: [502, 503] } },
        Members: { Quantity: 2, Items: [{ OriginId: 'api' }, { OriginId: 'api-2' }] },
      },
    ],
  },
  DefaultCacheBehavior: {
    TargetOriginId: 'site',
    ViewerProtocolPolicy: 'redirect-to-https',
    CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
    TrustedKeyGroups: ['kg-1'],
    FunctionAssociations: [
      { EventType: 'viewer-request', FunctionARN: 'arn:aws:cloudfront::123456789012:function/f' },
    ],
  },
  CacheBehaviors: [
    {
      PathPattern: '/api/*',
      TargetOriginId: 'apis',
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      CachedMethods: ['GET', 'HEAD', 'OPTIONS'],
      ForwardedValues: {
        QueryString: 'true',
        Cookies: { Forward: 'whitelist', WhitelistedNames: ['session'] },
        Headers: ['Authorization', 'Origin'],
        QueryStringCacheKeys: ['page'],
      },
      MinTTL: '0',
      DefaultTTL: 60,
      TrustedSigners: ['self'],
      LambdaFunctionAssociations: [
        {
          EventType: 'origin-request',
          LambdaFunctionARN: 'arn:aws:lambda:us-east-1:123456789012:function:a:1',
          IncludeBody: true,
        },
      ],
    },
  ],
  CustomErrorResponses: [
    { ErrorCode: 404, ResponsePagePath: '/404.html', ResponseCode: 200, ErrorCachingMinTTL: '5' },
  ],
};

test('a CloudFormation-shaped distribution gets the API’s names, wrappers and types', async (t) => {
  const api = distributionConfigToApi(CFN_DISTRIBUTION, REF);
  assertContains(api, {
    Enabled: true,
    IsIPV6Enabled: true,
    Logging: { Enabled: true, Bucket: 'logs.s3.amazonaws.com', Prefix: 'edge/' },
    ViewerCertificate: {
      ACMCertificateArn: CFN_DISTRIBUTION.ViewerCertificate.AcmCertificateArn,
      SSLSupportMethod: 'sni-only',
      MinimumProtocolVersion: 'TLSv1.2_2021',
    },
    Restrictions: { GeoRestriction: { RestrictionType: 'blacklist', Quantity: 2, Items: ['KP', 'IR'] } },
    Origins: {
      Quantity: 3,
      Items: [
        { S3OriginConfig: { OriginAccessIdentity: '', OriginReadTimeout: 30 } },
        {
          CustomHeaders: { Quantity: 1, Items: [{ HeaderName: 'X-Origin-Verify', HeaderValue: 'secret' }] },
          CustomOriginConfig: { HTTPPort: 8081, OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] } },
          ConnectionAttempts: 2,
        },
        {},
      ],
    },
    DefaultCacheBehavior: {
      TrustedKeyGroups: { Enabled: true, Quantity: 1, Items: ['kg-1'] },
      TrustedSigners: UNSET_SIGNERS,
      FunctionAssociations: {
        Quantity: 1,
        Items: CFN_DISTRIBUTION.DefaultCacheBehavior.FunctionAssociations,
      },
    },
    CacheBehaviors: {
      Quantity: 1,
      Items: [
        {
          AllowedMethods: { Quantity: 7, CachedMethods: { Quantity: 3, Items: ['GET', 'HEAD', 'OPTIONS'] } },
          TrustedSigners: { Enabled: true, Quantity: 1, Items: ['self'] },
          ForwardedValues: {
            QueryString: true,
            Cookies: { Forward: 'whitelist', WhitelistedNames: { Quantity: 1, Items: ['session'] } },
            Headers: { Quantity: 2, Items: ['Authorization', 'Origin'] },
            QueryStringCacheKeys: { Quantity: 1, Items: ['page'] },
          },
          MinTTL: 0,
          LambdaFunctionAssociations: { Quantity: 1 },
        },
      ],
    },
    CustomErrorResponses: {
      Quantity: 1,
      Items: [{ ErrorCode: 404, ResponsePagePath: '/404.html', ResponseCode: '200', ErrorCachingMinTTL: 5 }],
    },
  });
  assertInverse(kind('distributions'), CFN_DISTRIBUTION);
  await assertSdkReads(await loopback(t), kind('distributions'), api);
});

test('API → CloudFormation → API keeps every field of a rich SDK config and only adds defaults', () => {
  const { CallerReference, ...config } = structuredClone(fx.distributionConfig);
  const cfn = normalizeDistributionConfig(config) as Obj;
  const api = distributionConfigToApi(cfn, { CallerReference });
  assertContains(api, fx.distributionConfig);
  assertInverse(kind('distributions'), cfn);
  // A legacy behaviour without Cookies gets CloudFormation's default, which the API requires.
  const legacy = {
    ...MINIMAL_DISTRIBUTION,
    DefaultCacheBehavior: {
      TargetOriginId: 'app',
      ViewerProtocolPolicy: 'allow-all',
      ForwardedValues: { QueryString: false },
    },
  };
  assertContains(distributionConfigToApi(legacy, REF), {
    DefaultCacheBehavior: { ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' } } },
  });
});

test('cache and origin request policies: CloudFormation lists get Quantity and come back the same', async (t) => {
  const sdk = await loopback(t);
  for (const [k, api] of [
    [kind('cachePolicies'), fx.cachePolicyConfig],
    [kind('originRequestPolicies'), fx.originRequestPolicyConfig],
  ] as const) {
    const cfn = k.normalize(structuredClone(api)) as Obj;
    assert.deepEqual(k.toApi(cfn), api);
    assertInverse(k, cfn);
    await assertSdkReads(sdk, k, k.toApi(cfn));
  }
  const cfn = {
    Name: 'by-auth',
    MinTTL: '1',
    ParametersInCacheKeyAndForwardedToOrigin: {
      EnableAcceptEncodingGzip: 'true',
      HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['Authorization'] },
      CookiesConfig: { CookieBehavior: 'none' },
      QueryStringsConfig: { QueryStringBehavior: 'allExcept', QueryStrings: ['utm_source', 'utm_medium'] },
    },
  };
  assert.deepEqual(cachePolicyConfigToApi(cfn), {
    Name: 'by-auth',
    MinTTL: 1,
    ParametersInCacheKeyAndForwardedToOrigin: {
      EnableAcceptEncodingGzip: true,
      EnableAcceptEncodingBrotli: false,
      HeadersConfig: { HeaderBehavior: 'whitelist', Headers: { Quantity: 1, Items: ['Authorization'] } },
      CookiesConfig: { CookieBehavior: 'none' },
      QueryStringsConfig: {
        QueryStringBehavior: 'allExcept',
        QueryStrings: { Quantity: 2, Items: ['utm_source', 'utm_medium'] },
      },
    },
  });
  assertInverse(kind('cachePolicies'), cfn);
});

/** CloudFormation writes response headers policy lists as `{ Items }`, without Quantity. */
function withoutQuantities(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutQuantities);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v)
      .filter(([k]) => k !== 'Quantity')
      .map(([k, x]) => [k, withoutQuantities(x)]),
  );
}

test('OACs, key groups, public keys, response headers and continuous deployment policies in the API shape', async (t) => {
  const sdk = await loopback(t);
  const rhp = {
    raw: 'responseHeadersPolicies',
    key: 'ResponseHeadersPolicyConfig',
    get: new cf.GetResponseHeadersPolicyConfigCommand({ Id: 'r' }),
  };
  const cdp = {
    raw: 'continuousDeploymentPolicies',
    key: 'ContinuousDeploymentPolicyConfig',
    get: new cf.GetContinuousDeploymentPolicyConfigCommand({ Id: 'c' }),
  };
  const cases: [Kind | Pick<Kind, 'key' | 'get'>, Obj, Obj][] = [
    [
      kind('originAccessControls'),
      fx.originAccessControl.OriginAccessControlConfig,
      fx.originAccessControl.OriginAccessControlConfig,
    ],
    [kind('keyGroups'), fx.keyGroup.KeyGroupConfig, fx.keyGroup.KeyGroupConfig],
    [kind('publicKeys'), fx.publicKey.PublicKeyConfig, fx.publicKey.PublicKeyConfig],
    [
      { ...rhp, toApi: responseHeadersPolicyConfigToApi } as Kind,
      withoutQuantities(fx.responseHeadersPolicyConfig) as Obj,
      fx.responseHeadersPolicyConfig,
    ],
    [
      { ...cdp, toApi: continuousDeploymentPolicyConfigToApi } as Kind,
      {
        ...fx.continuousDeploymentPolicy.ContinuousDeploymentPolicyConfig,
        StagingDistributionDnsNames: ['d222222abcdef8.cloudfront.net'],
      },
      fx.continuousDeploymentPolicy.ContinuousDeploymentPolicyConfig,
    ],
  ];
  for (const [k, cfn, api] of cases) {
    const got = (k as Kind).toApi(cfn);
    assert.deepEqual(got, api, k.key);
    if ('schema' in k) assertInverse(k, cfn);
    await assertSdkReads(sdk, k as Kind, got);
  }
  const { CallerReference, ...withoutRef } = fx.publicKey.PublicKeyConfig;
  assert.equal(publicKeyConfigToApi(withoutRef, REF).CallerReference, REF.CallerReference);
  assert.equal(publicKeyConfigToApi(fx.publicKey.PublicKeyConfig, REF).CallerReference, CallerReference);
  // CloudFormation's top-level traffic settings are the API's TrafficConfig.
  const header = { Header: 'aws-cf-cd-staging', Value: 'yes' };
  assert.deepEqual(
    continuousDeploymentPolicyConfigToApi({
      Enabled: 'false',
      StagingDistributionDnsNames: ['d2.cloudfront.net'],
      Type: 'SingleHeader',
      SingleHeaderPolicyConfig: header,
    }),
    {
      StagingDistributionDnsNames: { Quantity: 1, Items: ['d2.cloudfront.net'] },
      Enabled: false,
      TrafficConfig: { Type: 'SingleHeader', SingleHeaderConfig: header },
    },
  );
});
