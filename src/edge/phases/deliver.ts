/**
 * Hands the finished response to the viewer sink (node:http, node:http2, or edge.fetch()).
 * HEAD, 204 and 304 carry no body (an origin body is destroyed, not sent).
 */
import type { Exchange } from '../exchange.js';
import type { ViewerSink } from '../lifecycle.js';
import { destroyBody } from './origin-response.js';

export function deliver(ex: Exchange, sink: ViewerSink): Promise<void> | undefined {
  const response = ex.response!;
  if (ex.request.method === 'HEAD' || response.status === 204 || response.status === 304) {
    destroyBody(response.body);
    response.body = null;
  }
  return sink.send(response, ex);
}
