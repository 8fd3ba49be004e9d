/**
 * One Lambda@Edge instance: the entry of a worker thread. Loads the handler once (module state then
 * lives as long as the worker, like a warm Lambda instance) and runs one invocation at a time with
 * the Node.js runtime's programming model (aws-lambda-nodejs-runtime-interface-client, Runtime.js and
 * CallbackContext.js):
 *  - a returned promise settles the invocation; a callback handler answers with `callback(err, value)`,
 *    and by default (`context.callbackWaitsForEmptyEventLoop`) only once the event loop is empty;
 *  - the first of callback / succeed / fail / done wins;
 *  - a non-async handler that never answers, once the loop is empty, answers `null`; an async one
 *    whose promise never settles fails with Runtime.NodeJsExit;
 *  - an uncaught exception or unhandled rejection fails the invocation and ends the instance.
 * "The loop is empty" is Node's own `beforeExit`: the port is unref'd while an invocation runs.
 */
import { randomUUID } from 'node:crypto';
import { format, types } from 'node:util';
import { workerData } from 'node:worker_threads';
import { type Handler, loadHandler, RuntimeError } from './load-handler.js';
import type { InvokeMessage, WorkerMessage, WorkerSetup } from './protocol.js';

const setup = workerData as WorkerSetup;
const { port } = setup;
const send = (m: WorkerMessage) => port.postMessage(m);

/** Undefined during init: Lambda's own log lines say "undefined" there too. */
let requestId: string | undefined;

/** Lambda's text log format: `timestamp \t requestId \t LEVEL \t message` (LogPatch.js), one entry per call. */
function log(level: string, args: unknown[]): void {
  send({ t: 'log', line: `${new Date().toISOString()}\t${requestId}\t${level}\t${format(...args)}` });
}
const logger =
  (level: string) =>
  (...args: unknown[]) =>
    log(level, args);
console.trace = logger('TRACE');
console.debug = logger('DEBUG');
console.info = logger('INFO');
console.log = console.info;
console.warn = logger('WARN');
console.error = logger('ERROR');
(console as unknown as Record<string, unknown>).fatal = logger('FATAL');

interface Running {
  readonly id: number;
  /** Called on `beforeExit`: nothing is left to run in this instance. */
  emptyLoop(): void;
}
let running: Running | undefined;

function reply(m: WorkerMessage): void {
  running = undefined;
  port.ref();
  send(m);
}

/** Lambda's error shape (Errors.js toRapidResponse): an Error's name and message, else `typeof` and text. */
function describeError(err: unknown): { errorType: string; errorMessage: string } {
  if (types.isNativeError(err) || err instanceof Error)
    return { errorType: err.name, errorMessage: err.message };
  return { errorType: typeof err, errorMessage: String(err) };
}

function logError(title: string, err: unknown): { errorType: string; errorMessage: string } {
  const e = describeError(err);
  const stack = typeof (err as Error | null)?.stack === 'string' ? (err as Error).stack!.split('\n') : [];
  log('ERROR', [title, `\t${JSON.stringify({ ...e, stack })}`]);
  return e;
}

let handler: Handler;
let isAsync = false;

function run({ id, event, deadline }: InvokeMessage): void {
  requestId = randomUUID();
  port.unref();
  let finished = false;
  let waits = true;
  let hasPending = false;
  let pendingValue: unknown;
  const ok = (value: unknown) => reply({ t: 'ok', id, value });
  const fail = (err: unknown) => reply({ t: 'err', id, ...logError('Invoke Error', err) });
  const done = (err?: unknown, value?: unknown) => {
    if (finished) return;
    finished = true;
    if (err !== undefined && err !== null) fail(err);
    else ok(value);
  };
  const callback = (err?: unknown, value?: unknown) => {
    if (finished) return;
    if ((err !== undefined && err !== null) || !waits) return done(err, value);
    finished = true;
    hasPending = true;
    pendingValue = value;
  };
  running = {
    id,
    emptyLoop() {
      if (hasPending) ok(pendingValue);
      else if (!finished) {
        finished = true;
        if (isAsync)
          fail(new RuntimeError('NodeJsExit', 'the handler returned a promise that never settled'));
        else ok(null);
      }
    },
  };
  const context = {
    functionName: setup.functionName,
    functionVersion: setup.functionVersion,
    invokedFunctionArn: setup.invokedFunctionArn,
    memoryLimitInMB: setup.memoryLimitInMB,
    awsRequestId: requestId,
    logGroupName: setup.logGroupName,
    logStreamName: setup.logStreamName,
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    get callbackWaitsForEmptyEventLoop() {
      return waits;
    },
    set callbackWaitsForEmptyEventLoop(value: boolean) {
      waits = value;
    },
    succeed: (value?: unknown) => done(null, value),
    fail: (err?: unknown) => done(err ?? 'handled'),
    done,
  };
  try {
    const result = handler(event, context, callback);
    if (typeof (result as PromiseLike<unknown> | null)?.then === 'function')
      (result as PromiseLike<unknown>).then(context.succeed, context.fail);
  } catch (err) {
    callback(err);
  }
}

process.on('beforeExit', () => running?.emptyLoop());

/** Lambda posts the error and exits the instance (exit 129 / 128); the runtime then starts a fresh one. */
function fatal(title: string, err: unknown, code: number): void {
  const e = logError(title, err);
  send({ t: 'err', id: running?.id ?? -1, ...e, fatal: true });
  process.exit(code);
}
process.on('uncaughtException', (err) => fatal('Uncaught Exception', err, 129));
process.on('unhandledRejection', (reason) => fatal('Unhandled Promise Rejection', reason, 128));

try {
  handler = await loadHandler(setup);
  isAsync = handler.constructor?.name === 'AsyncFunction';
  port.on('message', run);
  send({ t: 'ready' });
} catch (err) {
  send({ t: 'init-error', ...logError('Init Error', err) });
}
