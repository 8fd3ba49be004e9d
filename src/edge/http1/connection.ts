/**
 * One viewer connection of the `edgefront` HTTP/1.x engine (`--http-engine edgefront`): parses
 * requests from the socket's data events, runs each through the lifecycle as the same
 * transport-neutral ViewerRequest node-viewer.ts builds, and writes the EdgeResponse back.
 * Requests are answered one at a time in arrival order, so pipelining needs no queue: the next
 * request is parsed once the previous response is written. A Buffer body goes out as one
 * cork / write(head, latin1) / write(body) / uncork, which is why this engine exists
 * (src/edge/README.md, "HTTP/1 engine").
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { EdgeResponse, EdgeRuntime, ViewerRequest } from '../exchange.js';
import { Exchange } from '../exchange.js';
import { runExchange, type ViewerSink } from '../lifecycle.js';
import { destroyBody } from '../phases/origin-response.js';
import { clientErrorResponse, MAX_REQUEST_HEADER_BYTES } from '../server.js';
import { CHUNKED, NO_BODY, type ParsedHead, ParseFailure, parseHead } from './parse-head.js';
import { RequestBody } from './request-body.js';

/** Idle keep-alive timeout, as the node:http listener's keepAliveTimeout (server.ts). */
const KEEP_ALIVE_MS = 60_000;
/** A request's head must be complete within this long after its first byte (node's headersTimeout). */
const HEADERS_TIMEOUT_MS = 60_000;
/** Pipelined bytes buffered while a response is in progress before the socket is paused. */
const MAX_BUFFERED_BYTES = 64 * 1024;

/** Buffer bodies up to this size are copied behind the head and sent in one write. */
const COPY_BODY_MAX_BYTES = 16 * 1024;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE_INVALID = /[^\t\x20-\x7e\x80-\xff]/;

const STATUS_LINES: string[] = [];
for (const code in STATUS_CODES) STATUS_LINES[Number(code)] = `HTTP/1.1 ${code} ${STATUS_CODES[code]}\r\n`;

export function startConnection(socket: Socket, runtime: () => EdgeRuntime): void {
  new Http1Connection(socket, runtime).listen();
}

class Http1Connection implements ViewerSink {
  /** Received bytes not parsed yet (the start of the next request). */
  private buf: Buffer | null = null;
  /** The current request's body while it is being received. */
  private body: RequestBody | null = null;
  private method = 'GET';
  private responding = false;
  private keepAlive = true;
  private closing = false;
  private parsing = false;
  private headStartedMs = 0;
  private readonly clientIp: string;
  private readonly clientPort: number;
  private readonly onBodyRead = () => {
    if (this.body?.paused) {
      this.body.paused = false;
      this.socket.resume();
    }
  };
  private readonly onAsyncFailure = (err: Error) => this.socket.destroy(err);

  constructor(
    private readonly socket: Socket,
    private readonly runtime: () => EdgeRuntime,
  ) {
    let ip = socket.remoteAddress ?? '127.0.0.1';
    if (ip.startsWith('::ffff:')) ip = ip.slice(7);
    this.clientIp = ip;
    this.clientPort = socket.remotePort ?? 0;
  }

  listen(): void {
    const socket = this.socket;
    socket.setNoDelay(true);
    socket.setTimeout(KEEP_ALIVE_MS);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => {
      // Idle between requests (or a head arriving too slowly): close. A response in progress
      // is left alone, as node:http's keepAliveTimeout only applies between requests.
      if (!this.responding) socket.destroy();
    });
    socket.on('error', () => {}); // 'close' follows; the lifecycle sees the destroyed socket
    socket.on('close', () => {
      this.closing = true;
      this.body?.abort();
    });
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    const body = this.body;
    if (body !== null && !body.done) {
      let used: number;
      try {
        used = body.feed(chunk, 0);
      } catch (err) {
        this.reject(err as ParseFailure);
        return;
      }
      if (body.paused) this.socket.pause();
      if (used === chunk.length) return;
      chunk = chunk.subarray(used);
    }
    this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    if (this.responding) {
      if (this.buf.length > MAX_BUFFERED_BYTES) this.socket.pause();
      return;
    }
    if (this.headStartedMs !== 0 && Date.now() - this.headStartedMs > HEADERS_TIMEOUT_MS) {
      this.closing = true;
      this.socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.advance();
  }

