/**
 * A real HTTP origin on a loopback port for tests: records every request it gets (the oracle
 * for "what did CloudFront send the origin") and answers with a handler.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  /** The request body as text (only its first MiB is kept). */
  body: string;
  bodyBytes: number;
}

export type OriginHandler = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => unknown;

export interface TestOrigin {
  readonly url: string;
  readonly port: number;
  readonly requests: SeenRequest[];
  readonly hits: number;
  close(): Promise<void>;
}

const defaultHandler: OriginHandler = (req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
  res.end(`origin saw ${req.method} ${req.url}`);
};

export async function startOrigin(handler: OriginHandler = defaultHandler): Promise<TestOrigin> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    let bodyBytes = 0;
    for await (const chunk of req) {
      if (bodyBytes < 1 << 20) chunks.push(chunk as Buffer);
      bodyBytes += (chunk as Buffer).length;
    }
    const seen = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: Buffer.concat(chunks).toString(),
      bodyBytes,
    };
    requests.push(seen);
    try {
      await handler(req, res, seen);
    } catch (err) {
      res.destroy(err as Error);
    }
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get hits() {
      return requests.length;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
