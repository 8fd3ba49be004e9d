/**
 * `edge.fetch()`: a WHATWG Request through the full lifecycle, answered as a WHATWG Response,
 * with no socket. The viewer is 127.0.0.1 over HTTP/1.1 (HTTPS when the URL says https:).
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { EdgeResponse, EdgeRuntime } from './exchange.js';
import { Exchange } from './exchange.js';
import { runExchange } from './lifecycle.js';

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export async function fetchInProcess(runtime: EdgeRuntime, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  const raw: string[] = [];
  if (!request.headers.has('host')) {
    headers.host = url.host;
    raw.push('host', url.host);
  }
  request.headers.forEach((value, name) => {
    headers[name] = value;
    raw.push(name, value);
  });
  const body = request.body ? Readable.fromWeb(request.body as WebReadableStream<Uint8Array>) : null;
  const exchange = new Exchange(runtime, {
    method: request.method,
    path: url.pathname,
    query: url.search.slice(1),
    headers,
    rawHeaders: raw,
    body,
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    httpVersion: '1.1',
    clientIp: '127.0.0.1',
    clientPort: 0,
  });
  let answer: Response | undefined;
  await runExchange(exchange, {
    send(response) {
      answer = toWebResponse(response);
      return undefined;
    },
  });
  return answer!;
}

function toWebResponse(response: EdgeResponse): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(response.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  let body: BodyInit | null = null;
  if (response.body && !NULL_BODY_STATUSES.has(response.status)) {
    body = Buffer.isBuffer(response.body)
      ? new Uint8Array(response.body)
      : (Readable.toWeb(response.body) as unknown as ReadableStream<Uint8Array>);
  }
  return new Response(body, { status: response.status, headers });
}
