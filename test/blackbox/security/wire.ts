/**
 * The hostile viewer's tools for the security suites: raw bytes over a socket (with whether the
 * edge closed the connection), a strict reader of the HTTP/1.1 responses that came back, and an
 * origin that records each request when its head arrives and whether its body arrived whole —
 * the oracle for "never forwarded" (test/helpers/origin.ts only records requests it read whole).
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';

export const ENGINES = ['edgefront', 'node'] as const;

/** How long any exchange may take before the test fails (bounded, never a timing assertion). */
export const BOUND_MS = 10_000;

export interface WireResult {
  /** Every byte the edge sent, latin1. */
  text: string;
  /** The edge closed (or reset) the connection; false: the viewer gave up after `idleMs` of silence. */
  closedByEdge: boolean;
}

/**
 * Writes `parts` (one write each, in order) on a new connection and reads until the edge closes
 * it, or until `idleMs` pass without data. `end: true` half-closes after the last part (a viewer
 * that hangs up mid-request).
 */
export function exchange(
  port: number,
  parts: (string | Buffer)[],
  options: { idleMs?: number; end?: boolean } = {},
): Promise<WireResult> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let closedByEdge = true;
    const socket: Socket = connect(port, '127.0.0.1', () => {
      for (const part of parts) socket.write(typeof part === 'string' ? Buffer.from(part, 'latin1') : part);
      if (options.end) socket.end();
    });
    const idle = () => {
      closedByEdge = false;
      socket.destroy();
    };
    let timer = setTimeout(idle, options.idleMs ?? BOUND_MS);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      clearTimeout(timer);
      timer = setTimeout(idle, options.idleMs ?? BOUND_MS);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A reset after the edge answered and closed is a close; anything else is the test's failure.
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closedByEdge });
    });
  });
}

export interface WireResponse {
  status: number;
  statusLine: string;
  /** Lowercase names; repeated fields joined with `, `. */
  headers: Record<string, string>;
  body: string;
}

/**
 * Reads HTTP/1.1 responses strictly: status line, field lines, then a body framed by
 * Content-Length, chunked coding, or (only as the last response) the connection's end. 1xx
 * interim responses are skipped. Throws on anything that is not well-formed HTTP/1.1; a response
 * cut short is only allowed when `cutAllowed` (the viewer hung up, or the edge cut a stream).
 * `methods[i]` is the method of the i-th request answered (HEAD responses have no body).
 */
export function readResponses(text: string, methods: string[] = [], cutAllowed = false): WireResponse[] {
  const responses: WireResponse[] = [];
  let pos = 0;
  while (pos < text.length) {
    const headEnd = text.indexOf('\r\n\r\n', pos);
    if (headEnd === -1) {
      if (cutAllowed) break;
      throw new Error(
        `response head cut short at byte ${pos}: ${JSON.stringify(text.slice(pos, pos + 200))}`,
      );
    }
    const lines = text.slice(pos, headEnd).split('\r\n');
    const statusLine = lines[0];
    const m = /^HTTP\/1\.1 ([1-5][0-9]{2}) [\x20-\x7e]*$/.exec(statusLine);
    if (!m) throw new Error(`malformed status line ${JSON.stringify(statusLine)}`);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const f = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+): ?([\t\x20-\x7e\x80-\xff]*)$/.exec(line);
      if (!f) throw new Error(`malformed header line ${JSON.stringify(line)} after ${statusLine}`);
      const name = f[1].toLowerCase();
      headers[name] = headers[name] === undefined ? f[2] : `${headers[name]}, ${f[2]}`;
    }
    pos = headEnd + 4;
    const status = Number(m[1]);
    if (status < 200) continue; // 100 Continue
    const method = methods[responses.length] ?? 'GET';
    let body = '';
    if (method === 'HEAD' || status === 204 || status === 304) {
      // no body
    } else if (headers['transfer-encoding'] !== undefined) {
      if (headers['transfer-encoding'] !== 'chunked')
        throw new Error(`unexpected Transfer-Encoding ${headers['transfer-encoding']}`);
      if (headers['content-length'] !== undefined) throw new Error('both Content-Length and chunked');
      for (;;) {
        const lineEnd = text.indexOf('\r\n', pos);
        if (lineEnd === -1) {
          if (cutAllowed) return [...responses, { status, statusLine, headers, body }];
          throw new Error('chunked body cut short');
        }
        const size = Number.parseInt(text.slice(pos, lineEnd), 16);
        if (!/^[0-9a-f]+$/i.test(text.slice(pos, lineEnd))) throw new Error('malformed chunk size');
        pos = lineEnd + 2;
        if (size === 0) {
          if (text.slice(pos, pos + 2) !== '\r\n') {
            if (cutAllowed) return [...responses, { status, statusLine, headers, body }];
            throw new Error('chunked body without its final CRLF');
          }
          pos += 2;
          break;
        }
        if (pos + size + 2 > text.length) {
          if (cutAllowed) return [...responses, { status, statusLine, headers, body }];
          throw new Error('chunk cut short');
        }
        body += text.slice(pos, pos + size);
        pos += size;
        if (text.slice(pos, pos + 2) !== '\r\n') throw new Error('chunk data longer than its size');
        pos += 2;
      }
    } else if (headers['content-length'] !== undefined) {
      if (!/^[0-9]+$/.test(headers['content-length']))
        throw new Error(`malformed Content-Length ${headers['content-length']}`);
      const length = Number(headers['content-length']);
      if (pos + length > text.length) {
        if (cutAllowed) return [...responses, { status, statusLine, headers, body: text.slice(pos) }];
        throw new Error(`body shorter than its Content-Length ${length}`);
      }
      body = text.slice(pos, pos + length);
      pos += length;
    } else {
      body = text.slice(pos); // close-delimited: must be the last response
      pos = text.length;
    }
    responses.push({ status, statusLine, headers, body });
  }
  return responses;
}

export interface OriginSeen {
  method: string;
  url: string;
  body: string;
  /** 'receiving' until the body ended ('complete') or the request was cut ('aborted'). */
  state: 'receiving' | 'complete' | 'aborted';
}

export interface RecordingOrigin {
  readonly port: number;
  readonly seen: OriginSeen[];
  /** Resolves once no request is still receiving its body (bounded). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Records every request as its head arrives, then its body and how it ended; answers
 * `seen <METHOD> <url> <body bytes>`, after `delayMs` for URLs containing `/slow`.
 */
export async function startRecordingOrigin(delayMs = 200): Promise<RecordingOrigin> {
  const seen: OriginSeen[] = [];
  const server = createServer((req, res) => {
    const entry: OriginSeen = { method: req.method ?? '', url: req.url ?? '', body: '', state: 'receiving' };
    seen.push(entry);
    req.setEncoding('latin1');
    req.on('data', (d: string) => {
      entry.body += d;
    });
    req.on('error', () => {});
    req.on('close', () => {
      if (entry.state === 'receiving') entry.state = 'aborted';
    });
    req.on('end', () => {
      entry.state = 'complete';
      const answer = () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`seen ${entry.method} ${entry.url} ${entry.body.length}`);
      };
      if (entry.url.includes('/slow')) setTimeout(answer, delayMs);
      else answer();
    });
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    async settled() {
      const deadline = Date.now() + BOUND_MS;
      while (seen.some((s) => s.state === 'receiving')) {
        if (Date.now() > deadline) {
          const stuck = seen.filter((s) => s.state === 'receiving');
          throw new Error(
            `the origin still receives a request body: ${JSON.stringify(stuck).slice(0, 2000)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
