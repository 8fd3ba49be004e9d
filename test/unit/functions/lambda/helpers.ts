/** Events, function models and assertions shared by the Lambda@Edge runtime tests. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type {
  CfHeaders,
  CfRequest,
  CfResponse,
  LambdaEdgeEvent,
  LambdaEventType,
  LambdaOutcome,
} from '../../../../src/functions/lambda/index.js';
import { validateResult } from '../../../../src/functions/lambda/index.js';
import type { LambdaFunctionModel } from '../../../../src/model/types.js';
import { REPO_ROOT } from '../../../helpers/edge-process.js';

/** Handler fixtures are plain .js/.mjs files: read from the source tree, not from dist. */
export const FIXTURES = join(REPO_ROOT, 'test/fixtures/lambda');

let serial = 0;
/** A function model on the CommonJS fixtures, with an ARN of its own (so its own pool). */
export function lambda(Handler: string, overrides: Partial<LambdaFunctionModel> = {}): LambdaFunctionModel {
  serial++;
  return {
    Arn: `arn:aws:lambda:us-east-1:123456789012:function:test-${process.pid}-${serial}:1`,
    Handler,
    Runtime: 'nodejs20.x',
    Timeout: 5,
    MemorySize: 128,
    codePath: join(FIXTURES, 'cjs'),
    ...overrides,
  };
}

/** `{ 'User-Agent': 'curl' }` → `{ 'user-agent': [{ key: 'User-Agent', value: 'curl' }] }`. */
export function headers(named: Record<string, string>): CfHeaders {
  const out: CfHeaders = {};
  for (const [key, value] of Object.entries(named)) out[key.toLowerCase()] = [{ key, value }];
  return out;
}

const VIEWER_HEADERS = { Host: 'd111111abcdef8.cloudfront.net', 'User-Agent': 'curl/8.0', Accept: '*/*' };
const ORIGIN_HEADERS = {
  Host: 'example.org',
  Via: '2.0 2afae0d44e2540f472c0635ab62c232b.cloudfront.net (CloudFront)',
  'X-Forwarded-For': '203.0.113.178',
  'User-Agent': 'Amazon CloudFront',
  'Accept-Encoding': 'gzip',
  'CloudFront-Viewer-Country': 'GB',
};

export const CUSTOM_ORIGIN = {
  custom: {
    customHeaders: {},
    domainName: 'example.org',
    keepaliveTimeout: 5,
    path: '',
    port: 443,
    protocol: 'https' as const,
    readTimeout: 30,
    sslProtocols: ['TLSv1', 'TLSv1.1', 'TLSv1.2'],
  },
};

/** The event CloudFront would send for `eventType` (reference/lambda-edge.md §2.4–§2.8), with overrides. */
export function edgeEvent(
  eventType: LambdaEventType,
  parts: { request?: Partial<CfRequest>; response?: Partial<CfResponse>; test?: unknown } = {},
): LambdaEdgeEvent & { test?: unknown } {
  const origin = eventType.startsWith('origin-');
  const request: CfRequest = {
    clientIp: '203.0.113.178',
    method: 'GET',
    uri: '/index.html',
    querystring: '',
    headers: headers(origin ? ORIGIN_HEADERS : VIEWER_HEADERS),
    ...(origin ? { origin: structuredClone(CUSTOM_ORIGIN) } : {}),
    ...parts.request,
  };
  const response: CfResponse | undefined = eventType.endsWith('-response')
    ? {
        status: '200',
        statusDescription: 'OK',
        headers: headers({
          'Content-Type': 'text/html',
          'Content-Length': '9593',
          Server: 'ExampleCustomOriginServer',
          ...(origin ? {} : { Age: '2402', Via: '1.1 abc.cloudfront.net (CloudFront)' }),
        }),
        ...parts.response,
      }
    : undefined;
  return {
    Records: [
      {
        cf: {
          config: {
            distributionDomainName: 'd111111abcdef8.cloudfront.net',
            distributionId: 'EDFDVBD6EXAMPLE',
            eventType,
            requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==',
          },
          request,
          ...(response ? { response } : {}),
        },
      },
    ],
    ...(parts.test !== undefined ? { test: parts.test } : {}),
  };
}

/** One event of each type as CloudFront sends them, for tests that only read them. */
export const EVENTS = {
  viewer: edgeEvent('viewer-request'),
  origin: edgeEvent('origin-request'),
  originResponse: edgeEvent('origin-response'),
  viewerResponse: edgeEvent('viewer-response'),
} as const;

/** The event's own request or response, as a function that changes nothing would return it. */
export function unchanged(event: LambdaEdgeEvent): Record<string, unknown> {
  const cf = event.Records[0].cf;
  return structuredClone((cf.response ?? cf.request) as unknown as Record<string, unknown>);
}

/** What a function returns after setting (a list) or deleting (`undefined`) some headers of its event. */
export function withHeaders(
  event: LambdaEdgeEvent,
  changes: Record<string, unknown>,
): Record<string, unknown> {
  const value = unchanged(event);
  const map = value.headers as Record<string, unknown>;
  for (const [name, entries] of Object.entries(changes))
    if (entries === undefined) delete map[name];
    else map[name] = entries;
  return value;
}

/** Validates a copy of `value` (the runtime validates the worker's copy, never the caller's object). */
export function check(eventType: LambdaEventType, event: LambdaEdgeEvent, value: unknown): LambdaOutcome {
  return validateResult(eventType, event, structuredClone(value));
}

/** A LambdaValidationError whose message starts with the field `path`. */
export function assertInvalid(result: LambdaOutcome, path: string, why?: RegExp): void {
  if (result.kind !== 'error') assert.fail(`expected LambdaValidationError, got ${JSON.stringify(result)}`);
  assert.equal(result.error, 'LambdaValidationError');
  assert.ok(result.message.startsWith(`${path}:`), `"${result.message}" should name ${path}`);
  if (why) assert.match(result.message, why);
}

export function assertRequest(result: LambdaOutcome): CfRequest {
  if (result.kind !== 'request') assert.fail(`expected a request, got ${JSON.stringify(result)}`);
  return result.request;
}

export function assertResponse(result: LambdaOutcome): CfResponse {
  if (result.kind !== 'response') assert.fail(`expected a response, got ${JSON.stringify(result)}`);
  return result.response;
}

/** Each header change to the event's request (or response) is refused as read-only in `eventType`. */
export function assertReadOnly(
  eventType: LambdaEventType,
  event: LambdaEdgeEvent,
  changes: Record<string, unknown>[],
): void {
  const where = event.Records[0].cf.response ? 'response' : 'request';
  for (const change of changes) {
    const [name] = Object.keys(change);
    const why = new RegExp(`read-only in ${eventType}`);
    assertInvalid(check(eventType, event, withHeaders(event, change)), `${where}.headers["${name}"]`, why);
  }
}
