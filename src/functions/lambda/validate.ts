/**
 * What a function returned, checked against its event (reference/lambda-edge.md §3): request events
 * continue with the request or answer with a generated response (an object with `status`); response
 * events return the response. Anything else is LambdaValidationError (502), the message naming the field.
 */
import type { LambdaEdgeEvent, LambdaEventType, LambdaOutcome } from './types.js';
import { invalid, isObject, LambdaValidationFailure } from './validate-headers.js';
import { checkRequest } from './validate-request.js';
import { checkResponse } from './validate-response.js';

/** `value` must be the function's own copy of its result (it is normalised in place). */
export function validateResult(
  eventType: LambdaEventType,
  event: LambdaEdgeEvent,
  value: unknown,
): LambdaOutcome {
  try {
    if (!isObject(value))
      invalid(
        'result',
        `${describe(value)} is not a request or response object; return one (or call callback(null, it))`,
      );
    const cf = event.Records[0].cf;
    if (eventType === 'viewer-request' || eventType === 'origin-request')
      return value.status === undefined
        ? checkRequest(eventType, cf.request, value)
        : checkResponse(eventType, undefined, value);
    if (value.status === undefined)
      invalid('result', `${eventType} functions return the response (an object with status), not a request`);
    return checkResponse(eventType, cf.response, value);
  } catch (err) {
    if (err instanceof LambdaValidationFailure)
      return { kind: 'error', error: 'LambdaValidationError', message: err.message };
    throw err;
  }
}

function describe(v: unknown): string {
  if (v === undefined || v === null) return String(v);
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? 'a string' : `a ${typeof v}`;
}
