/**
 * The reading operations of CloudFront Functions: DescribeFunction and GetFunction (one stage,
 * `?Stage=` DEVELOPMENT by default, with that stage's ETag) and ListFunctions.
 */
import type { ControlPlane } from '../control-plane.js';
import { type ApiRequest, type ApiResponse, apiList, pageOf } from '../router.js';
import {
  allFunctions,
  type FunctionView,
  findFunction,
  STAGES,
  type Stage,
  stageOf,
  stageView,
  summaryOf,
} from './functions-view.js';

/** One stage's FunctionSummary with that stage's ETag, for Describe, Update and Publish. */
export function summaryAnswer(
  cp: ControlPlane,
  view: FunctionView,
  stage: Stage,
  headers?: Record<string, string>,
): ApiResponse {
  return { status: 200, root: 'FunctionSummary', body: summaryOf(cp, view, stage), headers };
}

/** One item per stage (DEVELOPMENT, and LIVE once published), `?Stage=` keeping one of them. */
export function listFunctions(cp: ControlPlane, req: ApiRequest): ApiResponse {
  const filter = req.query.get('Stage');
  const only = filter === null ? undefined : stageOf(filter);
  const items = allFunctions(cp).flatMap((view) =>
    STAGES.filter((stage) => view[stage] && (only === undefined || stage === only)).map((stage) => ({
      view,
      stage,
    })),
  );
  // `#` sorts before every name character, so the order is by name, then stage.
  const { page, nextMarker, maxItems } = pageOf(items, (i) => `${i.view.Name}#${i.stage}`, req.query);
  return {
    status: 200,
    root: 'FunctionList',
    body: {
      ...(nextMarker ? { NextMarker: nextMarker } : {}),
      MaxItems: maxItems,
      ...apiList(page.map((i) => summaryOf(cp, i.view, i.stage))),
    },
  };
}

export function describeFunction(cp: ControlPlane, req: ApiRequest): ApiResponse {
  const view = findFunction(cp, req.params[0]);
  const stage = stageOf(req.query.get('Stage'));
  return summaryAnswer(cp, view, stage, { ETag: stageView(view, stage).ETag });
}

/** GetFunction: the stage's code as sent, not XML. */
export function getFunction(cp: ControlPlane, req: ApiRequest): ApiResponse {
  const current = stageView(findFunction(cp, req.params[0]), stageOf(req.query.get('Stage')));
  return {
    status: 200,
    raw: { contentType: 'application/octet-stream', data: current.Code },
    headers: { ETag: current.ETag },
  };
}
