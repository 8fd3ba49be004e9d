/**
 * CloudFront's own rules, one test each: the issue names the JSON path of the offending value
 * (reference/distribution.md §2–§5, §12; origins.md §1, §6; caching.md §1.2, §2.1, §7).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfigObject } from '../../../src/config/load.js';
import { assertIssue, DC, issuesOf, nativeDoc } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: tests reach into the fixture freely
type Obj = Record<string, any>;
const O0 = [...DC, 'Origins', 0];
const O1 = [...DC, 'Origins', 1];
const DEF = [...DC, 'DefaultCacheBehavior'];
const B0 = [...DC, 'CacheBehaviors', 0];

const cases: [string, (dc: Obj) => void, (string | number)[], RegExp][] = [
  [
    'ConnectionAttempts is 1–3',
    (dc) => (dc.Origins[0].ConnectionAttempts = 5),
    [...O0, 'ConnectionAttempts'],
    /above the maximum 3/,
  ],
  [
    'ConnectionTimeout is 1–10',
    (dc) => (dc.Origins[0].ConnectionTimeout = 0),
    [...O0, 'ConnectionTimeout'],
    /below the minimum 1/,
  ],
  [
    'OriginReadTimeout is 1–120',
    (dc) => (dc.Origins[1].CustomOriginConfig.OriginReadTimeout = 121),
    [...O1, 'CustomOriginConfig', 'OriginReadTimeout'],
    /above the maximum 120/,
  ],
  [
    'OriginKeepaliveTimeout is 1–120',
    (dc) => (dc.Origins[1].CustomOriginConfig.OriginKeepaliveTimeout = 0),
    [...O1, 'CustomOriginConfig', 'OriginKeepaliveTimeout'],
    /below the minimum 1/,
  ],
  [
    'HTTPPort is 80, 443 or 1024–65535',
    (dc) => (dc.Origins[1].CustomOriginConfig.HTTPPort = 1000),
    [...O1, 'CustomOriginConfig', 'HTTPPort'],
    /80, 443 or 1024–65535/,
  ],
  [
    'OriginProtocolPolicy is an enum',
    (dc) => (dc.Origins[1].CustomOriginConfig.OriginProtocolPolicy = 'https'),
    [...O1, 'CustomOriginConfig', 'OriginProtocolPolicy'],
    /not allowed/,
  ],
  [
    'OriginPath starts with /',
    (dc) => (dc.Origins[0].OriginPath = 'v1'),
    [...O0, 'OriginPath'],
    /must start with "\/"/,
  ],
  [
    'OriginPath does not end with /',
    (dc) => (dc.Origins[0].OriginPath = '/v1/'),
    [...O0, 'OriginPath'],
    /must not end with "\/"/,
  ],
  [
    'an origin has exactly one origin config',
    (dc) => (dc.Origins[0].CustomOriginConfig = { OriginProtocolPolicy: 'https-only' }),
    O0,
    /exactly one of S3OriginConfig, CustomOriginConfig/,
  ],
  ['an origin has at least one origin config', (dc) => delete dc.Origins[0].S3OriginConfig, O0, /has none/],
  ['origin Ids are unique', (dc) => (dc.Origins[1].Id = 'web'), [...O1, 'Id'], /duplicate origin Id "web"/],
  [
    'denied origin custom headers',
    (dc) => (dc.Origins[1].OriginCustomHeaders = [{ HeaderName: 'X-Amz-Date', HeaderValue: 'x' }]),
    [...O1, 'OriginCustomHeaders', 0, 'HeaderName'],
    /does not allow this header/,
  ],
  [
    'at most 30 origin custom headers',
    (dc) =>
      (dc.Origins[1].OriginCustomHeaders = Array.from({ length: 31 }, (_, i) => ({
        HeaderName: `X-H${i}`,
        HeaderValue: 'v',
      }))),
    [...O1, 'OriginCustomHeaders'],
    /at most 30 items/,
  ],
  [
    'an unknown OAC',
    (dc) => (dc.Origins[0].OriginAccessControlId = 'E123'),
    [...O0, 'OriginAccessControlId'],
    /names no origin access control/,
  ],
  [
    'TargetOriginId names an origin',
    (dc) => (dc.DefaultCacheBehavior.TargetOriginId = 'nope'),
    [...DEF, 'TargetOriginId'],
    /names no origin or origin group/,
  ],
  [
    'ViewerProtocolPolicy is an enum',
    (dc) => (dc.DefaultCacheBehavior.ViewerProtocolPolicy = 'http-only'),
    [...DEF, 'ViewerProtocolPolicy'],
    /not allowed/,
  ],
  [
    'AllowedMethods is one of three sets',
    (dc) => (dc.DefaultCacheBehavior.AllowedMethods = ['GET', 'POST']),
    [...DEF, 'AllowedMethods'],
    /must be exactly one of/,
  ],
  [
    'CachedMethods is one of two sets',
    (dc) => (dc.DefaultCacheBehavior.CachedMethods = ['GET']),
    [...DEF, 'CachedMethods'],
    /must be exactly one of/,
  ],
  [
    'CachedMethods is a subset of AllowedMethods',
    (dc) => (dc.DefaultCacheBehavior.CachedMethods = ['GET', 'HEAD', 'OPTIONS']),
    [...DEF, 'CachedMethods'],
    /OPTIONS not in AllowedMethods/,
  ],
  [
    'CachePolicyId XOR ForwardedValues (both)',
    (dc) => (dc.DefaultCacheBehavior.ForwardedValues = { QueryString: false }),
    [...DEF, 'ForwardedValues'],
    /cannot be used together/,
  ],
  [
    'CachePolicyId XOR ForwardedValues (neither)',
    (dc) => delete dc.DefaultCacheBehavior.CachePolicyId,
    DEF,
    /needs a CachePolicyId/,
  ],
  [
    'OriginRequestPolicyId requires a cache policy',
    (dc) =>
      Object.assign(dc.DefaultCacheBehavior, {
        CachePolicyId: undefined,
        ForwardedValues: { QueryString: false },
        OriginRequestPolicyId: 'AllViewer',
      }),
    [...DEF, 'OriginRequestPolicyId'],
    /needs a cache policy/,
  ],
  [
    'legacy TTLs not allowed with CachePolicyId',
    (dc) => (dc.DefaultCacheBehavior.DefaultTTL = 60),
    [...DEF, 'DefaultTTL'],
    /cannot be used with CachePolicyId/,
  ],
  [
    'legacy TTLs are ordered',
    (dc) =>
      Object.assign(dc.DefaultCacheBehavior, {
        CachePolicyId: undefined,
        ForwardedValues: { QueryString: false },
        MinTTL: 100,
        DefaultTTL: 10,
      }),
    [...DEF, 'MinTTL'],
    /greater than DefaultTTL/,
  ],
  [
    'TTLs are ≥ 0',
    (dc) =>
      Object.assign(dc.DefaultCacheBehavior, {
        CachePolicyId: undefined,
        ForwardedValues: { QueryString: false },
        MinTTL: -1,
      }),
    [...DEF, 'MinTTL'],
    /below the minimum 0/,
  ],
  [
    'unknown cache policy',
    (dc) => (dc.DefaultCacheBehavior.CachePolicyId = 'CachingOptimised'),
    [...DEF, 'CachePolicyId'],
    /names no cache policy/,
  ],
  [
    'unknown origin request policy',
    (dc) => (dc.CacheBehaviors[0].OriginRequestPolicyId = 'AllViewers'),
    [...B0, 'OriginRequestPolicyId'],
    /names no origin request policy/,
  ],
  [
    'unknown response headers policy',
    (dc) => (dc.CacheBehaviors[0].ResponseHeadersPolicyId = 'Strict'),
    [...B0, 'ResponseHeadersPolicyId'],
    /names no response headers policy/,
  ],
  [
    'path pattern characters',
    (dc) => (dc.CacheBehaviors[0].PathPattern = '/api/<x>'),
    [...B0, 'PathPattern'],
    /path patterns may only use/,
  ],
  [
    'path pattern length ≤ 255',
    (dc) => (dc.CacheBehaviors[0].PathPattern = `/${'a'.repeat(255)}`),
    [...B0, 'PathPattern'],
    /at most 255 characters/,
  ],
  [
    'duplicate path patterns (leading / optional)',
    (dc) => dc.CacheBehaviors.push({ ...dc.CacheBehaviors[0], PathPattern: 'api/*' }),
    [...DC, 'CacheBehaviors', 1, 'PathPattern'],
    /duplicate PathPattern/,
  ],
  [
    'PathPattern is not allowed on the default behavior',
    (dc) => (dc.DefaultCacheBehavior.PathPattern = '*'),
    [...DEF, 'PathPattern'],
    /unknown property/,
  ],
  [
    'DefaultRootObject has no leading /',
    (dc) => (dc.DefaultRootObject = '/index.html'),
    [...DC, 'DefaultRootObject'],
    /must not start with/,
  ],
  [
    'DefaultRootObject ≤ 255',
    (dc) => (dc.DefaultRootObject = 'a'.repeat(256)),
    [...DC, 'DefaultRootObject'],
    /at most 255 characters/,
  ],
  [
    'ErrorCode from the allowed list',
    (dc) => (dc.CustomErrorResponses = [{ ErrorCode: 418 }]),
    [...DC, 'CustomErrorResponses', 0, 'ErrorCode'],
    /must be one of 400/,
  ],
  [
    'ResponseCode from the allowed list',
    (dc) => (dc.CustomErrorResponses = [{ ErrorCode: 404, ResponseCode: 201, ResponsePagePath: '/e.html' }]),
    [...DC, 'CustomErrorResponses', 0, 'ResponseCode'],
    /must be one of 200/,
  ],
  [
    'ResponsePagePath requires ResponseCode',
    (dc) => (dc.CustomErrorResponses = [{ ErrorCode: 404, ResponsePagePath: '/e.html' }]),
    [...DC, 'CustomErrorResponses', 0, 'ResponseCode'],
    /requires a ResponseCode/,
  ],
  [
    'ResponseCode requires ResponsePagePath',
    (dc) => (dc.CustomErrorResponses = [{ ErrorCode: 404, ResponseCode: 200 }]),
    [...DC, 'CustomErrorResponses', 0, 'ResponsePagePath'],
    /requires a ResponsePagePath/,
  ],
  [
    'ResponsePagePath starts with /',
    (dc) => (dc.CustomErrorResponses = [{ ErrorCode: 404, ResponseCode: 200, ResponsePagePath: 'e.html' }]),
    [...DC, 'CustomErrorResponses', 0, 'ResponsePagePath'],
    /must start with "\/"/,
  ],
  [
    'ErrorCachingMinTTL ≥ 0',
    (dc) => (dc.CustomErrorResponses = [{ ErrorCode: 404, ErrorCachingMinTTL: -5 }]),
    [...DC, 'CustomErrorResponses', 0, 'ErrorCachingMinTTL'],
    /below the minimum 0/,
  ],
  [
    'aliases are lowercase',
    (dc) =>
      Object.assign(dc, { Aliases: ['WWW.example.com'], ViewerCertificate: { AcmCertificateArn: 'arn:x' } }),
    [...DC, 'Aliases', 0],
    /lowercase/,
  ],
  [
    'wildcard aliases use the whole left-most label',
    (dc) =>
      Object.assign(dc, { Aliases: ['*w.example.com'], ViewerCertificate: { AcmCertificateArn: 'arn:x' } }),
    [...DC, 'Aliases', 0],
    /whole left-most label/,
  ],
  [
    'at most 100 origins',
    (dc) =>
      (dc.Origins = Array.from({ length: 101 }, (_, i) => ({
        Id: i ? `o${i}` : 'web',
        DomainName: 'x.example.com',
        CustomOriginConfig: { OriginProtocolPolicy: 'https-only' },
      })).concat()),
    [...DC, 'Origins'],
    /at most 100 items/,
  ],
  [
    'at most 75 cache behaviors',
    (dc) =>
      (dc.CacheBehaviors = Array.from({ length: 76 }, (_, i) => ({
        ...dc.CacheBehaviors[0],
        PathPattern: `/p${i}/*`,
      }))),
    [...DC, 'CacheBehaviors'],
    /at most 75 items/,
  ],
  [
    'origin group members exist',
    (dc) =>
      (dc.OriginGroups = {
        Quantity: 1,
        Items: [
          {
            Id: 'g',
            FailoverCriteria: { StatusCodes: { Items: [503] } },
            Members: { Items: [{ OriginId: 'web' }, { OriginId: 'nope' }] },
          },
        ],
      }),
    [...DC, 'OriginGroups', 'Items', 0, 'Members', 'Items', 1, 'OriginId'],
    /names no origin/,
  ],
  [
    'origin groups have exactly 2 members',
    (dc) =>
      (dc.OriginGroups = {
        Items: [
          {
            Id: 'g',
            FailoverCriteria: { StatusCodes: { Items: [503] } },
            Members: { Items: [{ OriginId: 'web' }] },
          },
        ],
      }),
    [...DC, 'OriginGroups', 'Items', 0, 'Members', 'Items'],
    /exactly 2 members/,
  ],
  [
    'failover status codes',
    (dc) =>
      (dc.OriginGroups = {
        Items: [
          {
            Id: 'g',
            FailoverCriteria: { StatusCodes: { Items: [501] } },
            Members: { Items: [{ OriginId: 'web' }, { OriginId: 'api' }] },
          },
        ],
      }),
    [...DC, 'OriginGroups', 'Items', 0, 'FailoverCriteria', 'StatusCodes', 'Items', 0],
    /failover status codes are/,
  ],
  [
    'function association names a declared function',
    (dc) =>
      (dc.DefaultCacheBehavior.FunctionAssociations = [{ EventType: 'viewer-request', FunctionARN: 'nope' }]),
    [...DEF, 'FunctionAssociations', 0, 'FunctionARN'],
    /names no CloudFront function/,
  ],
  [
    'function event types are viewer events',
    (dc) =>
      (dc.DefaultCacheBehavior.FunctionAssociations = [{ EventType: 'origin-request', FunctionARN: 'x' }]),
    [...DEF, 'FunctionAssociations', 0, 'EventType'],
    /not allowed/,
  ],
  [
    'Lambda association is a numbered version',
    (dc) =>
      (dc.DefaultCacheBehavior.LambdaFunctionAssociations = [
        {
          EventType: 'origin-request',
          LambdaFunctionARN: 'arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST',
        },
      ]),
    [...DEF, 'LambdaFunctionAssociations', 0, 'LambdaFunctionARN'],
    /not a numbered Lambda version/,
  ],
  [
    'Lambda association names a declared version',
    (dc) =>
      (dc.DefaultCacheBehavior.LambdaFunctionAssociations = [
        {
          EventType: 'origin-request',
          LambdaFunctionARN: 'arn:aws:lambda:us-east-1:123456789012:function:f:3',
        },
      ]),
    [...DEF, 'LambdaFunctionAssociations', 0, 'LambdaFunctionARN'],
    /names no Lambda function version/,
  ],
  [
    'one Lambda association per event type',
    (dc) =>
      (dc.DefaultCacheBehavior.LambdaFunctionAssociations = [1, 2].map(() => ({
        EventType: 'origin-request',
        LambdaFunctionARN: 'arn:aws:lambda:us-east-1:123456789012:function:f:1',
      }))),
    [...DEF, 'LambdaFunctionAssociations', 1, 'EventType'],
    /more than one association/,
  ],
  [
    'unknown DistributionConfig property gets a did-you-mean',
    (dc) => (dc.DefaultRootObjekt = 'index.html'),
    [...DC, 'DefaultRootObjekt'],
    /unknown property/,
  ],
  ['Enabled is required', (dc) => delete dc.Enabled, [...DC, 'Enabled'], /missing required property Enabled/],
];

for (const [name, patch, path, message] of cases) {
  test(`validation: ${name}`, () => {
    assertIssue(issuesOf(nativeDoc(patch)), path, message);
  });
}

test('the unmodified fixture is valid (so each case above fails for its own reason)', () => {
  assert.doesNotThrow(() => loadConfigObject(nativeDoc()));
});

test('aliases without a certificate are a note (CloudFront would reject them), except *.localhost', () => {
  const { notes } = loadConfigObject(nativeDoc((dc) => (dc.Aliases = ['www.example.com', 'app.localhost'])));
  assert.equal(notes.length, 1);
  assert.match(notes[0], /ViewerCertificate: CloudFront needs a certificate covering www\.example\.com \(/);
  assert.deepEqual(loadConfigObject(nativeDoc((dc) => (dc.Aliases = ['app.localhost']))).notes, []);
});
