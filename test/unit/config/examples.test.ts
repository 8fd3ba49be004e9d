/** The examples in examples/ load as documented, and the broken one reports every mistake. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfigFiles } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/errors.js';
import { example } from './helpers.js';

const OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';

test('spa-s3-oac: S3 origin with OAC, SPA error responses, local bucket, skipped bucket policy', async () => {
  const file = example('spa-s3-oac/template.yaml');
  const { model, notes } = await loadConfigFiles([file]);
  const [d] = model.distributions;
  const origin = d.origins.get('site');
  assert.equal(origin?.kind, 's3');
  assert.equal(origin?.bucket, 'spa-demo-dev-site');
  assert.equal(origin?.region, 'us-east-1');
  const oac = model.originAccessControls.get(origin?.config.OriginAccessControlId ?? '');
  assert.equal(oac?.Config.SigningBehavior, 'always');
  assert.equal(d.DistributionConfig.Comment, 'spa-demo (dev) single-page app');
  assert.equal(d.DistributionConfig.DefaultRootObject, 'index.html');
  assert.deepEqual(
    d.behaviors.map((b) => [b.PathPattern, b.cachePolicy.Id, b.config.ViewerProtocolPolicy]),
    [['*', OPTIMIZED, 'redirect-to-https']],
  );
  for (const code of [403, 404]) {
    assert.deepEqual(d.customErrorResponses.get(code), {
      ErrorCode: code,
      ResponseCode: 200,
      ResponsePagePath: '/index.html',
      ErrorCachingMinTTL: 10,
    });
  }
  assert.equal(model.buckets.get('spa-demo-dev-site'), example('spa-s3-oac/site'));
  assert.deepEqual(notes, [`${file}: skipping AWS::S3::BucketPolicy "BucketPolicy" (not used by edgefront)`]);
});

test('site-api: native config with a custom cache policy by name and a managed ORP by Managed- name', async () => {
  const { model } = await loadConfigFiles([example('site-api/edgefront.yaml')]);
  const [d] = model.distributions;
  assert.equal(d.Id, 'E2SITEAPIEXAMPLE');
  assert.equal(d.DomainName, 'e2siteapiexample.edgefront.localhost');
  assert.deepEqual([...d.exactAliases], ['www.example.com']);
  const [api, fallback] = d.behaviors;
  assert.equal(api.PathPattern, '/api/*');
  assert.equal(api.cachePolicy.Config.Name, 'api-by-query-and-auth');
  assert.equal(api.config.CachePolicyId, api.cachePolicy.Id);
  assert.deepEqual([...api.cachePolicy.headers], ['authorization']);
  assert.deepEqual([...api.cachePolicy.queryStrings], ['page', 'limit', 'q']);
  assert.equal(api.originRequestPolicy?.Id, 'b689b0a8-53d0-40ab-baf2-68738e2966ac');
  assert.equal(api.config.OriginRequestPolicyId, 'b689b0a8-53d0-40ab-baf2-68738e2966ac');
  assert.ok(api.allowedMethods.has('POST') && !api.cachedMethods.has('OPTIONS'));
  assert.ok(api.matches('/api/users') && !api.matches('/index.html'));
  assert.equal(fallback.isDefault, true);
  assert.equal(fallback.cachePolicy.Id, OPTIMIZED);
  const apiOrigin = d.origins.get('api')?.config;
  assert.equal(d.origins.get('api')?.kind, 'custom');
  assert.deepEqual(apiOrigin?.CustomOriginConfig, {
    HTTPPort: 8081,
    HTTPSPort: 443,
    OriginProtocolPolicy: 'http-only',
    OriginSSLProtocols: ['TLSv1', 'SSLv3'],
    OriginReadTimeout: 10,
    OriginKeepaliveTimeout: 5,
  });
  assert.deepEqual(apiOrigin?.OriginCustomHeaders, [
    { HeaderName: 'X-Origin-Verify', HeaderValue: 'change-me-shared-secret' },
  ]);
  assert.equal(d.origins.get('site')?.bucket, 'example-site');
  assert.equal(model.buckets.get('example-site'), example('site-api/public'));
});

test('cdk-app: Fn::If on a parameter condition, CloudFront Function by GetAtt, Lambda@Edge from the asset dir', async () => {
  const file = example('cdk-app/cdk.out/EdgeStack.template.json');
  const dev = await loadConfigFiles([file]);
  const prod = await loadConfigFiles([file], { parameters: { Stage: 'prod' } });
  assert.equal(dev.model.distributions[0].behaviors[1].cachePolicy.Id, DISABLED);
  assert.equal(prod.model.distributions[0].behaviors[1].cachePolicy.Id, OPTIMIZED);
  const [d] = prod.model.distributions;
  assert.deepEqual(
    d.behaviors.map((b) => b.PathPattern),
    ['/api/*', '*'],
  );
  assert.equal(d.origins.get('EdgeStackCDNOrigin2E7B1C9D0')?.config.DomainName, 'prod.api.example.internal');
  const site = d.origins.get('EdgeStackCDNOrigin1D5F0A3B4');
  assert.equal(site?.kind, 's3');
  assert.match(site?.bucket ?? '', /^edgestack-sitebucket397a1860-[0-9a-f]{12}$/);
  const fnArn = 'arn:aws:cloudfront::123456789012:function/us-east-1EdgeStackDocsRewrite';
  assert.deepEqual(d.behaviors[1].config.FunctionAssociations, [
    { EventType: 'viewer-request', FunctionARN: fnArn },
  ]);
  assert.equal(prod.model.functions.get(fnArn)?.Stage, 'LIVE');
  assert.match(prod.model.functions.get(fnArn)?.Code ?? '', /index\.html/);
  const [assoc] = d.behaviors[1].config.LambdaFunctionAssociations;
  assert.match(
    assoc.LambdaFunctionARN,
    /^arn:aws:lambda:us-east-1:123456789012:function:EdgeStack-SecurityHeadersFunction9A7C4E21-[0-9A-F]+:1$/,
  );
  const lambda = prod.model.lambdaFunctions.get(assoc.LambdaFunctionARN);
  assert.equal(lambda?.codePath, example('cdk-app/cdk.out/asset.4f1c2a9e0b7d'));
  assert.equal(lambda?.Handler, 'index.handler');
  const skipped = prod.notes.filter((n) => n.includes('skipping')).map((n) => n.replace(/^.*skipping /, ''));
  assert.deepEqual(skipped, [
    'AWS::S3::BucketPolicy "SiteBucketPolicy3AC1D0F8" (not used by edgefront)',
    'AWS::IAM::Role "SecurityHeadersServiceRole6B1A2E3D" (not used by edgefront)',
    'AWS::CDK::Metadata "CDKMetadata" (not used by edgefront)',
  ]);
});

test('broken: every mistake is reported at once, with its template path and line', async () => {
  const err = await loadConfigFiles([example('broken/template.yaml')]).then(
    () => assert.fail('the broken example loaded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError);
  const dc = 'Resources.CDN.Properties.DistributionConfig';
  const got = err.issues.map(
    (i) =>
      `${i.line} ${i.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
        .join('')
        .slice(1)
        .replace(/\.\[/g, '[')}`,
  );
  const expected = [
    `27 ${dc}.Comment.Fn::Sub`, // Ref to "Region"
    `30 ${dc}.Aliases[0]`, // uppercase alias
    `37 ${dc}.Origins[0].OriginPath`, // ends with /
    `38 ${dc}.Origins[0].ConnectionAttempts`, // 5
    `41 ${dc}.Origins[0].CustomOriginConfig.HTTPSPort`, // 8
    `43 ${dc}.DefaultCacheBehavior.TargetOriginId`, // webb
    `44 ${dc}.DefaultCacheBehavior.ViewerProtocolPolicy`, // redirect-to-http
    `45 ${dc}.DefaultCacheBehavior.CachePolicyId`, // CachingOptimised
    `48 ${dc}.DefaultCacheBehavior.FunctionAssociations[0].FunctionARN`, // not LIVE
    `54 ${dc}.CacheBehaviors[0].ForwardedValues`, // with CachePolicyId
    `56 ${dc}.CacheBehaviors[1].PathPattern`, // duplicate
    `61 ${dc}.CustomErrorResponses[0].ErrorCode`, // 418
  ];
  assert.deepEqual(got, expected);
  assert.match(err.issues[7].fix ?? '', /did you mean "CachingOptimized"/);
});
