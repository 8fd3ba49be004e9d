/**
 * `edgefront functions test FILE --lambda HANDLER --event EVENT.json`: one Lambda@Edge invocation
 * through the Lambda runtime (src/functions/lambda/), printed like a TestResult. The event is
 * `{Records:[{cf:{config, request, response?}}]}` (reference/lambda-edge.md §2) or, for
 * convenience, the bare `cf` object; `--stage` sets `config.eventType`.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import {
  type CfConfig,
  type CfRequest,
  type CfResponse,
  createLambdaRuntime,
  EVENT_LIMITS,
  type LambdaEdgeEvent,
  type LambdaEventType,
  type LambdaInvokeResult,
} from '../functions/lambda/index.js';
import type { LambdaFunctionModel } from '../model/types.js';
import type { RunReport, TestInput } from './functions-test.js';

const EVENT_TYPES = Object.keys(EVENT_LIMITS) as LambdaEventType[];

/** What a test event may leave out; the values of the reference's own examples. */
const CONFIG_DEFAULTS = {
  distributionDomainName: 'd111111abcdef8.cloudfront.net',
  distributionId: 'EDFDVBD6EXAMPLE',
  requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==',
};
const REQUEST_DEFAULTS = { clientIp: '203.0.113.178', querystring: '', headers: {} };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function toLambdaEvent(input: TestInput): { eventType: LambdaEventType; event: LambdaEdgeEvent } {
  const { event, stage, eventFile } = input;
  const records = event.Records;
  const cf = Array.isArray(records) ? (records[0] as { cf?: unknown } | undefined)?.cf : event;
  if (!isObject(cf) || !isObject(cf.request)) {
    const hint =
      'context' in event
        ? 'it looks like a CloudFront Functions event: drop --lambda'
        : 'expected {"Records":[{"cf":{"config":…,"request":…}}]} or {"config":…,"request":…}';
    throw new UsageError(`edgefront functions test: ${eventFile} is not a Lambda@Edge event (${hint})`);
  }
  const config = isObject(cf.config) ? cf.config : {};
  const eventType = stage ?? (typeof config.eventType === 'string' ? config.eventType : 'viewer-request');
  if (!(EVENT_TYPES as string[]).includes(eventType))
    throw new UsageError(
      `edgefront functions test: the Lambda@Edge event type must be one of ${EVENT_TYPES.join(', ')}, got "${eventType}"`,
    );
  const out: { config: CfConfig; request: CfRequest; response?: CfResponse } = {
    config: { ...CONFIG_DEFAULTS, ...config, eventType } as CfConfig,
    request: { ...REQUEST_DEFAULTS, ...cf.request } as CfRequest,
  };
  if (isObject(cf.response)) {
    const response: Record<string, unknown> = { headers: {}, ...cf.response };
    if (typeof response.status === 'number') response.status = String(response.status); // "200" on the wire
    out.response = response as unknown as CfResponse;
  }
  return { eventType: eventType as LambdaEventType, event: { Records: [{ cf: out }] } };
}

export async function testLambda(input: TestInput, handler: string): Promise<RunReport> {
  const { eventType, event } = toLambdaEvent(input);
  try {
    await stat(input.file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UsageError(`edgefront functions test: cannot read the Lambda@Edge code ${input.file}: ${code}`);
  }
  // Timeout 30 s is Lambda@Edge's most; the runtime caps viewer events at 5 s, as CloudFront does.
  const fn: LambdaFunctionModel = {
    Arn: `arn:aws:lambda:us-east-1:${input.accountId}:function:${input.name}:1`,
    Handler: handler,
    Runtime: 'nodejs20.x',
    Timeout: 30,
    MemorySize: 128,
    codePath: resolve(input.file),
  };
  const runtime = createLambdaRuntime({ maxWorkersPerFunction: 1 });
  let result: LambdaInvokeResult;
  try {
    result = await runtime.invoke(fn, eventType, event);
  } catch (err) {
    // A malformed event (the runtime's TypeError) is the caller's mistake, not the function's.
    if (err instanceof TypeError)
      throw new UsageError(`edgefront functions test: ${input.eventFile}: ${err.message}`);
    throw err;
  } finally {
    await runtime.close();
  }
  const outcome =
    result.kind === 'error'
      ? result.error
      : result.kind === 'request'
        ? 'returned the request'
        : `${result.generated ? 'generated' : 'returned'} a response (${result.response.status})`;
  const init = result.initDurationMs === undefined ? '' : ` (init ${result.initDurationMs.toFixed(1)} ms)`;
  return {
    failed: result.kind === 'error',
    title: `${input.name} ${handler} (${fn.Runtime}, ${eventType}): ${outcome}`,
    last: `Duration: ${result.durationMs.toFixed(2)} ms${init}`,
    result: lambdaTestResult(fn, eventType, result),
  };
}

/** The `--json` object for Lambda@Edge: TestResult's fields, with duration for compute. */
function lambdaTestResult(fn: LambdaFunctionModel, eventType: LambdaEventType, result: LambdaInvokeResult) {
  const output =
    result.kind === 'request'
      ? { request: result.request }
      : result.kind === 'response'
        ? { response: result.response }
        : undefined;
  return {
    FunctionSummary: {
      Name: fn.Arn.split(':')[6],
      FunctionARN: fn.Arn,
      Handler: fn.Handler,
      Runtime: fn.Runtime,
      EventType: eventType,
      MemorySize: fn.MemorySize,
    },
    DurationMs: round2(result.durationMs),
    ...(result.initDurationMs === undefined ? {} : { InitDurationMs: round2(result.initDurationMs) }),
    FunctionExecutionLogs: result.logs.map((l) => l.replace(/\n$/, '')),
    FunctionErrorType: result.kind === 'error' ? result.error : '',
    FunctionErrorMessage: result.kind === 'error' ? result.message : '',
    FunctionOutput: output === undefined ? '' : JSON.stringify(output),
  };
}

const round2 = (ms: number) => Math.round(ms * 100) / 100;
