/**
 * One viewer connection of the `edgefront` HTTP/1.x engine (`--http-engine edgefront`): parses
 * requests from the socket's data events, runs each through the lifecycle as the same
 * transport-neutral ViewerRequest node-viewer.ts builds, and writes the EdgeResponse back.
 * Requests are answered one at a time in arrival order, so pipelining needs no queue: the next
 * request is parsed once the previous response is written. A Buffer body goes out as one
 * cork / write(head, latin1) / write(body) / uncork, which is why this engine exists
 * (src/edge/README.md, "HTTP/1 engine"). What the connection waits on from the viewer (the
 * next request, the rest of a head, more body) is timed by one timer per connection
 * (timeouts.ts); a request waiting on the origin is not.
 */
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { writeHeadAndBody, writeNow } from '../../zero-copy.js';
import type { EdgeResponse, EdgeRuntime, ViewerRequest } from '../exchange.js';
import { Exchange } from '../exchange.js';
import { runExchange, type ViewerSink } from '../lifecycle.js';
import { destroyBody } from '../phases/origin-response.js';
import { MAX_REQUEST_HEADER_BYTES } from '../server.js';
import { clientErrorResponse } from './error-responses.js';
import {
  CHUNKED,
  HeadPrefix,
  NO_BODY,
  type ParsedHead,
  ParseFailure,
  parseHead,
  releaseParsedHead,
  reusableParsedHead,
} from './parse-head.js';
import { RequestBody } from './request-body.js';
import { giveBack, takeResponseBuffer } from './response-buffer.js';
import {
  dateLine,
  headerBytes,
  renderedHeaders,
  statusLineBytes,
  writeHeader,
  writeLatin1,
} from './response-head.js';
import { attachSharedReader, isSharedView, releaseSharedReader } from './socket-reader.js';
import { ConnectionTimer, type Http1Settings, Wait } from './timeouts.js';

/** Pipelined bytes buffered while a response is in progress before the socket is paused. */
const MAX_BUFFERED_BYTES = 64 * 1024;

/** The end of a response head that closes the connection. */
const CLOSE_END = Buffer.from('Connection: close\r\n\r\n', 'latin1');

/** Headers the engine frames itself: whatever the response says about them is not sent. */
function isFramingName(name: string): boolean {
  return name === 'connection' || name === 'transfer-encoding' || name === 'keep-alive';
}

/**
 * A released socket's only listener, as a safeguard: node emits no 'error' after 'close', but
 * an unheard one would throw.
 */
function ignoreError(): void {}

/** Buffer bodies up to this size are copied behind the head and sent in one write. */
const COPY_BODY_MAX_BYTES = 16 * 1024;

/** Serves `socket`; returns the connection, which tests watch to see it released on close. */
export function startConnection(socket: Socket, runtime: () => EdgeRuntime, settings: Http1Settings): object {
  const connection = new Http1Connection(socket, runtime, settings);
  connection.listen();
  return connection;
}

class Http1Connection implements ViewerSink {
  /** Received bytes not parsed yet (the start of the next request). */
  private buf: Buffer | null = null;
  /** The current request's body while it is being received. */
  private body: RequestBody | null = null;
  private method = 'GET';
  /** A request is being answered: from its head until its response is written. */
  private responding = false;
  /** The response's file-backed body is still being sent as the socket drains (zero-copy.ts). */
  private sendingBody = false;
  /** The viewer sent FIN (half-close): end once every request it sent whole is answered. */
  private viewerEnded = false;
  /** The current response's head has been written. */
  private sent = false;
  private keepAlive = true;
  private closing = false;
  private parsing = false;
  /**
   * Reads arrive as views of the buffer every connection shares (socket-reader.ts): what is
   * kept past a read (a partial head, pipelined requests, body chunks) is copied.
   */
  private sharedReads = false;
  /**
   * Each request's head is parsed into this one object: dispatch() reads it before anything can
   * parse the next request (a pipelined one is parsed once this response is finished).
   */
  private readonly parsed = reusableParsedHead();
  /** The pending head, checked as it arrives (what can never become a request is 400 at once). */
  private readonly headPrefix = new HeadPrefix();
  private readonly timer: ConnectionTimer;
  private readonly clientIp: string;
  private readonly clientPort: number;
  private readonly onBodyRead = () => {
    if (this.body?.paused) {
      this.body.paused = false;
      this.socket.resume();
      this.settle();
    }
  };
  private readonly onAsyncFailure = (err: Error) => this.socket.destroy(err);
  private readonly onSendProgress = () => this.timer.progress();

