/**
 * `ResponseHeadersPolicyConfig` (reference/distribution.md §8, control-api.md §2.1): CloudFront's
 * required fields, enums and limits, and the headers a policy may not remove. Both shapes are
 * accepted, CloudFormation's (`{ Items }`) and the API's (`{ Quantity, Items }`, Items absent
 * when empty), and kept as given: the control API shows config-file policies from this value.
 */
import * as z from 'zod';
import { isDisallowedHeader } from '../../functions/header-rules.js';
import { bool, int, shape } from './common.js';

/** CloudFront's limit on a Content-Security-Policy or Access-Control-Allow-Origin value. */
const MAX_VALUE_CHARS = 1783;
/** Custom headers, and headers removed, per policy (distribution.md §13). */
const MAX_HEADERS = 10;

/**
 * distribution.md §8 "Cannot be removed": the headers edge functions may not touch
 * (src/functions/header-rules.ts: hop-by-hop, X-Accel-*, X-Amz-Cf-*, X-Amzn-*, X-Cache, X-Edge-*,
 * X-Forwarded-Proto, X-Real-Ip) and these six.
 */
const ALSO_NOT_REMOVABLE = new Set([
  'content-encoding',
  'content-length',
  'host',
  'transfer-encoding',
  'via',
  'warning',
]);

export function isRemovableHeader(name: string): boolean {
  const n = name.toLowerCase();
  return !ALSO_NOT_REMOVABLE.has(n) && !isDisallowedHeader(n);
}

/** RFC 9110 token characters; a value may hold anything but control characters. */
const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'not a valid HTTP header name' });
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const headerValue = z.string().regex(/^[^\x00-\x08\x0a-\x1f\x7f]*$/, {
  error: 'header values cannot hold control characters (CR, LF…)',
});

/** Referrer-Policy values CloudFront accepts (also checked by the control API's policy-checks.ts). */
export const REFERRER_POLICIES: string[] = [
  'no-referrer',
  'no-referrer-when-downgrade',
  'origin',
  'origin-when-cross-origin',
  'same-origin',
  'strict-origin',
  'strict-origin-when-cross-origin',
  'unsafe-url',
];

/** `{ Quantity?, Items? }`: Items may be absent when the API sends an empty list. */
function list<T extends z.ZodType>(item: T, max?: number) {
  const items = z.array(item);
  return shape({
    Quantity: int(0).optional(),
    Items: (max === undefined ? items : items.max(max)).optional(),
  });
}

/**
 * distribution.md §8: `*` alone, or as the left-most label (`*.example.org`, scheme optional);
 * a port may hold wildcards (`:*`, `:1*3`). Not `example.*`, `test.*.example.org`,
 * `*test.example.org` or `exa*mple.org`.
 */
export const ORIGIN_PATTERN = /^(?:([A-Za-z][A-Za-z0-9+.-]*):\/\/)?((?:\*\.)?[^*:/\s]+)(?::([0-9*]+))?$/;

const allowedOrigin = z
  .string()
  .max(MAX_VALUE_CHARS)
  .refine((o) => o === '*' || ORIGIN_PATTERN.test(o), {
    error:
      'an origin is "*", "https://example.com" or "*.example.com" (a wildcard only as the left-most label)',
  });

const METHODS = z.enum(['GET', 'POST', 'OPTIONS', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'ALL']);

const corsConfig = shape({
  AccessControlAllowOrigins: list(allowedOrigin),
  AccessControlAllowHeaders: list(headerName),
  AccessControlAllowMethods: list(METHODS),
  AccessControlAllowCredentials: bool(),
  AccessControlExposeHeaders: list(headerName).optional(),
  AccessControlMaxAgeSec: int(0).optional(),
  OriginOverride: bool(),
});

const securityHeadersConfig = shape({
  ContentSecurityPolicy: shape({
    ContentSecurityPolicy: headerValue.max(MAX_VALUE_CHARS),
    Override: bool(),
  }).optional(),
  ContentTypeOptions: shape({ Override: bool() }).optional(),
  FrameOptions: shape({ FrameOption: z.enum(['DENY', 'SAMEORIGIN']), Override: bool() }).optional(),
  ReferrerPolicy: shape({
    ReferrerPolicy: z.enum(REFERRER_POLICIES as [string, ...string[]]),
    Override: bool(),
  }).optional(),
  StrictTransportSecurity: shape({
    AccessControlMaxAgeSec: int(0),
    IncludeSubdomains: bool().optional(),
    Preload: bool().optional(),
    Override: bool(),
  }).optional(),
  XSSProtection: shape({
    Protection: bool(),
    ModeBlock: bool().optional(),
    ReportUri: headerValue.optional(),
    Override: bool(),
  })
    .refine((x) => !(x.ModeBlock === true && x.ReportUri !== undefined), {
      error: 'give ModeBlock true or a ReportUri, not both',
    })
    .optional(),
});

const samplingRate = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v),
  z
    .number()
    .min(0)
    .max(100)
    .refine((r) => Math.abs(r * 10000 - Math.round(r * 10000)) < 1e-6, {
      error: 'SamplingRate has at most four decimal places',
    }),
);

export const responseHeadersPolicyConfig = shape({
  Name: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, { error: 'policy names use A-Z a-z 0-9 _ - (1–128)' }),
  Comment: z.string().max(128).optional(),
  CorsConfig: corsConfig.optional(),
  SecurityHeadersConfig: securityHeadersConfig.optional(),
  CustomHeadersConfig: list(
    shape({ Header: headerName, Value: headerValue.max(MAX_VALUE_CHARS), Override: bool() }),
    MAX_HEADERS,
  ).optional(),
  RemoveHeadersConfig: list(
    shape({
      Header: headerName.refine(isRemovableHeader, {
        error: 'CloudFront does not let a response headers policy remove this header',
      }),
    }),
    MAX_HEADERS,
  ).optional(),
  ServerTimingHeadersConfig: shape({ Enabled: bool(), SamplingRate: samplingRate.optional() }).optional(),
});
