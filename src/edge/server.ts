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
import type { EdgeRuntime } from './exchange.js';
import { createHttp1Server } from './http1/server.js';
import { DEFAULT_TIMEOUTS, type Http1Timeouts } from './http1/timeouts.js';
import { answerClientError, handleNodeRequest, refuseConnect, refuseExpectation } from './node-viewer.js';

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
  /** The plain-HTTP viewer port's timeouts (default 60 s each, 300 s requestMs); tests pass small ones. */
  viewerTimeouts?: Partial<ViewerTimeouts>;
  /** The control plane's APIs (src/control/api-server.ts): everything on the admin port but /healthz and /debug/cache. */
  adminApi?: (req: IncomingMessage, res: ServerResponse) => void;
}

/** Each engine reads its own: edgefront `keepAliveMs`, `headersMs`, `bodyIdleMs`; node `keepAliveMs`, `headersMs`, `requestMs`. */
export type ViewerTimeouts = Http1Timeouts & NodeViewerTimeouts;

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
  const { keepAliveMs, headersMs, bodyIdleMs, requestMs } = options.viewerTimeouts ?? {};
  const nodeTimeouts = nodeServerTimeouts(defined({ keepAliveMs, headersMs, requestMs }));
  if ((options.httpEngine ?? 'edgefront') === 'edgefront') {
    viewer = track(createHttp1Server(runtime, { timeouts: defined({ keepAliveMs, headersMs, bodyIdleMs }) }));
  } else {
    viewer = track(createNodeViewerServer(runtime, nodeTimeouts));
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
        (req, res) => handleNodeRequest(runtime(), req, res, nodeTimeouts.keepAliveTimeout),
      ),
    ) as Http2SecureServer;
    // HTTP/1.1 over TLS is parsed by node:http with the server's own fields: its header limit,
    // and the plain port's timeouts (an Http2SecureServer has no keepAliveTimeout, so an idle
    // HTTPS/1.1 connection stayed open for ever, and checks the others every 30 s).
    Object.assign(secure, { maxHeaderSize: MAX_REQUEST_HEADER_BYTES, ...nodeTimeouts });
    secure.on('clientError' as never, (err: NodeJS.ErrnoException, socket: Socket) =>
      answerClientError(err, socket, nodeTimeouts.keepAliveTimeout),
    );
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

/**
 * node:http's viewer timeouts (`--http-engine node`). The `edgefront` engine's keep-alive and
 * head timeouts (http1/timeouts.ts); node has no body-stall timeout, so its whole-request cap
 * (the time to receive a request, head and body) stands in, at node's default of 300 s.
 */
export interface NodeViewerTimeouts {
  readonly keepAliveMs: number;
  /** A head not complete this long after the connection's request began: 408 and close. */
  readonly headersMs: number;
  /** A request not received whole this long after it began: 408 and close (cut if answering). */
  readonly requestMs: number;
}

/**
 * The viewer HTTP listener on node:http (`--http-engine node`), refusing what the `edgefront`
 * engine refuses with the same pages (node-viewer.ts): llhttp's parse errors and timeouts
 * (`clientError`), CONNECT, unknown expectations, and a missing Host (answered there rather than
 * with node's own bare 400).
 */
export function createNodeViewerServer(runtime: () => EdgeRuntime, timeouts: NodeServerTimeouts): Server {
  const lingerMs = timeouts.keepAliveTimeout;
  const server = createHttpServer(
    { maxHeaderSize: MAX_REQUEST_HEADER_BYTES, ...timeouts, requireHostHeader: false },
    (req, res) => handleNodeRequest(runtime(), req, res, lingerMs),
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) =>
    answerClientError(err, socket, lingerMs),
  );
  server.on('connect', (_req, socket: Socket) => refuseConnect(socket, lingerMs));
  server.on('checkExpectation', refuseExpectation);
  return server;
}

/** node:http's server fields for NodeViewerTimeouts (the plain port on node:http, and HTTPS/1.1). */
interface NodeServerTimeouts {
  keepAliveTimeout: number;
  headersTimeout: number;
  requestTimeout: number;
  connectionsCheckingInterval: number;
}

function nodeServerTimeouts(overrides: Partial<NodeViewerTimeouts>): NodeServerTimeouts {
  const { keepAliveMs, headersMs, requestMs } = {
    keepAliveMs: DEFAULT_TIMEOUTS.keepAliveMs,
    headersMs: DEFAULT_TIMEOUTS.headersMs,
    requestMs: 300_000,
    ...overrides,
  };
  return {
    keepAliveTimeout: keepAliveMs,
    headersTimeout: headersMs,
    requestTimeout: Math.max(requestMs, headersMs),
    // node checks both timeouts on this period (its default, 30 s, would let a 60 s timeout run to 90 s).
    connectionsCheckingInterval: Math.min(5_000, Math.ceil(headersMs / 4)),
  };
}

/** The entries that are set: an explicit undefined would override a default when spread. */
function defined<T extends object>(values: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key in values) if (values[key] !== undefined) out[key] = values[key];
  return out;
}
