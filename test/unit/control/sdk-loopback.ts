/**
 * The real `@aws-sdk/client-cloudfront` against a tiny loopback server that records every
 * request and answers what the test queues: the XML codec's oracle in both directions
 * (what the SDK sends, what the SDK makes of what we send).
 */
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';

export interface CapturedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Answer {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
}

export interface SdkLoopback {
  client: CloudFrontClient;
  requests: CapturedRequest[];
  /** What the next requests get (until changed); default 200 with an empty body. */
  answer(next: Answer): void;
  close(): Promise<void>;
}

export async function startSdkLoopback(): Promise<SdkLoopback> {
  const requests: CapturedRequest[] = [];
  let next: Answer = {};
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      const body = next.body ?? '';
      res.writeHead(next.status ?? 200, {
        'content-type': 'text/xml',
        'content-length': String(Buffer.byteLength(body)),
        ...next.headers,
      });
      res.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const client = new CloudFrontClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  return {
    client,
    requests,
    answer: (a) => {
      next = a;
    },
    close: async () => {
      client.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
