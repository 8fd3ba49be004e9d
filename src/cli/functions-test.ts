/**
 * `edgefront functions test FILE --event EVENT.json` (DESIGN.md "Tools"): runs one CloudFront
 * Function on one event as TestFunction does (reference/cloudfront-functions.md §7.1) and prints
 * its TestResult; `--json` prints exactly the API's TestResult object. With `--lambda HANDLER`,
 * FILE is Lambda@Edge code run through the Lambda runtime on a Lambda@Edge event
 * (reference/lambda-edge.md §2). Exit 0 when the function ran, 1 when it failed.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { uuidLikeId } from '../config/ids.js';
import { codeProblemFix, describeCodeProblem } from '../config/validate/function-code.js';
import { UsageError } from '../errors.js';
import {
  compileFunction,
  FUNCTION_RUNTIMES,
  FunctionCodeError,
  type FunctionEvent,
  FunctionEventError,
  type FunctionRunResult,
  type FunctionRuntime,
  KeyValueStore,
  KeyValueStoreError,
  parseKeyValueStoreImport,
  toTestResult,
} from '../functions/cloudfront/index.js';
import { type FlagTable, helpText, parseFlags } from './flags.js';
import { testLambda } from './functions-test-lambda.js';

export const FUNCTIONS_TEST_FLAGS: FlagTable = {
  event: {
    type: 'string',
    value: 'EVENT.json',
    help: 'the event: a CloudFront Functions event (full, or TestFunction’s minimal one); with --lambda a Lambda@Edge event',
  },
  stage: {
    type: 'string',
    value: 'EVENT_TYPE',
    help: 'viewer-request | viewer-response (with --lambda also origin-request | origin-response): sets the event’s type',
    default: 'the event’s, else viewer-request',
  },
  runtime: {
    type: 'string',
    value: 'RUNTIME',
    help: 'cloudfront-js-1.0 | cloudfront-js-2.0',
    default: 'cloudfront-js-2.0',
  },
  kvs: {
    type: 'pairs',
    value: 'NAME=FILE',
    help: 'associate a key value store NAME loaded from FILE in CloudFront’s import format',
  },
  lambda: {
    type: 'string',
    value: 'HANDLER',
    help: 'FILE is Lambda@Edge code (file or directory) and HANDLER its handler, e.g. index.handler',
  },
  json: { type: 'bool', help: 'print the TestResult object (FunctionOutput a JSON string) for scripts' },
  help: { type: 'bool', help: 'show this help' },
};

const USAGE =
  'edgefront functions test FILE --event EVENT.json [--stage EVENT_TYPE] [--runtime RUNTIME] [--kvs NAME=FILE] [--lambda HANDLER] [--json]';

/** TestFunction's limit on the event object (reference §7.1). */
const MAX_EVENT_BYTES = 40_960;
const VIEWER_STAGES = ['viewer-request', 'viewer-response'] as const;
const ERROR_CODES = { execution: 'FunctionExecutionError', validation: 'FunctionValidationError' } as const;

export interface TestInput {
  file: string;
  /** The name TestFunction would show: the file's base name, in CloudFront's name alphabet. */
  name: string;
  accountId: string;
  eventFile: string;
  event: Record<string, unknown>;
  stage?: string;
}

/** One run, for both kinds of function: `result` is what `--json` prints. */
export interface RunReport {
  failed: boolean;
  /** `name (runtime, event type): what happened`. */
  title: string;
  /** The closing line: compute utilization or duration. */
  last: string;
  result: {
    FunctionSummary: object;
    FunctionExecutionLogs: string[];
    FunctionErrorMessage: string;
    FunctionOutput: string;
  };
}

