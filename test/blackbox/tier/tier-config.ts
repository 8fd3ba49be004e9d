/**
 * Shared by the tiered-caching suites: one distribution over a counting loopback origin, with
 * Server-Timing on every response, a viewer-request function that leaves a trace the origin sees
 * (`x-fn` gains an `f` per run), a behavior whose function refuses everyone, and nodes started as
 * real `edgefront serve` processes with a tier secret.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, startEdgeProcess } from '../../helpers/edge-process.js';

export const SECRET = 'tier-test-secret';
const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:trace:1';
/** Origin-facing Lambda@Edge handlers that leave one mark per run, on the request and the response. */
const LAMBDA_CODE = `exports.request = async (event) => {
  const request = event.Records[0].cf.request;
  const seen = request.headers['x-lambda'] ? request.headers['x-lambda'][0].value : '';
  request.headers['x-lambda'] = [{ key: 'X-Lambda', value: seen + 'l' }];
  return request;
};
exports.response = async (event) => {
  const response = event.Records[0].cf.response;
  const seen = response.headers['x-lambda-response'] ? response.headers['x-lambda-response'][0].value : '';
  response.headers['x-lambda-response'] = [{ key: 'X-Lambda-Response', value: seen + 'r' }];
  return response;
};`;

export const ALL_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'];

export function tierConfig(
  originPort: number,
  originShield?: { Enabled: boolean; OriginShieldRegion: string },
  lambdaDir?: string,
) {
  const target = {
    TargetOriginId: 'app',
    ViewerProtocolPolicy: 'allow-all',
    CachePolicyId: 'CachingOptimized',
    OriginRequestPolicyId: 'pass-x-fn',
    ResponseHeadersPolicyId: 'timing',
  };
  return {
    ...(lambdaDir && {
      LambdaFunctions: [
        { Arn: LAMBDA_ARN, Handler: 'trace.request', Code: lambdaDir },
        { Arn: `${LAMBDA_ARN.slice(0, -1)}2`, Handler: 'trace.response', Code: lambdaDir },
      ],
    }),
    OriginRequestPolicies: [
      {
        Id: 'pass-x-fn',
        OriginRequestPolicyConfig: {
          Name: 'pass-x-fn',
          HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['x-fn'] },
          CookiesConfig: { CookieBehavior: 'none' },
          QueryStringsConfig: { QueryStringBehavior: 'all' },
        },
      },
    ],
    ResponseHeadersPolicies: [
      {
        Id: 'timing',
        ResponseHeadersPolicyConfig: {
          Name: 'timing',
          ServerTimingHeadersConfig: { Enabled: true, SamplingRate: 100 },
        },
      },
    ],
    Functions: [
      {
        Name: 'mark',
        FunctionConfig: { Runtime: 'cloudfront-js-2.0' },
        FunctionCode: `function handler(event) {
  var h = event.request.headers;
  h['x-fn'] = { value: (h['x-fn'] ? h['x-fn'].value : '') + 'f' };
  return event.request;
}`,
      },
      {
        Name: 'refuse',
        FunctionConfig: { Runtime: 'cloudfront-js-2.0' },
        FunctionCode:
          'function handler(event) { return { statusCode: 403, statusDescription: "Forbidden", body: { encoding: "text", data: "refused by the viewer function" } }; }',
      },
    ],
    Distributions: [
      {
        Id: 'E1TIER',
        DistributionConfig: {
          Enabled: true,
          Origins: [
            {
              Id: 'app',
              DomainName: '127.0.0.1',
              CustomOriginConfig: { HTTPPort: originPort, OriginProtocolPolicy: 'http-only' },
              ...(originShield && { OriginShield: originShield }),
            },
          ],
          DefaultCacheBehavior: {
            ...target,
            AllowedMethods: ALL_METHODS,
            FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: 'mark' }],
          },
          CacheBehaviors: [
            {
              ...target,
              PathPattern: '/private/*',
              FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: 'refuse' }],
            },
            ...(lambdaDir
              ? [
                  {
                    ...target,
                    PathPattern: '/lambda/*',
                    LambdaFunctionAssociations: [
                      { EventType: 'origin-request', LambdaFunctionARN: LAMBDA_ARN },
                      { EventType: 'origin-response', LambdaFunctionARN: `${LAMBDA_ARN.slice(0, -1)}2` },
                    ],
                  },
                ]
              : []),
          ],
        },
      },
    ],
  };
}

/** edgefront.yaml in `dir`, and the Lambda@Edge handlers of `/lambda/*` beside it. */
export async function writeTierConfig(
  dir: string,
  originPort: number,
  originShield?: { Enabled: boolean; OriginShieldRegion: string },
): Promise<string> {
  await writeFile(join(dir, 'trace.js'), LAMBDA_CODE);
  return writeYaml(dir, 'edgefront.yaml', tierConfig(originPort, originShield, dir));
}

/** `edgefront serve --config CONFIG --pop POP ARGS…` with the tier secret (unless `secret` is null). */
export function startNode(
  config: string,
  pop: string,
  args: string[] = [],
  secret: string | null = SECRET,
): Promise<EdgeProcess> {
  const env = secret === null ? { EDGEFRONT_TIER_SECRET: '' } : { EDGEFRONT_TIER_SECRET: secret };
  return startEdgeProcess(['--config', config, '--pop', pop, ...args], { env });
}

/** The Via host a node with `--pop POP` on this machine puts in origin requests. */
export function viaHostOf(pop: string): string {
  return `${createHash('md5').update(`${hostname()}/${pop}`).digest('hex')}.cloudfront.net`;
}

/** A metric's `desc` in a Server-Timing value (`cdn-hit-layer` → `REC`). */
export function timingDesc(serverTiming: string | null, metric: string): string | undefined {
  const m = serverTiming?.match(new RegExp(`${metric};desc="([^"]*)"`));
  return m?.[1];
}