  constructor(
    private readonly socket: Socket,
    private readonly runtime: () => EdgeRuntime,
    private readonly settings: Http1Settings,
  ) {
    let ip = socket.remoteAddress ?? '127.0.0.1';
    if (ip.startsWith('::ffff:')) ip = ip.slice(7);
    this.clientIp = ip;
    this.clientPort = socket.remotePort ?? 0;
    this.timer = new ConnectionTimer(settings, (wait) => this.onTimeout(wait));
  }

  listen(): void {
    const socket = this.socket;
    socket.setNoDelay(true);
    this.sharedReads = attachSharedReader(socket, (chunk) => {
      this.onData(chunk);
      const kept = this.buf;
      if (kept !== null && isSharedView(kept)) this.buf = Buffer.from(kept);
    });
    if (!this.sharedReads) socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // The viewer's FIN ends only its side: node would end ours at once, under a response still
    // going out as the socket drains (zero-copy.ts) and before requests already received.
    socket.allowHalfOpen = true;
    socket.on('end', () => this.onViewerEnd());
    socket.on('error', () => {}); // 'close' follows; the lifecycle sees the destroyed socket
    socket.on('close', () => {
      this.closing = true;
      this.timer.stop();
      this.body?.abort();
      this.release();
    });
  }

  /**
   * Cuts every reference from the closed socket to this connection (its listeners and its read
   * callback); listeners still due for this 'close' run anyway, as emit() calls a copy.
   *
   * Why: a closed node socket stays reachable until the next full GC (measured, also for a bare
   * node:net server; the path that holds it is node's), so every scavenge until then copies it
   * and all it reaches, and then promotes them. With `Connection: close` at ~20k connections/s
   * that kept half of all new allocation alive: 6-9 ms scavenges, a full GC every ~180 ms and a
   * 27 ms p99 (bench/README.md, "Closed connections").
   */
  private release(): void {
    const socket = this.socket;
    if (this.sharedReads) releaseSharedReader(socket);
    socket.removeAllListeners();
    socket.on('error', ignoreError);
  }

  /**
   * Arms the connection's timer for what it waits on now (timeouts.ts). Only the viewer's
   * slowness is timed: a request waiting on the origin, or a body paused because the lifecycle
   * is not reading it, waits as long as it takes.
   */
  private settle(): void {
    if (this.closing) return;
    const body = this.body;
    let wait: Wait;
    if (body !== null && !body.done) wait = body.paused ? Wait.None : Wait.Body;
    // A cached body still going out as the socket drains: the keep-alive timeout from the last
    // time the viewer took some of it (ConnectionTimer.progress).
    else if (this.responding) wait = this.sendingBody ? Wait.Send : Wait.None;
    else wait = this.buf === null ? Wait.Idle : Wait.Head;
    this.timer.set(wait);
  }

  private onTimeout(wait: Wait): void {
    if (wait === Wait.Head) {
      this.endWith(clientErrorResponse(408));
    } else if (wait === Wait.Body) {
      // Never handed on as complete: the aborted stream errors the origin request reading it,
      // so the origin sees its request aborted too.
      this.body?.abort();
      if (this.responding && !this.sent) this.endWith(clientErrorResponse(408));
      else this.socket.destroy(); // the response has started: nothing else can be said
    } else {
      this.socket.destroy(); // idle keep-alive, or a viewer that never closed its side
    }
  }

  /**
   * The viewer sent FIN: every request it sent whole is still answered (it may still read,
   * RFC 9112 §9.6), then the connection ends. A request body cut short by it cannot complete.
   */
  private onViewerEnd(): void {
    this.viewerEnded = true;
    if (this.closing) return;
    if (this.body !== null && !this.body.done) {
      this.socket.destroy();
      return;
    }
    this.endIfViewerDone();
  }

