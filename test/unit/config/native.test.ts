/**
 * The native config format (DESIGN.md "Native config file"): references by Id or name,
 * CloudFormation defaults filled, SDK shapes accepted, files merged, the model frozen.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { distributionId } from '../../../src/config/ids.js';
import { loadConfigFiles, loadConfigObject } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';
import { assertIssue, DC, issuesOf, nativeDoc } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: tests reach into the fixture freely
type Obj = Record<string, any>;

test('CloudFormation defaults are filled (reference/distribution.md §3.2, origins.md §1)', () => {
  const { model } = loadConfigObject(nativeDoc());
  const d = model.distributions[0];
  const c = d.DistributionConfig;
  assert.equal(c.PriceClass, 'PriceClass_All');
  assert.equal(c.HttpVersion, 'http1.1');
  assert.equal(c.IPV6Enabled, false);
  assert.equal(c.Comment, '');
  assert.equal(c.DefaultRootObject, '');
  assert.deepEqual(c.Restrictions, { GeoRestriction: { RestrictionType: 'none', Locations: [] } });
  assert.deepEqual(c.ViewerCertificate, { CloudFrontDefaultCertificate: true });
  assert.deepEqual(c.OriginGroups, { Quantity: 0, Items: [] });
  const web = c.Origins[0];
  assert.deepEqual([web.ConnectionAttempts, web.ConnectionTimeout, web.OriginPath], [3, 10, '']);
  assert.deepEqual(web.S3OriginConfig, { OriginAccessIdentity: '', OriginReadTimeout: 30 });
  const api = c.Origins[1].CustomOriginConfig;
  assert.deepEqual(
    [api?.HTTPPort, api?.HTTPSPort, api?.OriginReadTimeout, api?.OriginKeepaliveTimeout],
    [80, 443, 30, 5],
  );
  const b = c.DefaultCacheBehavior;
  assert.deepEqual(
    [b.Compress, b.AllowedMethods, b.CachedMethods, b.FunctionAssociations],
    [false, ['GET', 'HEAD'], ['GET', 'HEAD'], []],
  );
  assert.deepEqual(
    d.behaviors.map((x) => x.PathPattern),
    ['/api/*', '*'],
  );
});

test('managed policies are always in the model, by id, marked managed', () => {
  const { model } = loadConfigObject(nativeDoc());
  assert.equal(model.cachePolicies.get('658327ea-f89d-4fab-a63d-7e88639e58f6')?.isManaged, true);
  assert.equal(
    model.originRequestPolicies.get('216adef6-5c7f-47e4-b989-5492eafa07d3')?.Config.Name,
    'AllViewer',
  );
  assert.ok(model.responseHeadersPolicies.has('67f7725c-6f97-4210-82d7-5512b31e9d03'));
});

test('legacy ForwardedValues derive a cache policy (caching.md §1.5)', () => {
  const { model } = loadConfigObject(
    nativeDoc((dc) => {
      dc.DefaultCacheBehavior = {
        TargetOriginId: 'web',
        ViewerProtocolPolicy: 'allow-all',
        ForwardedValues: {
          QueryString: true,
          Headers: ['Origin'],
          Cookies: { Forward: 'whitelist', WhitelistedNames: ['session'] },
        },
        DefaultTTL: 60,
        MaxTTL: 600,
      };
    }),
  );
  const d = model.distributions[0];
  const p = d.behaviors[1].cachePolicy;
  assert.equal(d.behaviors[1].isLegacy, true);
  assert.equal(p.Id, `legacy:${d.Id}:1`);
  assert.deepEqual([p.Config.MinTTL, p.Config.DefaultTTL, p.Config.MaxTTL], [0, 60, 600]);
  assert.deepEqual([...p.headers], ['origin']);
  assert.deepEqual([...p.cookies], ['session']);
  assert.equal(
    p.Config.ParametersInCacheKeyAndForwardedToOrigin.QueryStringsConfig.QueryStringBehavior,
    'all',
  );
});

test('custom policies and OACs resolve by Id or by Name; references are rewritten to the Id', () => {
  const doc = nativeDoc(
    (dc) => {
      dc.DefaultCacheBehavior.CachePolicyId = 'short';
      dc.CacheBehaviors[0].CachePolicyId = 'CP1';
      dc.CacheBehaviors[0].OriginRequestPolicyId = 'Managed-AllViewer';
      dc.Origins[0].OriginAccessControlId = 'site-oac';
    },
    {
      CachePolicies: [
        {
          Id: 'CP1',
          CachePolicyConfig: {
            Name: 'short',
            MinTTL: 0,
            ParametersInCacheKeyAndForwardedToOrigin: {
              EnableAcceptEncodingGzip: true,
              HeadersConfig: { HeaderBehavior: 'none' },
              CookiesConfig: { CookieBehavior: 'none' },
              QueryStringsConfig: { QueryStringBehavior: 'none' },
            },
          },
        },
      ],
      OriginAccessControls: [
        {
          OriginAccessControlConfig: {
            Name: 'site-oac',
            SigningProtocol: 'sigv4',
            SigningBehavior: 'always',
            OriginAccessControlOriginType: 's3',
          },
        },
      ],
    },
  );
  const { model } = loadConfigObject(doc);
  const d = model.distributions[0];
  assert.equal(d.behaviors[0].config.CachePolicyId, 'CP1');
  assert.equal(d.behaviors[1].config.CachePolicyId, 'CP1');
  assert.deepEqual(
    [d.behaviors[0].cachePolicy.Config.DefaultTTL, d.behaviors[0].cachePolicy.Config.MaxTTL],
    [86400, 31536000],
  );
  assert.equal(d.behaviors[0].config.OriginRequestPolicyId, '216adef6-5c7f-47e4-b989-5492eafa07d3');
  const oacId = d.origins.get('web')?.config.OriginAccessControlId ?? '';
  assert.match(oacId, /^E[A-Z2-7]{13}$/);
  assert.equal(model.originAccessControls.get(oacId)?.Config.Name, 'site-oac');
});

test('functions by bare name or ARN, code from a file, KVS by name; Stage defaults to LIVE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefront-native-'));
  writeFileSync(join(dir, 'fn.js'), 'function handler(event) { return event.request; }');
  writeFileSync(join(dir, 'kvs.json'), '{"data":[]}');
  const doc = nativeDoc(
    (dc) => {
      dc.DefaultCacheBehavior.FunctionAssociations = [
        { EventType: 'viewer-request', FunctionARN: 'rewrite' },
      ];
      dc.CacheBehaviors[0].FunctionAssociations = [
        { EventType: 'viewer-response', FunctionARN: 'arn:aws:cloudfront::123456789012:function/rewrite' },
      ];
    },
    {
      Functions: [
        {
          Name: 'rewrite',
          FunctionConfig: {
            Runtime: 'cloudfront-js-2.0',
            KeyValueStoreAssociations: [{ KeyValueStoreARN: 'flags' }],
          },
          Code: './fn.js',
        },
      ],
      KeyValueStores: [{ Name: 'flags', Data: './kvs.json' }],
    },
  );
  const { model } = loadConfigObject(doc, { baseDir: dir });
  const arn = 'arn:aws:cloudfront::123456789012:function/rewrite';
  const fn = model.functions.get(arn);
  assert.equal(fn?.Stage, 'LIVE');
  assert.equal(fn?.codeFile, join(dir, 'fn.js'));
  assert.match(fn?.Code ?? '', /function handler/);
  const kvs = model.keyValueStores.get(fn?.KeyValueStoreARNs[0] ?? '');
  assert.equal(kvs?.Name, 'flags');
  assert.equal(kvs?.dataFile, join(dir, 'kvs.json'));
  assert.equal(model.distributions[0].behaviors[1].config.FunctionAssociations[0].FunctionARN, arn);
});

test('function rules: name pattern, code present, 10 KB, KVS exists', () => {
  const found = issuesOf(
    nativeDoc(() => {}, {
      Functions: [
        { Name: 'bad name', FunctionConfig: { Runtime: 'cloudfront-js-2.0' }, FunctionCode: 'x' },
        { Name: 'nocode', FunctionConfig: { Runtime: 'cloudfront-js-3.0' } },
        {
          Name: 'big',
          FunctionConfig: {
            Runtime: 'cloudfront-js-1.0',
            KeyValueStoreAssociations: [{ KeyValueStoreARN: 'nope' }],
          },
          FunctionCode: 'x'.repeat(10241),
        },
      ],
    }),
  );
  assertIssue(found, ['Functions', 0, 'Name'], /function names are 1–64/);
  assertIssue(found, ['Functions', 1], /needs its code/);
  assertIssue(found, ['Functions', 1, 'FunctionConfig', 'Runtime'], /not allowed/);
  assertIssue(found, ['Functions', 2, 'Code'], /10241 bytes/);
  assertIssue(
    found,
    ['Functions', 2, 'FunctionConfig', 'KeyValueStoreAssociations', 0, 'KeyValueStoreARN'],
    /names no key value store/,
  );
});

test('Lambda@Edge viewer events allow 5 s and 128 MB (lambda-edge.md §6)', () => {
  const arn = 'arn:aws:lambda:us-east-1:123456789012:function:auth:1';
  const doc = nativeDoc(
    (dc) =>
      (dc.DefaultCacheBehavior.LambdaFunctionAssociations = [
        { EventType: 'viewer-request', LambdaFunctionARN: arn },
      ]),
    {
      LambdaFunctions: [{ Arn: arn, Handler: 'index.handler', Code: '.', Timeout: 10, MemorySize: 256 }],
    },
  );
  const found = issuesOf(doc);
  const at = [...DC, 'DefaultCacheBehavior', 'LambdaFunctionAssociations', 0, 'LambdaFunctionARN'];
  assertIssue(found, at, /5 s at most; this one has Timeout 10/);
  assertIssue(found, at, /128 MB at most/);
  const origin = nativeDoc(
    (dc) =>
      (dc.DefaultCacheBehavior.LambdaFunctionAssociations = [
        { EventType: 'origin-request', LambdaFunctionARN: arn },
      ]),
    {
      LambdaFunctions: [
        {
          Arn: arn,
          Handler: 'index.handler',
          Code: 'examples/functions/lambda',
          Timeout: 10,
          MemorySize: 256,
        },
      ],
    },
  );
  assert.equal(loadConfigObject(origin).model.lambdaFunctions.get(arn)?.Timeout, 10);
});

test('unknown top-level keys are issues with a did-you-mean fix', () => {
  const found = issuesOf({ ...nativeDoc(), Distribution: [] });
  const issue = assertIssue(found, ['Distribution'], /unknown top-level key/);
  assert.match(issue.fix ?? '', /did you mean "Distributions"/);
});

test('a distribution Id is 1 to 32 uppercase letters and digits, as CloudFront ids are', () => {
  for (const bad of ['e1abc', 'E1\nX', 'E1:2', '', 'E'.repeat(33), 'E1 ABC', 123]) {
    const doc = nativeDoc() as Obj;
    doc.Distributions[0].Id = bad;
    const issue = assertIssue(issuesOf(doc), ['Distributions', 0, 'Id'], /uppercase letters and digits/);
    assert.match(issue.fix ?? '', /E2QWRUHEXAMPLE/);
  }
  for (const good of ['E2QWRUHEXAMPLE', 'E1', '0', 'A'.repeat(32)]) {
    const doc = nativeDoc() as Obj;
    doc.Distributions[0].Id = good;
    assert.equal(loadConfigObject(doc).model.distributions[0].Id, good);
  }
});

test('the SDK/API shape is accepted: Quantity/Items, IsIPV6Enabled, CustomHeaders, string ResponseCode', () => {
  const { model } = loadConfigObject(
    nativeDoc((dc) => {
      dc.IsIPV6Enabled = true;
      dc.Origins = { Quantity: 2, Items: dc.Origins };
      dc.Origins.Items[1].CustomHeaders = { Quantity: 1, Items: [{ HeaderName: 'X-A', HeaderValue: '1' }] };
      dc.DefaultCacheBehavior.AllowedMethods = {
        Quantity: 3,
        Items: ['GET', 'HEAD', 'OPTIONS'],
        CachedMethods: { Quantity: 2, Items: ['GET', 'HEAD'] },
      };
      dc.CacheBehaviors = { Quantity: 1, Items: dc.CacheBehaviors };
      dc.CustomErrorResponses = {
        Quantity: 1,
        Items: [{ ErrorCode: 404, ResponsePagePath: '/404.html', ResponseCode: '404' }],
      };
    }),
  );
  const d = model.distributions[0];
  assert.equal(d.DistributionConfig.IPV6Enabled, true);
  assert.deepEqual(d.origins.get('api')?.config.OriginCustomHeaders, [
    { HeaderName: 'X-A', HeaderValue: '1' },
  ]);
  assert.deepEqual([...d.behaviors[1].allowedMethods], ['GET', 'HEAD', 'OPTIONS']);
  assert.equal(d.customErrorResponses.get(404)?.ResponseCode, 404);
});

test('several files merge; a duplicate Id or alias across files is an issue', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefront-merge-'));
  const a = join(dir, 'a.json');
  const b = join(dir, 'b.json');
  const withAlias = (id: string) => {
    const doc: Obj = nativeDoc((dc) =>
      Object.assign(dc, { Aliases: ['*.example.com'], ViewerCertificate: { AcmCertificateArn: 'arn:x' } }),
    );
    doc.Distributions[0].Id = id;
    return JSON.stringify(doc);
  };
  writeFileSync(a, withAlias('EAAA'));
  writeFileSync(b, JSON.stringify(nativeDoc()));
  const { model } = await loadConfigFiles([a, b]);
  assert.equal(model.distributions.length, 2);
  assert.deepEqual(model.files, [a, b]);
  assert.deepEqual(model.distributions[0].wildcardAliases, ['.example.com']);
  writeFileSync(b, withAlias('EAAA'));
  const err = await loadConfigFiles([a, b]).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  assertIssue(err.issues, ['Distributions', 0, 'Id'], /duplicate distribution Id "EAAA"/);
  assertIssue(err.issues, [...DC, 'Aliases', 0], /alias "\*\.example\.com" is already used/);
  assert.ok(err.issues.every((i) => i.file === b));
});

test('YAML issues carry the line of the offending key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edgefront-lines-'));
  const file = join(dir, 'edgefront.yaml');
  writeFileSync(
    file,
    [
      'Distributions:',
      '  - DistributionConfig:',
      '      Enabled: true',
      '      Origins:',
      '        - Id: o',
      '          DomainName: example.com',
      '          ConnectionTimeout: 11',
      '          CustomOriginConfig: { OriginProtocolPolicy: https-only }',
      '      DefaultCacheBehavior:',
      '        TargetOriginId: x',
      '        ViewerProtocolPolicy: allow-all',
      '        CachePolicyId: CachingOptimized',
    ].join('\n'),
  );
  const err = await loadConfigFiles([file]).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  assert.equal(assertIssue(err.issues, [...DC, 'Origins', 0, 'ConnectionTimeout'], /maximum 10/).line, 7);
  assert.equal(
    assertIssue(err.issues, [...DC, 'DefaultCacheBehavior', 'TargetOriginId'], /names no origin/).line,
    10,
  );
});

test('the model is frozen: objects, arrays, Maps and Sets', () => {
  const { model } = loadConfigObject(nativeDoc());
  const d = model.distributions[0];
  assert.throws(() => {
    (d.DistributionConfig as Obj).Comment = 'x';
  }, TypeError);
  assert.throws(() => (model.distributions as unknown as Obj[]).push({}), TypeError);
  assert.throws(() => (d.origins as Map<string, unknown>).set('x', {}), TypeError);
  assert.throws(() => (d.behaviors[0].allowedMethods as Set<string>).add('POST'), TypeError);
});

test('generated distribution ids are E + 13 base32 characters, stable and distinct per key', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), (file, key) => {
      const id = distributionId(file, key);
      assert.match(id, /^E[A-Z2-7]{13}$/);
      assert.equal(distributionId(file, key), id);
    }),
  );
  assert.notEqual(distributionId('a.yaml', 0), distributionId('a.yaml', 1));
});
