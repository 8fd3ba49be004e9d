/**
 * The event crosses into the sandbox as a flat list of primitives (never a host object: any
 * host object leads back to the host's `Function`). `sandbox/bridge.ts` `buildEvent` reads the
 * same layout:
 *
 *   eventType, version, distributionDomainName, distributionId, requestId, endpoint, viewer.ip,
 *   method, uri, rawQueryString, now, randomSeed (NaN: ask the host), edge name, ip, region,
 *   querystring, headers, cookies, hasResponse (0|1)
 *   [, statusCode, statusDescription, response headers, response cookies]
 *
 * A section is `count` then per name: `name, k, value1 [, attributes1], … valuek`; `k` is negative
 * when the entry had a `multiValue` array. Disallowed headers are left out: CloudFront never shows
 * them to a function (§5.1).
 */
import { isHiddenFromFunctions } from './header-names.js';
import type {
  EventResponseCookie,
  EventValue,
  FunctionEvent,
  FunctionEventType,
  RunOptions,
} from './types.js';

/** A malformed event given to `run()`: a caller's mistake, not the function's. */
export class FunctionEventError extends TypeError {
  override name = 'FunctionEventError';
}

const EVENT_TYPES: readonly FunctionEventType[] = ['viewer-request', 'viewer-response'];

/** Checks the parts of `event` the engine relies on; returns its event type. */
export function checkEvent(event: FunctionEvent): FunctionEventType {
  if (typeof event !== 'object' || event === null)
    throw new FunctionEventError('the event must be an object');
  const eventType = event.context?.eventType;
  if (!EVENT_TYPES.includes(eventType))
    throw new FunctionEventError(`event.context.eventType must be viewer-request or viewer-response`);
  const request = event.request;
  if (typeof request !== 'object' || request === null)
    throw new FunctionEventError('event.request is missing');
  if (typeof request.method !== 'string' || typeof request.uri !== 'string')
    throw new FunctionEventError('event.request needs string method and uri');
  if (eventType === 'viewer-response') {
    const response = event.response;
    if (typeof response !== 'object' || response === null)
      throw new FunctionEventError('a viewer-response event needs event.response');
    if (typeof response.statusCode !== 'number')
      throw new FunctionEventError('event.response.statusCode must be a number');
  }
  return eventType;
}

const optionalString = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function encodeEvent(event: FunctionEvent, options: RunOptions, now: number, seed: number): unknown[] {
  const out: unknown[] = [
    event.context.eventType,
    optionalString(event.version) ?? '1.0',
    optionalString(event.context.distributionDomainName),
    optionalString(event.context.distributionId),
    optionalString(event.context.requestId),
    optionalString(event.context.endpoint),
    String(event.viewer?.ip ?? ''),
    event.request.method,
    event.request.uri,
    options.rawQueryString,
    now,
    seed,
    options.edgeLocation?.name,
    options.edgeLocation?.serverIp,
    options.edgeLocation?.region,
  ];
  section(out, event.request.querystring, 'querystring', false);
  section(out, event.request.headers, 'headers', false, true);
  section(out, event.request.cookies, 'cookies', false);
  const response = event.context.eventType === 'viewer-response' ? event.response : undefined;
  if (!response) {
    out.push(0);
    return out;
  }
  out.push(1, response.statusCode, optionalString(response.statusDescription));
  section(out, response.headers, 'response headers', false, true);
  section(out, response.cookies, 'response cookies', true);
  return out;
}

function section(
  out: unknown[],
  map: Record<string, EventValue | EventResponseCookie> | undefined,
  what: string,
  withAttributes: boolean,
  isHeaders = false,
): void {
  const countAt = out.length;
  out.push(0);
  if (map === undefined || map === null) return;
  if (typeof map !== 'object') throw new FunctionEventError(`event ${what} must be an object`);
  let count = 0;
  for (const name of Object.keys(map)) {
    if (isHeaders && isHiddenFromFunctions(name)) continue;
    const entry = map[name] as EventResponseCookie;
    if (typeof entry !== 'object' || entry === null || typeof entry.value !== 'string')
      throw new FunctionEventError(`event ${what}["${name}"] must be { value: string }`);
    const list =
      Array.isArray(entry.multiValue) && entry.multiValue.length > 0 ? entry.multiValue : undefined;
    out.push(name, list ? -list.length : 1);
    if (!list) {
      out.push(entry.value);
      if (withAttributes) out.push(optionalString(entry.attributes));
    } else {
      for (const item of list) {
        if (typeof item?.value !== 'string')
          throw new FunctionEventError(
            `event ${what}["${name}"].multiValue entries must be { value: string }`,
          );
        out.push(item.value);
        if (withAttributes) out.push(optionalString(item.attributes));
      }
    }
    count++;
  }
  out[countAt] = count;
}
