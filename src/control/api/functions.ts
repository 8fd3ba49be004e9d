/**
 * CloudFront Functions (reference/control-api.md §2 "Functions", §2.1, §2.2;
 * cloudfront-functions.md §7): Create, Describe, Get, Update, Publish, Test, Delete and List,
 * with a DEVELOPMENT and a LIVE stage and an ETag per stage. Create and Update write DEVELOPMENT
 * only; Publish copies it to LIVE, and every behavior associating the function serves the new
 * LIVE code once the change is acknowledged (the model is rebuilt before the API answers).
 * Update, Publish and Delete take the DEVELOPMENT ETag; Test takes the tested stage's.
 * Config-file functions are visible and changeable here too (functions-view.ts).
 */
import { functionArn } from '../../config/raw.js';
import { FUNCTION_NAME } from '../../config/schema/functions.js';
import { ApiError } from '../../errors.js';
import type { ControlPlane } from '../control-plane.js';
import { type ApiRequest, type ApiResponse, checkETag, type Route, requireIfMatch } from '../router.js';
import { newETag } from '../state.js';
import { parseXmlBody } from '../xml/codec.js';
import { readFunctionInput } from './functions-input.js';
import { describeFunction, getFunction, listFunctions, summaryAnswer } from './functions-read.js';
import { testFunction } from './functions-test.js';
import {
  allFunctions,
  distributionsUsing,
  type FunctionView,
  findFunction,
  hasFunction,
  summaryOf,
  toStored,
} from './functions-view.js';
import { checkedTags } from './tags.js';

/** CloudFront's quota on functions per account (control-api.md §6). */
const MAX_FUNCTIONS = 100;

async function createFunction(cp: ControlPlane, req: ApiRequest): Promise<ApiResponse> {
  const body = parseXmlBody(req.body, 'CreateFunctionRequest');
  const name = body.Name;
  if (typeof name !== 'string' || !FUNCTION_NAME.test(name)) {
    throw new ApiError(
      'InvalidArgument',
      `Name must be 1–64 characters of a-z A-Z 0-9 - _ (got "${String(name ?? '')}")`,
    );
  }
  const tags = body.Tags === undefined ? undefined : checkedTags(body.Tags);
  const view = await cp.change((draft) => {
    if (hasFunction(cp, name)) {
      throw new ApiError('FunctionAlreadyExists', `A function named ${name} already exists in this account`);
    }
    if (allFunctions(cp).length >= MAX_FUNCTIONS) {
      throw new ApiError('TooManyFunctions', `Your account already has ${MAX_FUNCTIONS} functions`);
    }
    const input = readFunctionInput(cp, body);
    const now = cp.now().toISOString();
    const created: FunctionView = {
      Name: name,
      CreatedTime: now,
      DEVELOPMENT: { ...input, LastModifiedTime: now, ETag: newETag() },
      fromFile: false,
    };
    draft.functions[name] = toStored(created, draft.version);
    if (tags) draft.tags[functionArn(cp.accountId, name)] = tags;
    return created;
  });
  return {
    status: 201,
    root: 'FunctionSummary',
    body: summaryOf(cp, view, 'DEVELOPMENT'),
    headers: {
      ETag: view.DEVELOPMENT.ETag,
      Location: `${req.base}/2020-05-31/function/${functionArn(cp.accountId, name)}`,
    },
  };
}

/** UpdateFunction: full replacement of the DEVELOPMENT stage; LIVE (and traffic) keep theirs. */
async function updateFunction(cp: ControlPlane, req: ApiRequest): Promise<ApiResponse> {
  const [name] = req.params;
  const ifMatch = requireIfMatch(req);
  const body = parseXmlBody(req.body, 'UpdateFunctionRequest');
  const view = await cp.change((draft) => {
    const current = findFunction(cp, name);
    checkETag(ifMatch, current.DEVELOPMENT.ETag);
    const input = readFunctionInput(cp, body);
    const updated: FunctionView = {
      ...current,
      DEVELOPMENT: { ...input, LastModifiedTime: cp.now().toISOString(), ETag: newETag() },
      fromFile: false,
    };
    draft.functions[name] = toStored(updated, draft.version);
    return updated;
  });
  const etag = view.DEVELOPMENT.ETag;
  // The SDKs read the new version from `ETtag` (sic, the service model's typo); `ETag` for everyone else.
  return summaryAnswer(cp, view, 'DEVELOPMENT', { ETag: etag, ETtag: etag });
}

/** PublishFunction: DEVELOPMENT → LIVE, served by every associated behavior before the answer. */
async function publishFunction(cp: ControlPlane, req: ApiRequest): Promise<ApiResponse> {
  const [name] = req.params;
  const ifMatch = requireIfMatch(req);
  const view = await cp.change((draft) => {
    const current = findFunction(cp, name);
    checkETag(ifMatch, current.DEVELOPMENT.ETag);
    const { Config, Code } = current.DEVELOPMENT;
    const published: FunctionView = {
      ...current,
      LIVE: { Config, Code, LastModifiedTime: cp.now().toISOString(), ETag: newETag() },
      fromFile: false,
    };
    draft.functions[name] = toStored(published, draft.version);
    return published;
  });
  return summaryAnswer(cp, view, 'LIVE');
}

async function deleteFunction(cp: ControlPlane, req: ApiRequest): Promise<ApiResponse> {
  const [name] = req.params;
  const ifMatch = requireIfMatch(req);
  await cp.change((draft) => {
    const current = findFunction(cp, name);
    checkETag(ifMatch, current.DEVELOPMENT.ETag);
    const users = distributionsUsing(cp, name);
    if (users.length) {
      throw new ApiError(
        'FunctionInUse',
        `Cannot delete function ${name}: it is associated with distribution ${users.join(', ')}`,
      );
    }
    delete draft.functions[name];
    // Always a tombstone: a config file may still declare the function, even one moved into the state.
    const tombstone = `functions/${name}`;
    if (!draft.deleted.includes(tombstone)) draft.deleted.push(tombstone);
    delete draft.tags[functionArn(cp.accountId, name)];
  });
  return { status: 204 };
}

const ONE = /^\/function\/([^/]+)$/;

export const functionRoutes: Route[] = [
  { operation: 'CreateFunction', method: 'POST', path: /^\/function$/, handle: createFunction },
  { operation: 'ListFunctions', method: 'GET', path: /^\/function$/, handle: listFunctions },
  {
    operation: 'DescribeFunction',
    method: 'GET',
    path: /^\/function\/([^/]+)\/describe$/,
    handle: describeFunction,
  },
  { operation: 'GetFunction', method: 'GET', path: ONE, handle: getFunction },
  { operation: 'UpdateFunction', method: 'PUT', path: ONE, handle: updateFunction },
  { operation: 'DeleteFunction', method: 'DELETE', path: ONE, handle: deleteFunction },
  {
    operation: 'PublishFunction',
    method: 'POST',
    path: /^\/function\/([^/]+)\/publish$/,
    handle: publishFunction,
  },
  { operation: 'TestFunction', method: 'POST', path: /^\/function\/([^/]+)\/test$/, handle: testFunction },
];