  /** Parses and dispatches every complete request head, one at a time, while none is answering. */
  private advance(): void {
    if (this.parsing) return; // a response finished synchronously inside dispatch: the loop goes on
    this.parsing = true;
    try {
      while (
        this.buf !== null &&
        !this.responding &&
        !this.closing &&
        (this.body === null || this.body.done)
      ) {
        this.body = null;
        const buf = this.buf;
        let start = 0;
        // RFC 9112 §2.2: empty lines before a request line are ignored.
        while (start < buf.length && (buf[start] === 13 || buf[start] === 10)) start++;
        const end = buf.indexOf('\r\n\r\n', start, 'latin1');
        if (end === -1 || end - start > MAX_REQUEST_HEADER_BYTES) {
          if (buf.length - start > MAX_REQUEST_HEADER_BYTES) {
            this.reject(new ParseFailure(413, 'too large'));
            return;
          }
          this.buf = start === buf.length ? null : start === 0 ? buf : buf.subarray(start);
          if (this.buf !== null && this.headStartedMs === 0) this.headStartedMs = Date.now();
          return;
        }
        this.headStartedMs = 0;
        const next = end + 4;
        this.buf = next === buf.length ? null : buf.subarray(next);
        let head: ParsedHead;
        try {
          head = parseHead(buf.toString('latin1', start, end));
        } catch (err) {
          this.reject(err as ParseFailure);
          return;
        }
        this.dispatch(head);
      }
    } finally {
      this.parsing = false;
    }
  }

