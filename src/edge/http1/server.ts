/**
 * The `edgefront` HTTP/1.x engine for the plain-HTTP viewer listener (`--http-engine edgefront`):
 * a `node:net` server whose connections parse requests themselves (connection.ts) instead of
 * going through node:http. HTTPS and HTTP/2 stay on node:http2.
 */
import { createServer, type Server } from 'node:net';
import type { EdgeRuntime } from '../exchange.js';
import { startConnection } from './connection.js';
import { type Http1Timeouts, http1Settings } from './timeouts.js';

export interface Http1Options {
  /** Viewer-side timeouts (timeouts.ts); each defaults to 60 s. Tests pass small ones. */
  timeouts?: Partial<Http1Timeouts>;
}

export function createHttp1Server(runtime: () => EdgeRuntime, options: Http1Options = {}): Server {
  const settings = http1Settings(options.timeouts); // validated once per listener
  return createServer({ noDelay: true }, (socket) => {
    startConnection(socket, runtime, settings);
  });
}
