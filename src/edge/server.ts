/**
 * Listeners (DESIGN.md `edgefront serve`): viewer HTTP; viewer HTTPS with HTTP/1.1 and HTTP/2
 * negotiated by ALPN; the admin port (`/healthz`, `/debug/cache`, the CloudFront and KeyValueStore APIs).
 * Requests read the current runtime at arrival, so a reload swaps configs atomically.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { debugCache } from '../cache/debug-cache.js';
import { EDGE_ERRORS } from '../errors.js';
import type { EdgeRuntime } from './exchange.js';
import { createHttp1Server } from './http1/server.js';
import { handleNodeRequest } from './node-viewer.js';

/** CloudFront's limit on request line + headers (distribution.md §4.3, §12): beyond it, 413. */
export const MAX_REQUEST_HEADER_BYTES = 20_480;

export interface ListenOptions {
  host: string;
  port: number;
  httpsPort?: number;
  adminPort?: number;
  tls?: { key: string; cert: string };
  /** `--http-engine`: who parses plain-HTTP viewer requests, edgefront's own (default) or node:http. */
  httpEngine?: HttpEngine;
  /** The control plane's APIs (src/control/api-server.ts): everything on the admin port but /healthz and /debug/cache. */
  adminApi?: (req: IncomingMessage, res: ServerResponse) => void;
}

export const HTTP_ENGINES = ['node', 'edgefront'] as const;
export type HttpEngine = (typeof HTTP_ENGINES)[number];

export interface Listening {
  http: URL;
  https?: URL;
  admin?: URL;
  close(): Promise<void>;
}

export async function startListeners(
  options: ListenOptions,
  runtime: () => EdgeRuntime,
  isReady: () => boolean,
): Promise<Listening> {
  const servers: NetServer[] = [];
  const sockets = new Set<Socket>();
  const track = (server: NetServer) => {
    servers.push(server);
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    return server;
  };

  let viewer: NetServer;
  if ((options.httpEngine ?? 'edgefront') === 'edgefront') {
    viewer = track(createHttp1Server(runtime));
  } else {
    const nodeViewer = track(
      createHttpServer({ maxHeaderSize: MAX_REQUEST_HEADER_BYTES, keepAliveTimeout: 60_000 }, (req, res) =>
        handleNodeRequest(runtime(), req, res),
      ),
    ) as Server;
    nodeViewer.on('clientError', answerClientError);
    viewer = nodeViewer;
  }
  const http = await listen(viewer, options.host, options.port, 'http');

  let https: URL | undefined;
  if (options.httpsPort !== undefined && options.tls) {
    const secure = track(
      createSecureServer(
        {
          ...options.tls,
          allowHTTP1: true,
          maxSessionMemory: 64,
          settings: { maxHeaderListSize: MAX_REQUEST_HEADER_BYTES }, // HTTP/2
        },
        (req, res) => handleNodeRequest(runtime(), req, res),
      ),
    ) as Http2SecureServer;
    // HTTP/1.1 over TLS is parsed by node:http with the server's own maxHeaderSize field.
    (secure as unknown as { maxHeaderSize: number }).maxHeaderSize = MAX_REQUEST_HEADER_BYTES;
    secure.on('clientError' as never, answerClientError);
    https = await listen(secure, options.host, options.httpsPort, 'https');
  }

  let admin: URL | undefined;
  if (options.adminPort !== undefined) {
    const adminServer = track(
      createHttpServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path === '/debug/cache') {
          const rt = runtime();
          const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
          const answer = debugCache(rt.cache, query, rt.clock.now(), req.socket.remoteAddress ?? '');
          res.writeHead(answer.status, { 'content-type': 'application/json' });
          res.end(`${JSON.stringify(answer.body, null, 2)}\n`);
          return;
        }
        if (path === '/healthz') {
          const ready = isReady();
          res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' });
          res.end(ready ? 'ok\n' : 'starting\n');
          return;
        }
        if (options.adminApi) {
          options.adminApi(req, res);
          return;
        }
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('Not Found: the admin port serves /healthz, /debug/cache and the CloudFront API\n');
      }),
    ) as Server;
    admin = await listen(adminServer, options.host, options.adminPort, 'http');
  }

  return {
    http,
    https,
    admin,
    async close() {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              for (const socket of sockets) socket.destroy();
            }),
        ),
      );
    },
  };
}

function listen(server: NetServer, host: string, port: number, scheme: string): Promise<URL> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(new URL(`${scheme}://${shown}:${address.port}`));
    });
  });
}

/** Requests Node's parser rejects still get CloudFront's statuses: 413 for oversized headers, else 400. */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorResponse(err.code === 'HPE_HEADER_OVERFLOW'));
}

/** CloudFront's 413 (oversized request) or 400 (malformed) as raw bytes, closing the connection. */
export function clientErrorResponse(tooLarge: boolean): string {
  const status = tooLarge ? '413 Request Entity Too Large' : '400 Bad Request';
  const reason = EDGE_ERRORS[tooLarge ? 'RequestTooLarge' : 'InvalidRequest'].reason;
  const body = `<HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY><H1>${status.slice(0, 3)} ERROR</H1><H2>The request could not be satisfied.</H2>${reason}</BODY></HTML>`;
  return `HTTP/1.1 ${status}\r\nServer: CloudFront\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\nX-Cache: Error from cloudfront\r\nConnection: close\r\n\r\n${body}`;
}
