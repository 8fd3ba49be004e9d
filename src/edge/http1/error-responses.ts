/**
 * What a viewer gets for a request refused before it is a request (malformed, oversized, or too
 * slow to arrive): CloudFront's error page shape with `X-Cache: Error from cloudfront`, then the
 * connection closes. Both HTTP/1 engines send these exact pages: the `edgefront` engine as the
 * raw bytes below (connection.ts), node:http from its `clientError` handler (server.ts) or, for
 * what llhttp lets through, through the ServerResponse (node-viewer.ts).
 */
import { EDGE_ERRORS } from '../../errors.js';

export type ClientErrorStatus = 400 | 408 | 413;

const STATUS_LINES: Record<ClientErrorStatus, string> = {
  400: '400 Bad Request',
  408: '408 Request Timeout',
  413: '413 Request Entity Too Large',
};

const REASONS: Record<ClientErrorStatus, string> = {
  400: EDGE_ERRORS.InvalidRequest.reason,
  408: 'The viewer took too long to send the request.',
  413: EDGE_ERRORS.RequestTooLarge.reason,
};

/** The HTML page, as CloudFront's short error page (no request id: nothing was routed). */
export function clientErrorPage(status: ClientErrorStatus): string {
  return `<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY><H1>${status} ERROR</H1><H2>The request could not be satisfied.</H2>${REASONS[status]}</BODY></HTML>`;
}

/** The headers of that page, for node:http's writeHead. */
export function clientErrorHeaders(status: ClientErrorStatus): Record<string, string> {
  return {
    server: 'CloudFront',
    'content-type': 'text/html',
    'content-length': String(clientErrorPage(status).length),
    'x-cache': 'Error from cloudfront',
    connection: 'close',
  };
}

const RAW: Record<ClientErrorStatus, string> = {
  400: raw(400),
  408: raw(408),
  413: raw(413),
};

/** The whole response as raw bytes (latin1), ending with `Connection: close`. */
export function clientErrorResponse(status: ClientErrorStatus): string {
  return RAW[status];
}

function raw(status: ClientErrorStatus): string {
  const body = clientErrorPage(status);
  return `HTTP/1.1 ${STATUS_LINES[status]}\r\nServer: CloudFront\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\nX-Cache: Error from cloudfront\r\nConnection: close\r\n\r\n${body}`;
}
