/**
 * The `edgefront` HTTP/1.x engine for the plain-HTTP viewer listener (`--http-engine edgefront`):
 * a `node:net` server whose connections parse requests themselves (connection.ts) instead of
 * going through node:http. HTTPS and HTTP/2 stay on node:http2.
 */
import { createServer, type Server } from 'node:net';
import type { EdgeRuntime } from '../exchange.js';
import { startConnection } from './connection.js';

export function createHttp1Server(runtime: () => EdgeRuntime): Server {
  return createServer({ noDelay: true }, (socket) => startConnection(socket, runtime));
}
