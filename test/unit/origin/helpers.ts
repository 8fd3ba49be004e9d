/** Real peers on loopback for the origin tests (STYLE.md §6): servers on port 0, no mocks. */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { CustomOriginConfig, OriginConfig } from '../../../src/model/cloudfront.js';
import type { OriginKind, OriginModel } from '../../../src/model/types.js';
import type { OriginRequest, OriginSettings } from '../../../src/origin/types.js';

export interface TestServer {
  readonly port: number;
  readonly url: string;
  /** Requests (http) or connections (tcp) seen so far. */
  readonly count: () => number;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(
  server: Server | NetServer,
  counter: () => number,
  scheme: string,
): Promise<TestServer> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    count: counter,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ('closeAllConnections' in server) server.closeAllConnections();
      await closed;
    },
  };
}

export async function startHttpOrigin(handler: Handler): Promise<TestServer> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  return listen(server, () => hits, 'http');
}

export async function startHttpsOrigin(key: string, cert: string, handler: Handler): Promise<TestServer> {
  let hits = 0;
  const server = createHttpsServer({ key, cert }, (req, res) => {
    hits++;
    handler(req, res);
  });
  return listen(server, () => hits, 'https');
}

/** A raw TCP peer: `onSocket` decides what the "origin" does with each connection. */
export async function startTcpOrigin(onSocket: (socket: Socket) => void): Promise<TestServer> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  const started = await listen(server, () => connections, 'http');
  return {
    ...started,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await started.close();
    },
  };
}

/** A port nothing listens on: bound, then released (connects are refused). */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function customConfig(overrides: Partial<CustomOriginConfig> = {}): CustomOriginConfig {
  return {
    HTTPPort: 80,
    HTTPSPort: 443,
    OriginProtocolPolicy: 'http-only',
    OriginSSLProtocols: ['TLSv1.2'],
    OriginReadTimeout: 30,
    OriginKeepaliveTimeout: 5,
    ...overrides,
  };
}

/** An origin as the config loader produces it (all defaults filled). */
export function originModel(
  kind: OriginKind,
  domainName: string,
  config: Partial<OriginConfig> = {},
  bucket?: string,
): OriginModel {
  const full: OriginConfig = {
    Id: 'test-origin',
    DomainName: domainName,
    OriginPath: '',
    OriginCustomHeaders: [],
    ConnectionAttempts: 3,
    ConnectionTimeout: 10,
    ...(kind === 's3'
      ? { S3OriginConfig: { OriginAccessIdentity: '', OriginReadTimeout: 30 } }
      : { CustomOriginConfig: customConfig() }),
    ...config,
  };
  return { kind, config: full, ...(bucket ? { bucket, region: 'us-east-1' } : {}) };
}

export function settings(overrides: Partial<OriginSettings> = {}): OriginSettings {
  return { buckets: new Map(), originOverrides: new Map(), ...overrides };
}

export function originRequest(origin: OriginModel, overrides: Partial<OriginRequest> = {}): OriginRequest {
  return {
    origin,
    method: 'GET',
    path: '/',
    headers: { host: origin.config.DomainName },
    body: null,
    viewerProtocol: 'https',
    ...overrides,
  };
}

export async function readBytes(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readText(body: Readable): Promise<string> {
  return (await readBytes(body)).toString();
}
