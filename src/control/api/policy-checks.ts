/**
 * What CloudFront's API refuses in a policy body before anything is stored (STYLE.md §5:
 * validate where input enters). Cache and origin request policies: at most 10 header, cookie
 * and query string names each, with CloudFront's `TooMany*In<Kind>` codes (the config loader
 * checks everything else: TTL order, behaviours, the 1,024-character total). Response headers
 * policies: required fields, CloudFront's enums, 10 custom and 10 removed headers, a CSP of at
 * most 1,783 characters, with CloudFront's codes (reference/control-api.md §2.1, §6); the config
 * loader checks the rest (config/schema/response-headers-policy.ts: headers that cannot be
 * removed, origin wildcards, header values).
 */
import { isObj, type Obj } from '../../config/issues.js';
import { REFERRER_POLICIES } from '../../config/schema/response-headers-policy.js';
import { ApiError, type ApiErrorCode } from '../../errors.js';

/** Names per list in a cache or origin request policy (control-api.md §6). */
const MAX_NAMES = 10;

/** `HeadersConfig.Headers.Items` … of a cache policy's parameters or an origin request policy. */
export function checkNameLists(
  params: unknown,
  where: string,
  codes: { Headers: ApiErrorCode; Cookies: ApiErrorCode; QueryStrings: ApiErrorCode },
): void {
  if (!isObj(params)) return;
  for (const list of ['Headers', 'Cookies', 'QueryStrings'] as const) {
    const config = params[`${list}Config`];
    const items = isObj(config) && isObj(config[list]) ? config[list].Items : undefined;
    if (Array.isArray(items) && items.length > MAX_NAMES) {
      throw new ApiError(
        codes[list],
        `${where}.${list}Config.${list}: ${items.length} names; CloudFront allows ${MAX_NAMES}`,
      );
    }
  }
}

const ALLOW_METHODS = ['GET', 'POST', 'OPTIONS', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'ALL'];
const FRAME_OPTIONS = ['DENY', 'SAMEORIGIN'];
/** CloudFront's limit on the Content-Security-Policy value. */
const MAX_CSP_CHARS = 1783;
/** Custom headers, and headers removed, per response headers policy. */
const MAX_HEADERS = 10;

/** Each config present must have these fields; `oneOf` constrains a field's value. */
const RESPONSE_HEADERS_RULES: [path: string, required: string[], oneOf?: [string, string[]]][] = [
  [
    'CorsConfig',
    [
      'AccessControlAllowOrigins',
      'AccessControlAllowHeaders',
      'AccessControlAllowMethods',
      'AccessControlAllowCredentials',
      'OriginOverride',
    ],
  ],
  ['SecurityHeadersConfig.XSSProtection', ['Override', 'Protection']],
  ['SecurityHeadersConfig.FrameOptions', ['Override', 'FrameOption'], ['FrameOption', FRAME_OPTIONS]],
  [
    'SecurityHeadersConfig.ReferrerPolicy',
    ['Override', 'ReferrerPolicy'],
    ['ReferrerPolicy', REFERRER_POLICIES],
  ],
  ['SecurityHeadersConfig.ContentSecurityPolicy', ['Override', 'ContentSecurityPolicy']],
  ['SecurityHeadersConfig.ContentTypeOptions', ['Override']],
  ['SecurityHeadersConfig.StrictTransportSecurity', ['Override', 'AccessControlMaxAgeSec']],
  ['ServerTimingHeadersConfig', ['Enabled']],
];

const ROOT = 'ResponseHeadersPolicyConfig';

function at(config: Obj, path: string): Obj | undefined {
  let value: unknown = config;
  for (const key of path.split('.')) value = isObj(value) ? value[key] : undefined;
  return isObj(value) ? value : undefined;
}

const invalid = (path: string, message: string) =>
  new ApiError('InvalidArgument', `${ROOT}.${path}: ${message}`);

function itemsOf(config: Obj, path: string): unknown[] {
  const items = at(config, path)?.Items;
  return Array.isArray(items) ? items : [];
}

function checkHeaderItems(config: Obj, path: string, fields: string[], tooMany: ApiErrorCode): void {
  const items = itemsOf(config, path);
  if (items.length > MAX_HEADERS)
    throw new ApiError(tooMany, `${ROOT}.${path}: ${items.length} headers; CloudFront allows ${MAX_HEADERS}`);
  items.forEach((item, i) => {
    for (const field of fields)
      if (!isObj(item) || item[field] === undefined)
        throw invalid(`${path}.Items[${i}]`, `${field} is required`);
  });
}

export function checkResponseHeadersPolicy(config: Obj): void {
  for (const [path, required, oneOf] of RESPONSE_HEADERS_RULES) {
    const section = at(config, path);
    if (!section) continue;
    for (const field of required)
      if (section[field] === undefined) throw invalid(path, `${field} is required`);
    if (oneOf && !oneOf[1].includes(String(section[oneOf[0]])))
      throw invalid(
        `${path}.${oneOf[0]}`,
        `"${section[oneOf[0]]}" is not allowed (use one of ${oneOf[1].join(', ')})`,
      );
  }
  for (const method of itemsOf(config, 'CorsConfig.AccessControlAllowMethods'))
    if (!ALLOW_METHODS.includes(String(method)))
      throw invalid(
        'CorsConfig.AccessControlAllowMethods',
        `"${method}" is not allowed (use one of ${ALLOW_METHODS.join(', ')})`,
      );
  const xss = at(config, 'SecurityHeadersConfig.XSSProtection');
  if (xss?.ModeBlock === true && xss.ReportUri !== undefined)
    throw invalid('SecurityHeadersConfig.XSSProtection', 'give ModeBlock true or a ReportUri, not both');
  const csp = at(config, 'SecurityHeadersConfig.ContentSecurityPolicy')?.ContentSecurityPolicy;
  if (typeof csp === 'string' && csp.length > MAX_CSP_CHARS)
    throw new ApiError(
      'TooLongCSPInResponseHeadersPolicy',
      `${ROOT}.SecurityHeadersConfig.ContentSecurityPolicy: ${csp.length} characters; CloudFront allows ${MAX_CSP_CHARS}`,
    );
  const rate = at(config, 'ServerTimingHeadersConfig')?.SamplingRate;
  if (typeof rate === 'number' && (rate < 0 || rate > 100))
    throw invalid('ServerTimingHeadersConfig.SamplingRate', `${rate} is outside 0–100`);
  checkHeaderItems(
    config,
    'CustomHeadersConfig',
    ['Header', 'Value', 'Override'],
    'TooManyCustomHeadersInResponseHeadersPolicy',
  );
  checkHeaderItems(config, 'RemoveHeadersConfig', ['Header'], 'TooManyRemoveHeadersInResponseHeadersPolicy');
}
