/** Events as CloudFront builds them (reference/cloudfront-functions.md §3) and small run helpers. */
import assert from 'node:assert/strict';
import {
  type CompiledFunction,
  compileFunction,
  type EventValue,
  type FunctionEvent,
  type FunctionRequestOutput,
  type FunctionResponseOutput,
  type FunctionRunResult,
  type FunctionRuntime,
  type KeyValueReader,
  type RunOptions,
} from '../../../../src/functions/cloudfront/index.js';

/** A fixed invocation time: 2026-01-01T00:00:00Z. */
export const NOW = Date.UTC(2026, 0, 1);

/** `{ name: 'v' }` or `{ name: ['v1', 'v2'] }` → the event's `{ value, multiValue }` map. */
export function entries(map: Record<string, string | string[]> = {}): Record<string, EventValue> {
  const out: Record<string, EventValue> = {};
  for (const [name, v] of Object.entries(map)) {
    out[name] = Array.isArray(v) ? { value: v[0], multiValue: v.map((value) => ({ value })) } : { value: v };
  }
  return out;
}

export interface RequestSpec {
  method?: string;
  uri?: string;
  querystring?: Record<string, string | string[]>;
  headers?: Record<string, string | string[]>;
  cookies?: Record<string, string | string[]>;
  ip?: string;
}

export function viewerRequest(spec: RequestSpec = {}): FunctionEvent {
  return {
    version: '1.0',
    context: {
      distributionDomainName: 'd111111abcdef8.cloudfront.net',
      distributionId: 'EDFDVBD6EXAMPLE',
      eventType: 'viewer-request',
      requestId: 'EXAMPLEntjQpEXAMPLE_SG5Z-EXAMPLEPmPfEXAMPLEu3EqEXAMPLE==',
    },
    viewer: { ip: spec.ip ?? '198.51.100.11' },
    request: {
      method: spec.method ?? 'GET',
      uri: spec.uri ?? '/index.html',
      querystring: entries(spec.querystring),
      headers: entries({ host: 'www.example.com', ...spec.headers }),
      cookies: entries(spec.cookies),
    },
  };
}

export function viewerResponse(
  spec: RequestSpec & {
    statusCode?: number;
    statusDescription?: string;
    responseHeaders?: Record<string, string | string[]>;
    responseCookies?: Record<string, { value: string; attributes?: string }>;
  } = {},
): FunctionEvent {
  const event = viewerRequest(spec);
  event.context.eventType = 'viewer-response';
  event.response = {
    statusCode: spec.statusCode ?? 200,
    statusDescription: spec.statusDescription ?? 'OK',
    headers: entries(spec.responseHeaders ?? { 'content-type': 'text/html', 'content-length': '1234' }),
    cookies: { ...spec.responseCookies },
  };
  return event;
}

export function load(
  code: string,
  runtime: FunctionRuntime = 'cloudfront-js-2.0',
  kvs?: KeyValueReader,
  name = 'test-function',
): CompiledFunction {
  return compileFunction({ name, runtime, code, kvs });
}

/** Runs and requires a synchronous result. */
export function runSync(
  fn: CompiledFunction,
  event: FunctionEvent,
  options: RunOptions = {},
): FunctionRunResult {
  const result = fn.run(event, { now: NOW, ...options });
  assert.ok(!(result instanceof Promise), 'expected a synchronous run');
  return result as FunctionRunResult;
}

/** The returned request, failing the test with the run's error if there is none. */
export function requestOf(result: FunctionRunResult): FunctionRequestOutput {
  assert.equal(result.error, undefined, result.error?.message);
  assert.ok(result.output && 'request' in result.output, 'expected a request');
  return result.output.request;
}

export function responseOf(result: FunctionRunResult): FunctionResponseOutput {
  assert.equal(result.error, undefined, result.error?.message);
  assert.ok(result.output && 'response' in result.output, 'expected a response');
  return result.output.response;
}

/** The error of a failed run, of the given kind. */
export function errorOf(result: FunctionRunResult, kind: 'execution' | 'validation'): string {
  assert.ok(result.error, `expected a ${kind} error, got ${JSON.stringify(result.output)}`);
  assert.equal(result.error.kind, kind, result.error.message);
  assert.equal(result.output, undefined);
  return result.error.message;
}

/** A handler body wrapped as a viewer-request function returning the request. */
export const requestFunction = (body: string) =>
  `function handler(event) {\n${body}\nreturn event.request;\n}`;

/** Runs `body` (a viewer-request handler body returning `event.request`) and returns its logs. */
export function logsOf(body: string, runtime: FunctionRuntime = 'cloudfront-js-2.0'): string[] {
  const result = runSync(load(requestFunction(body), runtime), viewerRequest());
  assert.equal(result.error, undefined, result.error?.message);
  return result.logs;
}
