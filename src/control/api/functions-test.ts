/**
 * TestFunction (reference/cloudfront-functions.md §7.1): runs one stage of a function on the
 * event the request carries, with the engine live traffic and `edgefront functions test` use
 * (compileFunction + toTestResult), and answers the TestResult. A function that throws is still
 * a 200 with FunctionErrorMessage; a malformed event is InvalidArgument.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ApiError } from '../../errors.js';
import {
  compileFunction,
  FunctionCodeError,
  FunctionEventError,
  KeyValueStore,
  toTestResult,
} from '../../functions/cloudfront/index.js';
import type { FunctionEvent, FunctionRunResult, FunctionRuntime } from '../../functions/cloudfront/types.js';
import type { ControlPlane } from '../control-plane.js';
import { type ApiRequest, type ApiResponse, checkETag, requireIfMatch } from '../router.js';
import { parseXmlBody } from '../xml/codec.js';
import { findFunction, type StageView, stageOf, stageView, summaryOf } from './functions-view.js';

/** TestFunction's limit on EventObject (cloudfront-functions.md §5). */
const MAX_EVENT_BYTES = 40_960;

function readEvent(value: unknown): FunctionEvent {
  const text = typeof value === 'string' ? value.replace(/\s+/g, '') : '';
  if (text === '') throw new ApiError('InvalidArgument', 'EventObject is required');
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length > MAX_EVENT_BYTES) {
    throw new ApiError(
      'InvalidArgument',
      `EventObject is ${bytes.length} bytes; the limit is ${MAX_EVENT_BYTES}`,
    );
  }
  let event: unknown;
  try {
    event = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ApiError('InvalidArgument', `EventObject is not JSON: ${(err as Error).message}`);
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new ApiError('InvalidArgument', 'EventObject must be a JSON object (the function event)');
  }
  return event as FunctionEvent;
}

/** The associated store: the live one traffic reads, else loaded from its data file. */
function keyValueStoreOf(cp: ControlPlane, stage: StageView): KeyValueStore | undefined {
  const items = (stage.Config.KeyValueStoreAssociations as { Items?: { KeyValueStoreARN: string }[] })?.Items;
  const arn = items?.[0]?.KeyValueStoreARN;
  if (arn === undefined) return undefined;
  const live = cp.host.keyValueStore(arn);
  if (live) return live;
  const model = cp.host.model().keyValueStores.get(arn);
  const file = model?.dataFile;
  return KeyValueStore.fromImport(
    file && existsSync(file) ? readFileSync(file, 'utf8') : '{"data":[]}',
    model?.Id,
  );
}

async function run(
  cp: ControlPlane,
  name: string,
  stage: StageView,
  event: FunctionEvent,
): Promise<FunctionRunResult> {
  try {
    const fn = compileFunction({
      name,
      runtime: stage.Config.Runtime as FunctionRuntime,
      code: stage.Code,
      kvs: keyValueStoreOf(cp, stage),
    });
    return await fn.run(event);
  } catch (err) {
    if (err instanceof FunctionEventError)
      throw new ApiError('InvalidArgument', `EventObject: ${err.message}`);
    if (err instanceof FunctionCodeError) throw new ApiError('InvalidArgument', err.message);
    throw err;
  }
}

export async function testFunction(cp: ControlPlane, req: ApiRequest): Promise<ApiResponse> {
  const [name] = req.params;
  const ifMatch = requireIfMatch(req);
  const body = parseXmlBody(req.body, 'TestFunctionRequest');
  const stage = stageOf(body.Stage);
  const view = findFunction(cp, name);
  const current = stageView(view, stage);
  checkETag(ifMatch, current.ETag);
  const result = await run(cp, name, current, readEvent(body.EventObject));
  return {
    status: 200,
    root: 'TestResult',
    body: { FunctionSummary: summaryOf(cp, view, stage), ...toTestResult(result) },
  };
}
