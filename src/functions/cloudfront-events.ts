/**
 * Between an exchange and CloudFront Functions' event objects
 * (reference/cloudfront-functions.md §3): the viewer-request and viewer-response events built
 * from what the viewer sent and what the edge is about to answer, and a function's validated
 * output applied back. Query values stay as the viewer sent them (percent-encoded), header
 * names are lowercase, cookies are parsed out of Cookie / Set-Cookie, disallowed headers are
 * never shown (§5.1), and CloudFront-* viewer headers appear only when a policy asks for them.
 */

import { cloudFrontHeaderValue } from '../edge/cloudfront-headers.js';
import type { EdgeResponse, Exchange, ViewerRequest } from '../edge/exchange.js';
import { forwardingPlan } from '../edge/forwarding-plan.js';
import type {
  EventResponseCookie,
  EventValue,
  FunctionEvent,
  FunctionEventType,
  FunctionRequestOutput,
  FunctionResponseOutput,
} from './cloudfront/index.js';
import { isDisallowedHeader } from './header-rules.js';

export function functionEvent(ex: Exchange, eventType: FunctionEventType): FunctionEvent {
  const req = ex.request;
  const event: FunctionEvent = {
    version: '1.0',
    context: {
      distributionDomainName: ex.distribution!.DomainName,
      distributionId: ex.distribution!.Id,
      eventType,
      requestId: ex.requestId,
    },
    viewer: { ip: req.clientIp },
    request: {
      method: req.method,
      uri: req.path,
      querystring: parseQuery(req.query),
      headers: requestHeaders(ex),
      cookies: parseCookies(req.headers.cookie),
    },
  };
  if (eventType === 'viewer-response') event.response = responseForEvent(ex.response!);
  return event;
}

function add(into: Record<string, EventValue>, name: string, value: string): void {
  const seen = into[name];
  if (seen === undefined) {
    into[name] = { value };
    return;
  }
  seen.multiValue ??= [{ value: seen.value }];
  seen.multiValue.push({ value });
}

function parseQuery(query: string): Record<string, EventValue> {
  const out: Record<string, EventValue> = {};
  if (query === '') return out;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    add(out, eq === -1 ? part : part.slice(0, eq), eq === -1 ? '' : part.slice(eq + 1));
  }
  return out;
}

function requestHeaders(ex: Exchange): Record<string, EventValue> {
  const out: Record<string, EventValue> = {};
  const raw = ex.request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    let name = raw[i].toLowerCase();
    if (name === ':authority') name = 'host';
    else if (name.charCodeAt(0) === 58 /* : */) continue;
    if (name === 'cookie' || isDisallowedHeader(name) || name.startsWith('cloudfront-')) continue;
    add(out, name, raw[i + 1]);
  }
  // CloudFront's own viewer headers, only when the behavior's policies name them (§5.1).
  for (const name of forwardingPlan(ex.behavior!).cloudFrontHeaders) {
    const value = cloudFrontHeaderValue(name, ex.request);
    if (value !== undefined) out[name] = { value };
  }
  return out;
}

function parseCookies(header: string | string[] | undefined): Record<string, EventValue> {
  const out: Record<string, EventValue> = {};
  if (header === undefined) return out;
  for (const line of Array.isArray(header) ? header : [header]) {
    for (const part of line.split(';')) {
      const eq = part.indexOf('=');
      const name = (eq === -1 ? part : part.slice(0, eq)).trim();
      if (name) add(out, name, eq === -1 ? '' : part.slice(eq + 1).trim());
    }
  }
  return out;
}

