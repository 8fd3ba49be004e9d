/**
 * Between an exchange and Lambda@Edge events (reference/lambda-edge.md §2–§4): the four events
 * built from what the viewer sent, what the edge is about to send the origin, and the response;
 * and a handler's normalised result applied back. Header maps are `{ name: [{ key, value }] }`
 * with one entry per header line; disallowed headers are never shown (§5).
 */
import { originModel } from '../config/resolve.js';
import type { EdgeResponse, Exchange, ViewerRequest } from '../edge/exchange.js';
import type { OriginModel } from '../model/types.js';
import type { OriginRequest } from '../origin/types.js';
import { isDisallowedHeader } from './header-rules.js';
import type {
  CfHeaders,
  CfOrigin,
  CfRequest,
  CfResponse,
  LambdaEdgeEvent,
  LambdaEventType,
} from './lambda/index.js';

export function lambdaEvent(
  ex: Exchange,
  eventType: LambdaEventType,
  request: CfRequest,
  response?: CfResponse,
): LambdaEdgeEvent {
  const config = {
    distributionDomainName: ex.distribution!.DomainName,
    distributionId: ex.distribution!.Id,
    eventType,
    requestId: ex.requestId,
  };
  return { Records: [{ cf: response ? { config, request, response } : { config, request } }] };
}

/** The viewer's request, as viewer-request handlers see it. */
export function viewerCfRequest(ex: Exchange): CfRequest {
  const req = ex.request;
  const headers: CfHeaders = {};
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    let key = raw[i];
    if (key === ':authority') key = 'host';
    else if (key.charCodeAt(0) === 58 /* : */) continue;
    const name = key.toLowerCase();
    if (isDisallowedHeader(name)) continue;
    const lines = headers[name];
    if (lines === undefined) headers[name] = [{ key, value: raw[i + 1] }];
    else lines.push({ key, value: raw[i + 1] });
  }
  return { clientIp: req.clientIp, method: req.method, uri: req.path, querystring: req.query, headers };
}

/** What the edge is about to send `origin`, as origin-request handlers see it. */
export function originCfRequest(
  ex: Exchange,
  sent: OriginRequest,
  uri: string,
  querystring: string,
): CfRequest {
  const headers: CfHeaders = {};
  const custom = new Set(sent.origin.config.OriginCustomHeaders.map((h) => h.HeaderName.toLowerCase()));
  for (const name in sent.headers) {
    // The origin's custom headers are shown in `origin.*.customHeaders`, not here.
    if (isDisallowedHeader(name) || custom.has(name)) continue;
    headers[name] = [{ key: titleCase(name), value: sent.headers[name] }];
  }
  return {
    clientIp: ex.request.clientIp,
    method: sent.method,
    uri,
    querystring,
    headers,
    origin: cfOrigin(sent.origin),
  };
}

function cfOrigin(origin: OriginModel): CfOrigin {
  const c = origin.config;
  const customHeaders: CfHeaders = {};
  for (const h of c.OriginCustomHeaders)
    customHeaders[h.HeaderName.toLowerCase()] = [{ key: h.HeaderName, value: h.HeaderValue }];
  if (origin.kind === 's3')
    return {
      s3: {
        authMethod: 'none',
        customHeaders,
        domainName: c.DomainName,
        path: c.OriginPath,
        region: origin.region,
      },
    };
  const custom = c.CustomOriginConfig;
  const https = custom?.OriginProtocolPolicy === 'https-only';
  return {
    custom: {
      customHeaders,
      domainName: c.DomainName,
      keepaliveTimeout: custom?.OriginKeepaliveTimeout ?? 5,
      path: c.OriginPath,
      port: https ? (custom?.HTTPSPort ?? 443) : (custom?.HTTPPort ?? 80),
      protocol: https ? 'https' : 'http',
      readTimeout: custom?.OriginReadTimeout ?? 30,
      sslProtocols: custom?.OriginSSLProtocols ?? ['TLSv1.2'],
    },
  };
}

/** A response as response handlers see it (`set-cookie` lines each their own entry). */
export function cfResponse(response: EdgeResponse): CfResponse {
  const headers: CfHeaders = {};
  for (const name in response.headers) {
    if (isDisallowedHeader(name)) continue;
    const value = response.headers[name];
    const key = titleCase(name);
    headers[name] = (Array.isArray(value) ? value : [value]).map((v) => ({ key, value: v }));
  }
  return { status: String(response.status), statusDescription: '', headers };
}