  private dispatch(head: ParsedHead): void {
    this.method = head.method;
    this.keepAlive = head.keepAlive;
    if (head.expect !== undefined) {
      if (head.expect.toLowerCase() !== '100-continue') {
        this.closing = true;
        this.socket.end('HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      // As node:http without a checkContinue listener: tell the viewer to send the body now.
      if (head.version === '1.1') this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
    }
    let body: Readable | null = null;
    if (head.bodyLength !== NO_BODY) {
      const reader = new RequestBody(head.bodyLength, head.bodyLength === CHUNKED, this.onBodyRead);
      this.body = reader;
      body = reader.stream;
      if (this.buf !== null) {
        let used: number;
        try {
          used = reader.feed(this.buf, 0);
        } catch (err) {
          this.reject(err as ParseFailure);
          return;
        }
        this.buf = used === this.buf.length ? null : this.buf.subarray(used);
        if (reader.paused) this.socket.pause();
      }
    }
    const headers = head.headers;
    let url = head.target;
    if (url.charCodeAt(0) !== 47 /* / */) {
      // Absolute-form (RFC 9112 §3.2.2), as node-viewer.ts: the authority is the Host.
      const absolute = /^https?:\/\/([^/?#]*)([^#]*)/i.exec(url);
      if (absolute) {
        headers.host = absolute[1];
        url = absolute[2].startsWith('/') ? absolute[2] : `/${absolute[2]}`;
      }
    }
    const q = url.indexOf('?');
    const request: ViewerRequest = {
      method: head.method,
      path: q === -1 ? url : url.slice(0, q),
      query: q === -1 ? '' : url.slice(q + 1),
      headers,
      rawHeaders: head.rawHeaders,
      body,
      protocol: 'http',
      httpVersion: head.version,
      clientIp: this.clientIp,
      clientPort: this.clientPort,
      tls: undefined,
    };
    this.responding = true;
    const exchange = new Exchange(this.runtime(), request);
    try {
      runExchange(exchange, this)?.catch(this.onAsyncFailure);
    } catch (err) {
      // Only a broken viewer connection ends up here; the lifecycle already answered errors.
      this.socket.destroy(err as Error);
    }
  }

  send(response: EdgeResponse, ex: Exchange): Promise<void> | undefined {
    const socket = this.socket;
    if (socket.destroyed || this.closing) {
      destroyBody(response.body); // the viewer left while the origin was answering
      return undefined;
    }
    if (ex.closeConnection) this.keepAlive = false;
    // An unread request body: drain it so keep-alive survives.
    if (this.body !== null && !this.body.done) this.body.stream.resume();
    const status = response.status;
    const body = response.body;
    let head = STATUS_LINES[status] ?? `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    let hasLength = false;
    let hasDate = false;
    const headers = response.headers;
    for (const name in headers) {
      if (name === 'content-length') hasLength = true;
      else if (name === 'date') hasDate = true;
      else if (name === 'connection' || name === 'transfer-encoding' || name === 'keep-alive') continue; // framing is ours
      head = appendHeader(head, name, headers[name]);
    }
    if (!hasDate) head += `Date: ${utcDate()}\r\n`;
    let chunked = false;
    if (!hasLength && this.method !== 'HEAD' && status !== 204 && status !== 304) {
      if (body === null) head += 'Content-Length: 0\r\n';
      else if (Buffer.isBuffer(body)) head += `Content-Length: ${body.length}\r\n`;
      else if (ex.request.httpVersion === '1.0')
        this.keepAlive = false; // the body ends with the connection
      else {
        head += 'Transfer-Encoding: chunked\r\n';
        chunked = true;
      }
    }
    head += this.keepAlive
      ? 'Connection: keep-alive\r\nKeep-Alive: timeout=60\r\n\r\n'
      : 'Connection: close\r\n\r\n';
    if (body === null) {
      socket.write(head, 'latin1');
      this.finishResponse();
      return undefined;
    }
    if (Buffer.isBuffer(body)) {
      if (body.length <= COPY_BODY_MAX_BYTES) {
        // One Buffer, one write: cheaper than cork/writev of a string and a Buffer (measured,
        // src/edge/README.md); the copy costs less than writev's bookkeeping at these sizes.
        const out = Buffer.allocUnsafe(head.length + body.length);
        out.write(head, 0, 'latin1');
        body.copy(out, head.length);
        socket.write(out);
      } else {
        socket.cork();
        socket.write(head, 'latin1');
        socket.write(body);
        socket.uncork();
      }
      this.finishResponse();
      return undefined;
    }
    socket.write(head, 'latin1');
    return this.pipeBody(body, chunked);
  }

  /**
   * Streams an origin body with backpressure; an origin error mid-body destroys the viewer
   * connection (the status line is gone), as node-viewer.ts's pipeBody does.
   */
  private pipeBody(body: Readable, chunked: boolean): Promise<void> {
    const socket = this.socket;
    return new Promise((resolve) => {
      const onData = (chunk: Buffer | string) => {
        let ok: boolean;
        if (chunked) {
          const length = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
          if (length === 0) return; // a zero-size chunk would end the body
          socket.cork();
          socket.write(`${length.toString(16)}\r\n`, 'latin1');
          socket.write(chunk);
          ok = socket.write('\r\n', 'latin1');
          socket.uncork();
        } else {
          ok = socket.write(chunk);
        }
        if (!ok) body.pause();
      };
      const onDrain = () => body.resume();
      const cleanup = () => {
        body.off('data', onData);
        body.off('end', onEnd);
        socket.off('drain', onDrain);
        socket.off('close', onClose);
        resolve();
      };
      const onEnd = () => {
        if (chunked) socket.write('0\r\n\r\n', 'latin1');
        cleanup();
        this.finishResponse();
      };
      const onClose = () => {
        if (!body.readableEnded) body.destroy(); // the viewer went away: stop reading the origin
        cleanup();
      };
      // The listener stays to swallow errors from destroy().
      body.on('error', (err) => socket.destroy(err));
      body.on('data', onData);
      body.on('end', onEnd);
      socket.on('drain', onDrain);
      socket.on('close', onClose);
    });
  }

  private finishResponse(): void {
    this.responding = false;
    if (!this.keepAlive) {
      this.closing = true;
      this.socket.end();
      return;
    }
    if (this.socket.isPaused() && !this.body?.paused) this.socket.resume();
    if (this.buf !== null) this.advance();
  }

  /** A request the parser refused: CloudFront's 400 or 413, then the connection closes. */
  private reject(failure: ParseFailure): void {
    this.closing = true;
    this.body?.abort();
    if (this.responding || !this.socket.writable) {
      this.socket.destroy(); // the response has started: nothing else can be said
      return;
    }
    this.socket.end(clientErrorResponse(failure.status === 413));
  }
}

/** Response header names already checked: a hit's names repeat on every response. */
const VALID_NAMES = new Set<string>();

/** Appends `name: value` lines to a response head, refusing what would split the response. */
export function appendHeader(head: string, name: string, value: string | string[]): string {
  // node:http throws on these (ERR_INVALID_HTTP_TOKEN / ERR_INVALID_CHAR): response splitting.
  if (!VALID_NAMES.has(name)) {
    if (!TOKEN.test(name)) throw new TypeError(`invalid response header name ${JSON.stringify(name)}`);
    if (VALID_NAMES.size < 1024) VALID_NAMES.add(name);
  }
  if (typeof value === 'string') {
    if (FIELD_VALUE_INVALID.test(value))
      throw new TypeError(`invalid characters in response header "${name}"`);
    return `${head}${name}: ${value}\r\n`;
  }
  for (let i = 0; i < value.length; i++) {
    if (FIELD_VALUE_INVALID.test(value[i]))
      throw new TypeError(`invalid characters in response header "${name}"`);
    head += `${name}: ${value[i]}\r\n`;
  }
  return head;
}

let dateString = '';
let dateExpiresMs = 0;

/** The Date header, formatted once a second (as node:http's utcDate cache). */
function utcDate(): string {
  const now = Date.now();
  if (now >= dateExpiresMs) {
    dateString = new Date(now).toUTCString();
    dateExpiresMs = now - (now % 1000) + 1000;
  }
  return dateString;
}