export async function runFunctionsTest(argv: string[]): Promise<number> {
  const { values, positional } = parseFlags('functions test', FUNCTIONS_TEST_FLAGS, argv);
  if (values.help) {
    process.stdout.write(
      helpText(
        USAGE,
        'Run a CloudFront Function (or, with --lambda, a Lambda@Edge handler) on one event and print the TestFunction result.',
        FUNCTIONS_TEST_FLAGS,
      ),
    );
    return 0;
  }
  if (positional.length !== 1)
    throw new UsageError(
      positional.length === 0
        ? `edgefront functions test: name the function's FILE (usage: ${USAGE})`
        : `edgefront functions test: one FILE at a time, got ${positional.map((p) => `"${p}"`).join(' ')}`,
    );
  const eventFile = values.event as string | undefined;
  if (eventFile === undefined)
    throw new UsageError('edgefront functions test: --event EVENT.json is required (the event to run on)');
  const file = positional[0];
  const input: TestInput = {
    file,
    name:
      basename(file, extname(file))
        .replace(/[^a-zA-Z0-9-_]/g, '-')
        .slice(0, 64) || 'function',
    accountId: process.env.EDGEFRONT_ACCOUNT_ID ?? '123456789012',
    eventFile,
    event: await readEvent(eventFile),
    stage: values.stage as string | undefined,
  };
  const handler = values.lambda as string | undefined;
  if (handler !== undefined)
    for (const flag of ['runtime', 'kvs'])
      if (values[flag] !== undefined)
        throw new UsageError(`edgefront functions test: --${flag} is for CloudFront Functions, not --lambda`);
  const report =
    handler !== undefined
      ? await testLambda(input, handler)
      : await testCloudFrontFunction(
          input,
          parseRuntime(values.runtime as string | undefined),
          values.kvs as Record<string, string> | undefined,
          values.json === true,
        );
  if (typeof report === 'number') return report; // the code did not compile: already reported
  if (values.json === true) process.stdout.write(`${JSON.stringify(report.result, null, 2)}\n`);
  else printRun(process.stdout, report);
  return report.failed ? 1 : 0;
}

function parseRuntime(value: string | undefined): FunctionRuntime {
  if (value === undefined) return 'cloudfront-js-2.0';
  const runtime = FUNCTION_RUNTIMES.find((r) => r === value);
  if (!runtime)
    throw new UsageError(
      `edgefront functions test: --runtime must be ${FUNCTION_RUNTIMES.join(' or ')}, got "${value}"`,
    );
  return runtime;
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new UsageError(`edgefront functions test: cannot read ${what} ${file}: ${code}`);
  }
}