function responseForEvent(response: EdgeResponse): NonNullable<FunctionEvent['response']> {
  const headers: Record<string, EventValue> = {};
  const cookies: Record<string, EventResponseCookie> = {};
  for (const name in response.headers) {
    const value = response.headers[name];
    if (name === 'set-cookie') {
      for (const line of Array.isArray(value) ? value : [value]) addSetCookie(cookies, line);
      continue;
    }
    if (isDisallowedHeader(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) add(headers, name, v);
  }
  return {
    statusCode: response.status,
    statusDescription: STATUS_TEXT[response.status] ?? '',
    headers,
    cookies,
  };
}

function addSetCookie(into: Record<string, EventResponseCookie>, line: string): void {
  const semi = line.indexOf(';');
  const pair = semi === -1 ? line : line.slice(0, semi);
  const eq = pair.indexOf('=');
  const name = (eq === -1 ? pair : pair.slice(0, eq)).trim();
  if (!name) return;
  const cookie: EventResponseCookie = { value: eq === -1 ? '' : pair.slice(eq + 1).trim() };
  if (semi !== -1) cookie.attributes = line.slice(semi + 1).trim();
  const seen = into[name];
  if (seen === undefined) {
    into[name] = cookie;
    return;
  }
  seen.multiValue ??= [{ value: seen.value, attributes: seen.attributes }];
  seen.multiValue.push({ value: cookie.value, attributes: cookie.attributes });
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  206: 'Partial Content',
  301: 'Moved Permanently',
  302: 'Found',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
};

/**
 * The request a viewer-request function returned, as the exchange's new request: what it did
 * not change keeps the viewer's original bytes (§5.2).
 */
export function applyRequestOutput(ex: Exchange, out: FunctionRequestOutput): void {
  const req = ex.request;
  let headers = req.headers;
  let rawHeaders = req.rawHeaders;
  if (out.changed.headers || out.changed.cookies) {
    const next: Record<string, string | string[] | undefined> = {};
    const raw: string[] = [];
    for (const name in out.headers) {
      const values = out.headers[name];
      next[name] = values.join(', ');
      for (const v of values) raw.push(name, v);
    }
    // Headers a function cannot see (disallowed, CloudFront-*) stay as the viewer sent them.
    for (const name in req.headers) {
      if (next[name] !== undefined || name === 'cookie') continue;
      if (isDisallowedHeader(name) || name.startsWith('cloudfront-')) next[name] = req.headers[name];
    }
    const cookie = cookieHeader(out.cookies);
    if (cookie) {
      next.cookie = cookie;
      raw.push('cookie', cookie);
    }
    headers = next;
    rawHeaders = raw;
  }
  const next: ViewerRequest = {
    ...req,
    path: out.changed.uri ? out.uri : req.path,
    query: out.changed.querystring ? out.querystring : req.query,
    headers,
    rawHeaders,
  };
  ex.request = next;
  if (out.changed.uri) ex.originPath = out.uri;
}

function cookieHeader(cookies: Record<string, string[]>): string {
  const parts: string[] = [];
  for (const name in cookies) for (const value of cookies[name]) parts.push(`${name}=${value}`);
  return parts.join('; ');
}

/** A function's response (generated, or the viewer response it changed) as the edge sends it. */
export function responseFromOutput(out: FunctionResponseOutput, previous?: EdgeResponse): EdgeResponse {
  const headers: Record<string, string | string[]> = {};
  for (const name in out.headers) {
    const values = out.headers[name];
    headers[name] = values.length === 1 ? values[0] : values.join(', ');
  }
  // Disallowed headers were hidden from the function; the edge's own stay (X-Cache, Via …).
  if (previous)
    for (const name in previous.headers)
      if (isDisallowedHeader(name) && headers[name] === undefined) headers[name] = previous.headers[name];
  const cookies: string[] = [];
  for (const name in out.cookies)
    for (const c of out.cookies[name])
      cookies.push(c.attributes ? `${name}=${c.value}; ${c.attributes}` : `${name}=${c.value}`);
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  let body: EdgeResponse['body'] = previous ? previous.body : null;
  if (out.body !== undefined) {
    body = Buffer.from(out.body.data, out.body.encoding === 'base64' ? 'base64' : 'utf8');
    headers['content-length'] = String(body.length);
  }
  return { status: out.statusCode, headers, body };
}