export function titleCase(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
}

/** Flattens a returned header map into the record the edge sends (repeated lines joined, Set-Cookie kept apart). */
export function flatHeaders(headers: CfHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const lines = headers[name];
    if (lines.length === 0) continue;
    out[name] =
      name === 'set-cookie' ? lines.map((l) => l.value) : lines.map((l) => l.value).join(joinerFor(name));
  }
  return out;
}

/** The request a viewer-request handler returned, as the exchange's new request. */
export function applyViewerRequest(ex: Exchange, returned: CfRequest): void {
  const req = ex.request;
  const headers: Record<string, string | string[] | undefined> = {};
  const raw: string[] = [];
  for (const name in returned.headers)
    for (const line of returned.headers[name]) {
      raw.push(line.key ?? titleCase(name), line.value);
      const seen = headers[name];
      headers[name] = seen === undefined ? line.value : `${seen}${joinerFor(name)}${line.value}`;
    }
  // Headers the handler could not see stay as the viewer sent them.
  for (const name in req.headers) if (isDisallowedHeader(name)) headers[name] = req.headers[name];
  const next: ViewerRequest = {
    ...req,
    path: returned.uri,
    query: returned.querystring,
    headers,
    rawHeaders: raw,
  };
  if (returned.uri !== req.path) ex.originPath = returned.uri;
  ex.request = next;
}

/** A response a handler generated or changed, as the edge sends it. */
export function edgeResponse(
  returned: CfResponse,
  body: EdgeResponse['body'],
  previous?: EdgeResponse,
): EdgeResponse {
  const headers = flatHeaders(returned.headers);
  if (previous)
    for (const name in previous.headers)
      if (isDisallowedHeader(name) && headers[name] === undefined) headers[name] = previous.headers[name];
  if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
  return { status: Number(returned.status), headers, body };
}

/** The origin request an origin-request handler returned, ready for the fetcher. */
export function originRequestFromLambda(
  base: OriginRequest,
  returned: CfRequest,
  body: OriginRequest['body'],
): OriginRequest {
  const o = returned.origin;
  const config = { ...base.origin.config };
  let customHeaders: CfHeaders = {};
  if (o?.custom) {
    const c = o.custom;
    customHeaders = c.customHeaders;
    config.DomainName = c.domainName;
    config.OriginPath = c.path;
    delete config.S3OriginConfig;
    config.CustomOriginConfig = {
      HTTPPort: c.protocol === 'http' ? c.port : (base.origin.config.CustomOriginConfig?.HTTPPort ?? 80),
      HTTPSPort: c.protocol === 'https' ? c.port : (base.origin.config.CustomOriginConfig?.HTTPSPort ?? 443),
      OriginProtocolPolicy: c.protocol === 'http' ? 'http-only' : 'https-only',
      OriginSSLProtocols: c.sslProtocols,
      OriginReadTimeout: c.readTimeout,
      OriginKeepaliveTimeout: c.keepaliveTimeout,
    };
  } else if (o?.s3) {
    customHeaders = o.s3.customHeaders;
    config.DomainName = o.s3.domainName;
    config.OriginPath = o.s3.path;
    delete config.CustomOriginConfig;
    config.S3OriginConfig = base.origin.config.S3OriginConfig ?? {
      OriginAccessIdentity: '',
      OriginReadTimeout: 30,
    };
  }
  config.OriginCustomHeaders = Object.entries(customHeaders).flatMap(([name, lines]) =>
    lines.map((l) => ({ HeaderName: l.key ?? titleCase(name), HeaderValue: l.value })),
  );
  const origin = originModel(config);
  const headers = flatHeaders(returned.headers) as Record<string, string>;
  // What the handler could not see (X-Amz-Cf-Id …) goes to the origin as the edge built it.
  for (const name in base.headers) if (isDisallowedHeader(name)) headers[name] = base.headers[name];
  for (const h of config.OriginCustomHeaders) headers[h.HeaderName.toLowerCase()] = h.HeaderValue;
  const query = returned.querystring ? `?${returned.querystring}` : '';
  return { ...base, origin, path: `${config.OriginPath}${returned.uri}${query}`, headers, body };
}

/** Repeated header lines joined as one value: Cookie pairs with `; ` (RFC 6265), the rest with `, `. */
function joinerFor(name: string): string {
  return name === 'cookie' ? '; ' : ', ';
}