async function readEvent(file: string): Promise<Record<string, unknown>> {
  const text = await readText(file, 'the event');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`edgefront functions test: ${file} is not JSON: ${(err as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    throw new UsageError(`edgefront functions test: ${file} must hold an event object`);
  return doc as Record<string, unknown>;
}

/** The event with its type set: `--stage` wins, then the event's own, then what it carries. */
function toFunctionEvent(input: TestInput): FunctionEvent {
  const { event, stage, eventFile } = input;
  if ('Records' in event || ('config' in event && !('context' in event)))
    throw new UsageError(
      `edgefront functions test: ${eventFile} is a Lambda@Edge event; run Lambda@Edge code with --lambda HANDLER`,
    );
  if (stage !== undefined && !(VIEWER_STAGES as readonly string[]).includes(stage))
    throw new UsageError(
      `edgefront functions test: --stage must be viewer-request or viewer-response for a CloudFront Function, got "${stage}"`,
    );
  const context = (typeof event.context === 'object' && event.context) || {};
  const own = (context as { eventType?: unknown }).eventType;
  const eventType =
    stage ?? (typeof own === 'string' ? own : event.response ? 'viewer-response' : 'viewer-request');
  return { ...event, context: { ...context, eventType } } as unknown as FunctionEvent;
}

async function loadKvs(
  pairs: Record<string, string> | undefined,
): Promise<{ name: string; store: KeyValueStore } | undefined> {
  const entries = Object.entries(pairs ?? {});
  if (entries.length === 0) return undefined;
  if (entries.length > 1)
    throw new UsageError(
      'edgefront functions test: a function can be associated with one key value store (--kvs once)',
    );
  const [[name, file]] = entries;
  const text = await readText(file, 'the key value store');
  try {
    // No id: `cf.kvs(id)` with the id of the user's real store works here too.
    return { name, store: new KeyValueStore(parseKeyValueStoreImport(text)) };
  } catch (err) {
    if (err instanceof KeyValueStoreError)
      throw new UsageError(`edgefront functions test: --kvs ${name}=${file}: ${err.code}: ${err.message}`);
    throw err;
  }
}

async function testCloudFrontFunction(
  input: TestInput,
  runtime: FunctionRuntime,
  kvsPairs: Record<string, string> | undefined,
  json: boolean,
): Promise<RunReport | number> {
  const code = await readText(input.file, 'the function');
  const event = toFunctionEvent(input);
  const eventBytes = Buffer.byteLength(JSON.stringify(event));
  if (eventBytes > MAX_EVENT_BYTES)
    throw new UsageError(
      `edgefront functions test: ${input.eventFile} is ${eventBytes} bytes as JSON; TestFunction takes events up to ${MAX_EVENT_BYTES}`,
    );
  const kvs = await loadKvs(kvsPairs);
  let fn: ReturnType<typeof compileFunction>;
  try {
    fn = compileFunction({ name: input.name, runtime, code, kvs: kvs?.store });
  } catch (err) {
    if (err instanceof FunctionCodeError) return reportCodeError(input.file, err, json);
    throw err;
  }
  let result: FunctionRunResult;
  try {
    result = await fn.run(event);
  } catch (err) {
    if (err instanceof FunctionEventError)
      throw new UsageError(`edgefront functions test: ${input.eventFile}: ${err.message}`);
    throw err;
  }
  const modified = (await stat(input.file)).mtime.toISOString();
  const kvsId = kvs && uuidLikeId('key-value-store', input.file, kvs.name);
  const associations = kvsId && {
    KeyValueStoreAssociations: {
      Quantity: 1,
      Items: [{ KeyValueStoreARN: `arn:aws:cloudfront::${input.accountId}:key-value-store/${kvsId}` }],
    },
  };
  const outcome = result.error ? ERROR_CODES[result.error.kind] : describeOutput(event, result);
  return {
    failed: result.error !== undefined,
    title: `${input.name} (${runtime}, ${event.context.eventType}): ${outcome}`,
    last: `ComputeUtilization: ${result.computeUtilization}`,
    result: {
      FunctionSummary: {
        Name: input.name,
        Status: 'UNPUBLISHED',
        FunctionConfig: { Comment: '', Runtime: runtime, ...associations },
        FunctionMetadata: {
          FunctionARN: `arn:aws:cloudfront::${input.accountId}:function/${input.name}`,
          Stage: 'DEVELOPMENT',
          CreatedTime: modified,
          LastModifiedTime: modified,
        },
      },
      ...toTestResult(result),
    },
  };
}

function describeOutput(event: FunctionEvent, result: FunctionRunResult): string {
  const output = result.output;
  if (output === undefined || 'request' in output) return 'returned the request';
  const status = output.response.statusCode;
  return event.context.eventType === 'viewer-request'
    ? `generated a response (${status})`
    : `returned the response (${status})`;
}

/** Code CloudFront's CreateFunction would refuse: each problem located, as `validate` words it. */
function reportCodeError(file: string, err: FunctionCodeError, json: boolean): number {
  const out = process.stdout;
  if (json) {
    const Problems = err.problems.map((p) => ({
      File: file,
      Line: p.line,
      Column: p.column,
      Feature: p.feature,
      Message: p.message,
    }));
    out.write(`${JSON.stringify({ Error: { Code: err.code, Message: err.message, Problems } }, null, 2)}\n`);
    return 1;
  }
  for (const p of err.problems)
    out.write(
      `✘ ${describeCodeProblem(file, p)} (fix: ${codeProblemFix(p, 'use --runtime cloudfront-js-2.0')})\n`,
    );
  const n = err.problems.length;
  out.write(`${n} problem${n === 1 ? '' : 's'}: CloudFront would refuse this function (${err.code})\n`);
  return 1;
}

/** The human form of one run: a title line, then the result's parts under their API names. */
function printRun(out: NodeJS.WritableStream, run: RunReport): void {
  const indent = (text: string) => text.replace(/^/gm, '  ');
  const { FunctionOutput, FunctionErrorMessage, FunctionExecutionLogs } = run.result;
  const lines = [`${run.failed ? '✘' : '✔'} ${run.title}`];
  if (FunctionOutput !== '') lines.push('FunctionOutput:', indent(prettyJson(JSON.parse(FunctionOutput))));
  if (FunctionErrorMessage !== '') lines.push(`FunctionErrorMessage: ${FunctionErrorMessage}`);
  if (FunctionExecutionLogs.length === 0) lines.push('FunctionExecutionLogs: (none)');
  else lines.push('FunctionExecutionLogs:', ...FunctionExecutionLogs.map(indent));
  lines.push(run.last);
  out.write(`${lines.join('\n')}\n`);
}

/** One line per JSON value while it fits, so `"host": { "value": "example.org" }` stays readable. */
function inlineJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(inlineJson).join(', ')}]`;
  if (typeof v !== 'object' || v === null) return JSON.stringify(v);
  const entries = Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${inlineJson(x)}`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

function prettyJson(v: unknown, indent = ''): string {
  const one = inlineJson(v);
  if (typeof v !== 'object' || v === null || indent.length + one.length <= 80) return one;
  const inner = `${indent}  `;
  const items = Array.isArray(v)
    ? v.map((x) => inner + prettyJson(x, inner))
    : Object.entries(v).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${prettyJson(x, inner)}`);
  const [open, close] = Array.isArray(v) ? ['[', ']'] : ['{', '}'];
  return `${open}\n${items.join(',\n')}\n${indent}${close}`;
}
