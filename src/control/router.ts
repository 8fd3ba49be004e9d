/**
 * The CloudFront REST API's routing table (reference/control-api.md §2): one route per operation,
 * matched on method, path (after `/2020-05-31`) and, where CloudFront overloads a path, a query
 * flag (`POST /distribution?WithTags`). Handlers get the parsed request and return a response
 * value; the API server renders it (XML, headers) and turns ApiErrors into CloudFront's
 * `ErrorResponse`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Obj } from '../config/issues.js';
import { ApiError } from '../errors.js';
import type { ControlPlane } from './control-plane.js';

export const API_VERSION_PREFIX = '/2020-05-31';
/**
 * edgefront's own extensions of the control API (tag invalidations): under a prefix CloudFront
 * will never use, so its own operations and any it adds under /2020-05-31 stay untouched.
 */
export const EDGEFRONT_API_PREFIX = '/edgefront/2026-11-30';

export interface ApiRequest {
  method: string;
  /** Path parameters, percent-decoded, in pattern order. */
  params: string[];
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** `http://host:port` of the admin listener, for Location headers. */
  base: string;
}

export interface ApiResponse {
  status: number;
  /** XML root element and the SDK-shaped value under it. */
  root?: string;
  body?: Obj;
  /** A body sent as is (GetFunction answers the function's code). */
  raw?: { contentType: string; data: Buffer | string };
  headers?: Record<string, string>;
}

export interface Route {
  operation: string;
  method: string;
  /** The API the route belongs to: `API_VERSION_PREFIX` (default) or `EDGEFRONT_API_PREFIX`. */
  prefix?: string;
  /** Matched against the path after the prefix; groups are the path parameters. */
  path: RegExp;
  /** A query key that must be present (CloudFront's `?WithTags`, `?Operation=Tag`). */
  flag?: string;
  handle(cp: ControlPlane, req: ApiRequest): ApiResponse | Promise<ApiResponse>;
}

export interface RouteMatch {
  route: Route;
  params: string[];
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new ApiError('InvalidURI', `could not decode the path segment "${segment}"`);
  }
}

/** Finds the route; the most specific (flagged) route wins over the plain one. */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
  query: URLSearchParams,
): RouteMatch {
  const prefix = [API_VERSION_PREFIX, EDGEFRONT_API_PREFIX].find((p) => path.startsWith(`${p}/`));
  if (prefix === undefined) {
    throw new ApiError(
      'InvalidURI',
      `the CloudFront API lives under ${API_VERSION_PREFIX}/, edgefront's extensions under ${EDGEFRONT_API_PREFIX}/ (got ${path})`,
    );
  }
  const rest = path.slice(prefix.length);
  let pathMatched = false;
  let best: RouteMatch | undefined;
  for (const route of routes) {
    if ((route.prefix ?? API_VERSION_PREFIX) !== prefix) continue;
    const m = route.path.exec(rest);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    if (route.flag !== undefined) {
      const [key, value] = route.flag.split('=');
      if (!query.has(key) || (value !== undefined && query.get(key) !== value)) continue;
      return { route, params: m.slice(1).map(decode) };
    }
    best ??= { route, params: m.slice(1).map(decode) };
  }
  if (best) return best;
  if (pathMatched)
    throw new ApiError('UnsupportedOperation', `${method} ${path} is not an operation of the CloudFront API`);
  throw new ApiError('InvalidURI', `no CloudFront API operation at ${method} ${path}`);
}

/** The `If-Match` header CloudFront requires for updates and deletes (InvalidIfMatchVersion when absent). */
export function requireIfMatch(req: ApiRequest): string {
  const value = req.headers['if-match'];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ApiError(
      'InvalidIfMatchVersion',
      'The If-Match version is missing or not valid for the resource.',
    );
  }
  return value.trim();
}

/** PreconditionFailed unless `given` is the resource's current ETag. */
export function checkETag(given: string, current: string): void {
  if (given !== current) {
    throw new ApiError(
      'PreconditionFailed',
      'The precondition given in one or more of the request-header fields evaluated to false.',
    );
  }
}

/** `MaxItems` as CloudFront takes it: a string holding 1…1000 (default 100). */
export function maxItemsOf(query: URLSearchParams, fallback = 100): number {
  const raw = query.get('MaxItems');
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 1000) {
    throw new ApiError('InvalidArgument', `MaxItems must be a whole number from 1 to 1000 (got "${raw}")`);
  }
  return n;
}

/** One page of `items` (sorted by `key`) after `Marker`, with the next marker if more remain. */
export function pageOf<T>(
  items: readonly T[],
  key: (item: T) => string,
  query: URLSearchParams,
): { page: T[]; marker: string; nextMarker?: string; maxItems: number } {
  const marker = query.get('Marker') ?? '';
  const maxItems = maxItemsOf(query);
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const start = marker ? sorted.findIndex((item) => key(item) > marker) : 0;
  const from = start < 0 ? sorted.length : start;
  const page = sorted.slice(from, from + maxItems);
  const more = from + maxItems < sorted.length;
  return { page, marker, nextMarker: more ? key(page[page.length - 1]) : undefined, maxItems };
}

/** `{ Quantity, Items }` as the API writes lists (Items omitted when empty). */
export function apiList<T>(items: readonly T[]): { Quantity: number; Items?: T[] } {
  return items.length ? { Quantity: items.length, Items: [...items] } : { Quantity: 0 };
}

/**
 * The list answer of the newer resource kinds (functions, key value stores …): the page after
 * `Marker`, `NextMarker` while more remain, `MaxItems` and `{ Quantity, Items }`, with no
 * `Marker` or `IsTruncated` (reference/control-api.md §1 "Pagination").
 */
export function nextMarkerList<T>(
  root: string,
  items: readonly T[],
  key: (item: T) => string,
  query: URLSearchParams,
  render: (item: T) => unknown,
): ApiResponse {
  const { page, nextMarker, maxItems } = pageOf(items, key, query);
  return {
    status: 200,
    root,
    body: {
      ...(nextMarker ? { NextMarker: nextMarker } : {}),
      MaxItems: maxItems,
      ...apiList(page.map(render)),
    },
  };
}
