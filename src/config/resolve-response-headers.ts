/**
 * Compiles a validated ResponseHeadersPolicyConfig (schema/response-headers-policy.ts, or a managed
 * one) into the model the data plane applies (src/model/response-headers.ts): every header value
 * formatted here, once, as CloudFront writes it (reference/distribution.md §8).
 */
import type { ResponseHeadersPolicyConfig } from '../model/cloudfront.js';
import type { CorsModel, PolicyHeader, ResponseHeadersPolicyModel } from '../model/response-headers.js';
import { ORIGIN_PATTERN } from './schema/response-headers-policy.js';

interface List<T> {
  Items?: T[];
}
interface Overridable {
  Override: boolean;
}
/** The validated shape (CloudFormation's or the API's: only `Items` is read from lists). */
interface PolicyConfig {
  CorsConfig?: {
    AccessControlAllowOrigins: List<string>;
    AccessControlAllowHeaders: List<string>;
    AccessControlAllowMethods: List<string>;
    AccessControlAllowCredentials: boolean;
    AccessControlExposeHeaders?: List<string>;
    AccessControlMaxAgeSec?: number;
    OriginOverride: boolean;
  };
  SecurityHeadersConfig?: {
    ContentSecurityPolicy?: Overridable & { ContentSecurityPolicy: string };
    ContentTypeOptions?: Overridable;
    FrameOptions?: Overridable & { FrameOption: string };
    ReferrerPolicy?: Overridable & { ReferrerPolicy: string };
    StrictTransportSecurity?: Overridable & {
      AccessControlMaxAgeSec: number;
      IncludeSubdomains?: boolean;
      Preload?: boolean;
    };
    XSSProtection?: Overridable & { Protection: boolean; ModeBlock?: boolean; ReportUri?: string };
  };
  CustomHeadersConfig?: List<Overridable & { Header: string; Value: string }>;
  RemoveHeadersConfig?: List<{ Header: string }>;
  ServerTimingHeadersConfig?: { Enabled: boolean; SamplingRate?: number };
}

/** `ALL` in AccessControlAllowMethods, as the managed CORS-With-Preflight policy sends it. */
const ALL_METHODS = 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT';

export function responseHeadersPolicyModel(
  Id: string,
  config: ResponseHeadersPolicyConfig,
): ResponseHeadersPolicyModel {
  const c = config as PolicyConfig;
  const remove = items(c.RemoveHeadersConfig).map((h) => h.Header.toLowerCase());
  const custom = items(c.CustomHeadersConfig).map((h) => header(h.Header, h.Value, h));
  const timing = c.ServerTimingHeadersConfig;
  return {
    Id,
    remove,
    replacesServer: remove.includes('server'),
    cors: c.CorsConfig && corsModel(c.CorsConfig),
    add: [...securityHeaders(c.SecurityHeadersConfig), ...custom],
    // CloudFront documents no default for a missing SamplingRate: 0 here, so only requests
    // with `Pragma: server-timing` get the header.
    serverTimingRate: timing?.Enabled ? (timing.SamplingRate ?? 0) : undefined,
  };
}

function items<T>(list: List<T> | undefined): T[] {
  return list?.Items ?? [];
}

function header(name: string, value: string, o: Overridable): PolicyHeader {
  return { name: name.toLowerCase(), value, override: o.Override };
}

function securityHeaders(s: PolicyConfig['SecurityHeadersConfig']): PolicyHeader[] {
  if (!s) return [];
  const out: PolicyHeader[] = [];
  const hsts = s.StrictTransportSecurity;
  if (hsts) {
    let value = `max-age=${hsts.AccessControlMaxAgeSec}`;
    if (hsts.IncludeSubdomains) value += '; includeSubdomains';
    if (hsts.Preload) value += '; preload';
    out.push(header('Strict-Transport-Security', value, hsts));
  }
  const csp = s.ContentSecurityPolicy;
  if (csp) out.push(header('Content-Security-Policy', csp.ContentSecurityPolicy, csp));
  if (s.ContentTypeOptions) out.push(header('X-Content-Type-Options', 'nosniff', s.ContentTypeOptions));
  if (s.FrameOptions) out.push(header('X-Frame-Options', s.FrameOptions.FrameOption, s.FrameOptions));
  if (s.ReferrerPolicy)
    out.push(header('Referrer-Policy', s.ReferrerPolicy.ReferrerPolicy, s.ReferrerPolicy));
  const xss = s.XSSProtection;
  if (xss) {
    let value = xss.Protection ? '1' : '0';
    if (xss.Protection && xss.ModeBlock) value += '; mode=block';
    if (xss.Protection && xss.ReportUri !== undefined) value += `; report=${xss.ReportUri}`;
    out.push(header('X-XSS-Protection', value, xss));
  }
  return out;
}

function corsModel(cors: NonNullable<PolicyConfig['CorsConfig']>): CorsModel {
  const origins = items(cors.AccessControlAllowOrigins);
  const methods = items(cors.AccessControlAllowMethods);
  const headers = items(cors.AccessControlAllowHeaders);
  // `*` alone is sent as it is; a partial pattern (`x-amz-*`) cannot be, so it echoes the
  // requested names it matches ([undocumented]: CloudFront shows no such response).
  const literalHeaders = headers.filter((h) => h === '*' || !h.includes('*'));
  const headerPatterns = headers.filter((h) => h !== '*' && h.includes('*'));
  const specific = origins.filter((o) => o !== '*');
  return {
    anyOrigin: origins.includes('*'),
    origins: specific.length ? new RegExp(`^(?:${specific.map(originPattern).join('|')})$`, 'i') : undefined,
    allowCredentials: cors.AccessControlAllowCredentials,
    exposeHeaders: joined(items(cors.AccessControlExposeHeaders)),
    allowMethods: methods.includes('ALL') ? ALL_METHODS : joined(methods),
    allowHeaders: joined(literalHeaders),
    allowHeaderPatterns: headerPatterns.length
      ? new RegExp(`^(?:${headerPatterns.map((p) => p.split('*').map(escape).join('.*')).join('|')})$`, 'i')
      : undefined,
    maxAgeSec: cors.AccessControlMaxAgeSec === undefined ? undefined : String(cors.AccessControlMaxAgeSec),
    originOverride: cors.OriginOverride,
  };
}

function joined(list: string[]): string | undefined {
  return list.length ? list.join(', ') : undefined;
}

/**
 * One allowed origin as a pattern over a request's `Origin` (`scheme://host[:port]`): without a
 * scheme any scheme matches; `*.` stands for one or more labels; without a port only the
 * default port (no port in `Origin`) matches; a `*` in the port stands for digits, and `:*`
 * also matches the default port.
 */
export function originPattern(allowed: string): string {
  const [, scheme, host, port] = ORIGIN_PATTERN.exec(allowed) ?? [];
  const schemePart = scheme ? `${escapeRegExp(scheme)}://` : '[a-z][a-z0-9+.-]*://';
  const hostPart = host.startsWith('*.')
    ? `[^.:/]+(?:\\.[^.:/]+)*\\.${escapeRegExp(host.slice(2))}`
    : escapeRegExp(host);
  let portPart = '';
  if (port === '*') portPart = '(?::\\d+)?';
  else if (port !== undefined) portPart = `:${port.split('*').join('\\d*')}`;
  return `${schemePart}${hostPart}${portPart}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
