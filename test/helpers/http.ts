/**
 * A plain node:http client for tests that need what fetch() hides: a chosen Host header,
 * HTTP/1.0, raw headers as received.
 */
import { type IncomingHttpHeaders, request } from 'node:http';
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; httpVersion10?: boolean } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Sends raw bytes on a new TCP connection and returns everything the server wrote until it
 * closed or `idleMs` passed without data (for HTTP/1.0, absolute-form targets, `*`).
 */
export function rawHttp(port: number, text: string, idleMs = 1500): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let out = '';
    let timer = setTimeout(() => socket.destroy(), idleMs);
    socket.setEncoding('utf8');
    socket.on('data', (d) => {
      out += d;
      clearTimeout(timer);
      timer = setTimeout(() => socket.destroy(), idleMs);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', reject);
  });
}
