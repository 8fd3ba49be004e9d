/**
 * Headers CloudFront generates about the viewer, added toward the origin only when a cache
 * or origin request policy names them (reference/origins.md §4.3). Location headers (Country,
 * City, …) come from the `--geoip` database (src/edge/geo/); without one, or for an address it
 * does not know, they are not added, as CloudFront omits them for an unknown location. ASN
 * needs an ASN database edgefront does not read: never added.
 */
import { Exchange, type ViewerRequest } from './exchange.js';
import { geoHeaderValue } from './geo/viewer-location.js';

const MOBILE = /Mobi|iPhone|iPod|Android.*Mobile|BlackBerry|Windows Phone|Opera Mini|IEMobile/i;
const TABLET = /iPad|Tablet|Kindle|Silk|PlayBook|Android(?!.*Mobile)/i;
const SMART_TV =
  /SmartTV|SMART-TV|GoogleTV|AppleTV|HbbTV|NetCast|Roku|BRAVIA|Tizen.+TV|Web0S|WebOS.+TV|CrKey/i;
const ANDROID = /Android/i;
const IOS = /iPhone|iPad|iPod/i;

/** `name` is lowercase. Returns undefined when CloudFront would not add the header. */
export function cloudFrontHeaderValue(name: string, req: ViewerRequest): string | undefined {
  switch (name) {
    case 'cloudfront-forwarded-proto':
      return req.protocol;
    case 'cloudfront-viewer-http-version':
      return req.httpVersion;
    case 'cloudfront-viewer-address':
      return `${req.clientIp}:${req.clientPort}`; // IPv6 rendering is undocumented: ip:port as for IPv4
    case 'cloudfront-viewer-tls':
      return req.tls
        ? `${req.tls.version}:${req.tls.cipher}:${req.tls.resumed ? 'sessionResumed' : 'fullHandshake'}`
        : undefined;
    case 'cloudfront-viewer-header-order':
      return Exchange.viewerHeaderNames(req).join(':').slice(0, 7680);
    case 'cloudfront-viewer-header-count':
      return String(Exchange.viewerHeaderNames(req).length);
    case 'cloudfront-is-desktop-viewer':
    case 'cloudfront-is-mobile-viewer':
    case 'cloudfront-is-tablet-viewer':
    case 'cloudfront-is-smarttv-viewer':
    case 'cloudfront-is-android-viewer':
    case 'cloudfront-is-ios-viewer':
      return String(deviceFlags(userAgent(req))[name]);
    default:
      return geoHeaderValue(name, req);
  }
}

function userAgent(req: ViewerRequest): string {
  const ua = req.headers['user-agent'];
  return Array.isArray(ua) ? ua.join(' ') : (ua ?? '');
}

/** Several flags may be true at once: a tablet is also a mobile viewer (origins.md §4.3). */
export function deviceFlags(ua: string): Record<string, boolean> {
  const tablet = TABLET.test(ua) && !/Android.*Mobile/i.test(ua);
  const smartTv = SMART_TV.test(ua);
  const mobile = MOBILE.test(ua) || tablet;
  return {
    'cloudfront-is-desktop-viewer': !mobile && !smartTv && ua !== '',
    'cloudfront-is-mobile-viewer': mobile,
    'cloudfront-is-tablet-viewer': tablet,
    'cloudfront-is-smarttv-viewer': smartTv,
    'cloudfront-is-android-viewer': ANDROID.test(ua),
    'cloudfront-is-ios-viewer': IOS.test(ua),
  };
}