  /** After the viewer's FIN, ends our side once nothing it asked for is left to answer. */
  private endIfViewerDone(): void {
    if (this.viewerEnded && !this.responding && !this.parsing && !this.closing) this.endWith();
  }

  /** Ends the connection after `last`; a viewer that does not close its side is cut later. */
  private endWith(last?: string): void {
    this.closing = true;
    if (last === undefined) this.socket.end();
    else this.socket.end(last);
    // A socket paused for backpressure would never read the viewer's FIN and would linger for
    // the whole close wait; onData drops whatever arrives now.
    this.socket.resume();
    this.timer.set(Wait.Close);
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
      if (used === chunk.length) {
        this.settle();
        return;
      }
      chunk = chunk.subarray(used);
    }
    this.buf = this.buf === null ? chunk : Buffer.concat([this.buf, chunk]);
    if (this.responding) {
      if (this.buf.length > MAX_BUFFERED_BYTES) this.socket.pause();
      this.settle(); // the body may have just completed
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
        const end = buf.indexOf('\r\n\r\n', this.headPrefix.searchFrom(start), 'latin1');
        if (end === -1 || end - start > MAX_REQUEST_HEADER_BYTES) {
          // Malformed before too large, as llhttp, which refuses at the first bad byte.
          if (!this.headPrefix.isPlausible(buf, start, end === -1 ? buf.length : end + 4)) {
            this.reject(new ParseFailure(400, 'malformed request head'));
            return;
          }
          if (buf.length - start > MAX_REQUEST_HEADER_BYTES) {
            this.reject(new ParseFailure(413, 'too large'));
            return;
          }
          this.buf = start === buf.length ? null : start === 0 ? buf : buf.subarray(start);
          break; // settle() starts the head's clock
        }
        this.headPrefix.reset();
        const next = end + 4;
        this.buf = next === buf.length ? null : buf.subarray(next);
        let head: ParsedHead;
        try {
          head = parseHead(buf.toString('latin1', start, end), this.parsed);
        } catch (err) {
          this.reject(err as ParseFailure);
          return;
        }
        this.dispatch(head);
      }
    } finally {
      this.parsing = false;
    }
    this.settle();
    this.endIfViewerDone();
  }

  private dispatch(head: ParsedHead): void {
    this.method = head.method;
    this.keepAlive = head.keepAlive;
    this.timer.set(Wait.None); // until settle() finds the body or the next request waiting
    // Expectations are HTTP/1.1's: node:http ignores them on 1.0 requests (RFC 9110 §10.1.1 says so for 100-continue).
    if (head.expect !== undefined && head.version === '1.1') {
      if (head.expect.toLowerCase() !== '100-continue') {
        this.endWith('HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      // As node:http without a checkContinue listener: tell the viewer to send the body now.
      this.socket.write('HTTP/1.1 100 Continue\r\n\r\n');
    }
    let body: Readable | null = null;
    if (head.bodyLength !== NO_BODY) {
      const reader = new RequestBody(
        head.bodyLength,
        head.bodyLength === CHUNKED,
        this.onBodyRead,
        this.sharedReads,
      );
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
      if (this.viewerEnded && !reader.done) {
        // The viewer's FIN came before the rest of this body: it can never complete, and the
        // origin must not be left waiting for it.
        this.socket.destroy();
        return;
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
    releaseParsedHead(head); // the request has what it needs; an idle connection keeps no old head
    this.responding = true;
    this.sent = false;
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
    this.sent = true;
    if (ex.closeConnection) this.keepAlive = false;
    // An unread request body: drain it so keep-alive survives.
    if (this.body !== null && !this.body.done) this.body.stream.resume();
    const status = response.status;
    const body = response.body;
    let hasLength = false;
    let hasDate = false;
    // A hit's stored headers go out pre-rendered after the status line; the loops skip them.
    let storedLines: Buffer | undefined;
    let stored = 0;
    if (response.storedHeaders !== undefined) {
      const rendered = renderedHeaders(response.storedHeaders);
      if (rendered !== null) {
        storedLines = rendered.lines;
        stored = rendered.count;
        hasDate = rendered.hasDate;
      }
    }
    // The head is written straight into a response region: measured first (which also checks
    // every line, so a refused one leaves nothing written), then written. No head string is
    // built: its concatenations and flat copy were a third of a hit's allocations.
    const statusBytes = statusLineBytes(status);
    let size = statusBytes.length + (storedLines === undefined ? 0 : storedLines.length);
    const headers = response.headers;
    let skip = stored;
    for (const name in headers) {
      if (skip !== 0) {
        skip--;
        continue;
      }
      if (name === 'content-length') hasLength = true;
      else if (name === 'date') hasDate = true;
      else if (isFramingName(name)) continue;
      size += headerBytes(name, headers[name]);
    }
    const date = hasDate ? undefined : dateLine();
    if (date !== undefined) size += date.length;
    let framing: string | undefined; // Content-Length or Transfer-Encoding when the headers have neither
    let chunked = false;
    if (!hasLength && this.method !== 'HEAD' && status !== 204 && status !== 304) {
      if (body === null) framing = 'Content-Length: 0\r\n';
      else if (Buffer.isBuffer(body)) framing = `Content-Length: ${body.length}\r\n`;
      else if (ex.request.httpVersion === '1.0')
        this.keepAlive = false; // the body ends with the connection
      else {
        framing = 'Transfer-Encoding: chunked\r\n';
        chunked = true;
      }
    }
    if (framing !== undefined) size += framing.length;
    const end = this.keepAlive ? this.settings.keepAliveEnd : CLOSE_END;
    // One Buffer, one write, for the head and for a small Buffer body behind it: cheaper than
    // cork/writev of a head and a body (measured, src/edge/README.md); the copy costs less than
    // writev's bookkeeping at these sizes.
    const copyBody = Buffer.isBuffer(body) && body.length <= COPY_BODY_MAX_BYTES;
    const out = takeResponseBuffer(size + end.length + (copyBody ? body.length : 0));
    out.set(statusBytes, 0);
    let at = statusBytes.length;
    if (storedLines !== undefined) {
      out.set(storedLines, at);
      at += storedLines.length;
    }
    skip = stored;
    for (const name in headers) {
      if (skip !== 0) {
        skip--;
        continue;
      }
      if (!isFramingName(name)) at = writeHeader(out, at, name, headers[name]);
    }
    if (date !== undefined) {
      out.set(date, at);
      at += date.length;
    }
    if (framing !== undefined) at = writeLatin1(out, at, framing);
    out.set(end, at);
    at += end.length;
    if (copyBody) out.set(body, at);
    if (body === null || copyBody) {
      writeNow(socket, out);
      this.reuse(out);
      this.finishResponse();
      return undefined;
    }
    if (Buffer.isBuffer(body)) {
      // A large cached body's pages go to the socket without a copy when it is file-backed,
      // the rest of them as the socket drains: the next response waits for that.
      const rest = writeHeadAndBody(socket, out, body, this.onSendProgress);
      this.reuse(out);
      if (rest === undefined) {
        this.finishResponse();
        return undefined;
      }
      this.sendingBody = true;
      this.settle();
      return rest.then(() => {
        this.sendingBody = false;
        if (socket.destroyed) return;
        this.timer.set(Wait.None); // the keep-alive clock restarts when the response is out
        this.finishResponse();
      });
    }
    socket.write(out);
    this.reuse(out);
    return this.pipeBody(body, chunked);
  }

  /** A response region the socket has taken at once is free for the next response (response-buffer.ts). */
  private reuse(out: Buffer): void {
    if (this.socket.writableLength === 0) giveBack(out);
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
      this.endWith();
      return;
    }
    if (this.socket.isPaused() && !this.body?.paused) this.socket.resume();
    if (this.buf !== null) this.advance();
    else this.settle();
    this.endIfViewerDone();
  }

  /** A request the parser refused: CloudFront's 400 or 413, then the connection closes. */
  private reject(failure: ParseFailure): void {
    this.closing = true;
    this.body?.abort();
    if (this.responding || !this.socket.writable) {
      this.socket.destroy(); // the response has started: nothing else can be said
      return;
    }
    this.endWith(clientErrorResponse(failure.status));
  }
}
