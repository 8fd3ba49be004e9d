/**
 * A request returned by a viewer-request or origin-request function (reference/lambda-edge.md §2.2,
 * §4, §5): what may change (uri, querystring, headers, body with `action: 'replace'`, origin in
 * origin-request) and what may not (clientIp, method, read-only headers).
 */
import { bodyStringBytes, isBase64 } from './body.js';
import { EVENT_LIMITS, MAX_URL_CHARS } from './limits.js';
import type { CfRequest, CfRequestBody, LambdaEventType, LambdaOutcome } from './types.js';
import {
  checkHeaders,
  checkNoCloudFrontHeadersAdded,
  checkReadOnlyHeaders,
  invalid,
  isObject,
} from './validate-headers.js';
import { checkOrigin } from './validate-origin.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const BAD_URI = /[\x00-\x20\x7f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const BAD_QUERY = /[\x00-\x20\x7f#]/;

/** `value` is the function's own copy (a structured clone): normalised in place. */
export function checkRequest(
  eventType: LambdaEventType,
  before: CfRequest,
  value: Record<string, unknown>,
): LambdaOutcome {
  const request = value as unknown as CfRequest;
  for (const field of ['clientIp', 'method'] as const) {
    if (value[field] === undefined) request[field] = before[field];
    else if (value[field] !== before[field])
      invalid(`request.${field}`, `is read-only (was ${JSON.stringify(before[field])})`);
  }
  const { uri, querystring } = value;
  if (typeof uri !== 'string') invalid('request.uri', 'must be a string starting with "/"');
  if (!uri.startsWith('/')) invalid('request.uri', `${JSON.stringify(uri)} does not start with "/"`);
  if (BAD_URI.test(uri)) invalid('request.uri', 'contains a space or control character');
  if (querystring === undefined) request.querystring = before.querystring;
  else if (typeof querystring !== 'string') invalid('request.querystring', 'must be a string');
  else if (BAD_QUERY.test(querystring))
    invalid('request.querystring', 'contains a space, control character or "#"');
  if (uri.length + 1 + request.querystring.length >= MAX_URL_CHARS)
    invalid('request.uri', `URI and query string must stay under ${MAX_URL_CHARS} characters`);

  const headers = checkHeaders('request.headers', value.headers);
  checkReadOnlyHeaders('request.headers', eventType, before.headers, headers);
  if (eventType === 'viewer-request')
    checkNoCloudFrontHeadersAdded('request.headers', before.headers, headers);

  const origin = checkOrigin(eventType, before.origin, value.origin, headers);
  if (origin === undefined) delete request.origin;
  else request.origin = origin;

  const body = checkBody(eventType, before.body, value.body);
  if (body === undefined) {
    delete request.body;
    return { kind: 'request', request };
  }
  request.body = body;
  if (body.action !== 'replace') return { kind: 'request', request };
  return {
    kind: 'request',
    request,
    bodyBytes: Buffer.from(body.data, body.encoding === 'text' ? 'utf8' : 'base64'),
  };
}

/** §4: `read-only` (the default) ignores any change; `replace` sends `data`, within the size limits. */
function checkBody(
  eventType: LambdaEventType,
  before: CfRequestBody | undefined,
  value: unknown,
): CfRequestBody | undefined {
  if (value === undefined) return before;
  if (before === undefined)
    invalid('request.body', 'this function was not given the body (IncludeBody is off for its association)');
  if (!isObject(value)) invalid('request.body', 'must be an object { action, encoding, data }');
  const action = value.action ?? 'read-only';
  if (action === 'read-only') return before;
  if (action !== 'replace')
    invalid('request.body.action', `${JSON.stringify(action)} is not "read-only" or "replace"`);
  const encoding = value.encoding ?? 'base64';
  if (encoding !== 'base64' && encoding !== 'text')
    invalid('request.body.encoding', `${JSON.stringify(encoding)} is not "base64" or "text"`);
  const { data } = value;
  if (typeof data !== 'string') invalid('request.body.data', 'must be a string');
  const limits = EVENT_LIMITS[eventType];
  const limit = encoding === 'text' ? limits.replaceTextBytes : limits.replaceBase64Bytes;
  const size = bodyStringBytes(data);
  if (size > limit)
    invalid(
      'request.body.data',
      `${size} bytes is over ${eventType}'s ${limit}-byte limit for a ${encoding} body`,
    );
  if (encoding === 'base64' && !isBase64(data)) invalid('request.body.data', 'is not valid base64');
  return { inputTruncated: before.inputTruncated, action: 'replace', encoding, data };
}
