/**
 * Where a viewer is: the TCP peer address looked up in the `--geoip` database, never a header
 * the viewer sent (CloudFront does not trust X-Forwarded-For for this). The request carries the
 * database (`ViewerRequest.geo`) so that every CloudFront-Viewer-* header, the cache key and the
 * function events read the same location, looked up at most once per request.
 */
import { isIP } from 'node:net';
import type { ViewerRequest } from '../exchange.js';
import type { GeoDatabase, GeoLocation } from './database.js';

/**
 * Test and development affordance, off unless `EDGEFRONT_DEV_VIEWER_ADDRESS_HEADER=1` (serve)
 * or `devViewerAddressHeader` (createEdge): a request from a loopback peer may name the viewer
 * address to act as, so a laptop can see what a viewer in another country gets. The header is
 * removed from the request whenever the affordance is on; peers off loopback are never believed.
 */
export const DEV_VIEWER_ADDRESS_HEADER = 'x-edgefront-dev-viewer-address';

export interface GeoRuntime {
  /** `--geoip`; undefined without one (every location unknown). */
  readonly database: GeoDatabase | undefined;
  readonly devViewerAddressHeader: boolean;
}

/** Undefined when there is nothing to do per request (no database, no affordance). */
export function geoRuntime(
  database: GeoDatabase | undefined,
  devViewerAddressHeader = false,
): GeoRuntime | undefined {
  return database || devViewerAddressHeader ? { database, devViewerAddressHeader } : undefined;
}

/** The request with its location database attached and, on loopback, the dev address applied. */
export function locateViewer(req: ViewerRequest, geo: GeoRuntime): ViewerRequest {
  let { clientIp, headers, rawHeaders } = req;
  const claimed = geo.devViewerAddressHeader ? headers[DEV_VIEWER_ADDRESS_HEADER] : undefined;
  if (claimed !== undefined) {
    const { [DEV_VIEWER_ADDRESS_HEADER]: _, ...rest } = headers;
    headers = rest;
    rawHeaders = rawHeaders.filter(
      (_, i, all) => all[i - (i % 2)].toLowerCase() !== DEV_VIEWER_ADDRESS_HEADER,
    );
    const address = String(claimed)
      .trim()
      .replace(/^::ffff:(?=\d+\.)/i, '');
    if (isLoopback(req.clientIp) && isIP(address) !== 0) clientIp = address;
  }
  if (geo.database === undefined && claimed === undefined) return req;
  return { ...req, clientIp, headers, rawHeaders, geo: geo.database };
}

function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

const FIELD_OF_HEADER = new Map<string, keyof GeoLocation>([
  ['cloudfront-viewer-country', 'country'],
  ['cloudfront-viewer-country-name', 'countryName'],
  ['cloudfront-viewer-country-region', 'region'],
  ['cloudfront-viewer-country-region-name', 'regionName'],
  ['cloudfront-viewer-city', 'city'],
  ['cloudfront-viewer-postal-code', 'postalCode'],
  ['cloudfront-viewer-metro-code', 'metroCode'],
  ['cloudfront-viewer-time-zone', 'timeZone'],
  ['cloudfront-viewer-latitude', 'latitude'],
  ['cloudfront-viewer-longitude', 'longitude'],
]);

/**
 * A CloudFront-Viewer-* location header (`name` lowercase), or undefined when it is not a
 * location header or the location (or that part of it) is unknown: then CloudFront omits it.
 */
export function geoHeaderValue(name: string, req: ViewerRequest): string | undefined {
  const field = FIELD_OF_HEADER.get(name);
  if (field === undefined || req.geo === undefined) return undefined;
  return req.geo.locate(req.clientIp)?.[field];
}
