/**
 * node:http / node:http2 ⇄ Exchange: builds the transport-neutral ViewerRequest from an
 * incoming request and writes the finished response back, streaming with backpressure.
 *
 * HTTP/1 requests (node:http, `--http-engine node`, and HTTP/1.1 over TLS) are held to what the
 * `edgefront` engine accepts (http1/parse-head.ts), so both engines refuse the same requests
 * with the same CloudFront 400 page and close: what llhttp lets through (a Transfer-Encoding
 * other than `chunked`, `HTTP/2.0` or `0.9` request lines, a missing or repeated Host) is
 * refused here; what llhttp refuses reaches `answerClientError`. A request with a body starts
 * one macrotask late, after node has parsed the rest of the bytes that carried it: a body the
 * parser refuses in those bytes (a bad chunk size…) is answered 400 without the origin ever
 * seeing the request, as the `edgefront` engine does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { EdgeRuntime, HttpVersion, ViewerRequest } from './exchange.js';
import { Exchange } from './exchange.js';
import {
  type ClientErrorStatus,
  clientErrorHeaders,
  clientErrorPage,
  clientErrorResponse,
} from './http1/error-responses.js';
import { DEFAULT_TIMEOUTS } from './http1/timeouts.js';
import { runExchange, type ViewerSink } from './lifecycle.js';
import { destroyBody } from './phases/origin-response.js';
import { MAX_REQUEST_HEADER_BYTES } from './server.js';

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

export function handleNodeRequest(
  runtime: EdgeRuntime,
  req: AnyRequest,
  res: AnyResponse,
  lingerMs: number = DEFAULT_TIMEOUTS.keepAliveMs,
): void {
  if ('stream' in req) {
    // HTTP/2: nghttp2 framed the request; only CloudFront's size limit is left to apply.
    if (headerBytesOf(req.rawHeaders) > MAX_REQUEST_HEADER_BYTES) refuseStream(res, 413);
    else run(runtime, req, res);
    return;
  }
  const conn = connectionOf(req.socket);
  // After a request the connection closes after, nothing is answered nor forwarded (RFC 9112 §9.6).
  if (conn.closing) return;
  const answer: Http1Answer = { req, res: res as ServerResponse, pending: true };
  conn.pending++;
  answer.res.once('close', () => settle(answer, conn));
  const start = () => startHttp1(runtime, conn, answer, lingerMs);
  if (conn.queue !== null) {
    conn.queue.push(start); // behind a request whose start waits: in arrival order
  } else if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) {
    conn.queue = [start];
    setImmediate(() => {
      const queue = conn.queue!;
      conn.queue = null;
      for (const next of queue) next();
      settleRefusal(req.socket, conn); // bytes after them were refused meanwhile
    });
  } else {
    start();
  }
}

/** One HTTP/1 request handed over by node:http, and whether its response still counts as pending. */
interface Http1Answer {
  req: IncomingMessage;
  res: ServerResponse;
  pending: boolean;
}

/** Its response finished (or will never be written): the refusal after it may go out. */
function settle(answer: Http1Answer, conn: NodeConnection): void {
  if (!answer.pending) return;
  answer.pending = false;
  if (--conn.pending === 0) sendDeferredRefusal(answer.req.socket, conn);
}

function startHttp1(runtime: EdgeRuntime, conn: NodeConnection, answer: Http1Answer, lingerMs: number): void {
  if (conn.closing) {
    settle(answer, conn); // behind one the connection closes after: never answered, never waited for
    return;
  }
  const { req, res } = answer;
  const refused = isRefused(req) ? 400 : !req.complete ? conn.refused : undefined;
  if (refused !== undefined) {
    // Answered as raw bytes after the responses before it, exactly as the `edgefront` engine
    // (with its page even for HEAD: the connection ends with it); node's response for this
    // request is never written, and goes when the socket closes.
    settle(answer, conn);
    refuseLater(req.socket, conn, refused, lingerMs);
    return;
  }
  if (!req.complete) conn.receiving = req;
  const ex = run(runtime, req, res);
  if (ex?.closeConnection || !res.shouldKeepAlive) conn.closing = true;
}

function run(runtime: EdgeRuntime, req: AnyRequest, res: AnyResponse): Exchange | undefined {
  try {
    const exchange = new Exchange(runtime, viewerRequestFrom(req));
    runExchange(exchange, nodeSink(res))?.catch((err) => res.destroy(err));
    return exchange;
  } catch (err) {
    // Only a broken viewer connection ends up here; the lifecycle already answered errors.
    res.destroy(err as Error);
    return undefined;
  }
}

/** One node:http viewer connection, as far as answering hostile requests in order needs it. */
interface NodeConnection {
  /** Requests handed over whose responses have not finished (pipelining). */
  pending: number;
  /**
   * Starts waiting behind a request with a body, which starts one macrotask late: after node
   * parsed the rest of the bytes that carried it, so a body the parser refuses there is
   * answered 400 before the origin sees the request. null: none waits.
   */
  queue: (() => void)[] | null;
  /** The last request started while its body was still arriving. */
  receiving: IncomingMessage | null;
  /** The connection closes after a request started: nothing later is answered or forwarded. */
  closing: boolean;
  /** The parser (or a check here) refused the connection's bytes with this status. */
  refused: ClientErrorStatus | undefined;
  /** The refusal still has to be written, once the responses before it are. */
  refusalDeferred: boolean;
  /** How long a refused connection waits for the viewer to close its side. */
  lingerMs: number;
}

const connections = new WeakMap<Socket, NodeConnection>();

function connectionOf(socket: Socket): NodeConnection {
  let conn = connections.get(socket);
  if (conn === undefined) {
    conn = {
      pending: 0,
      queue: null,
      receiving: null,
      closing: false,
      refused: undefined,
      refusalDeferred: false,
      lingerMs: 0,
    };
    connections.set(socket, conn);
  }
  return conn;
}

/** What llhttp accepts but the `edgefront` engine refuses (parse-head.ts), refused alike here. */
function isRefused(req: IncomingMessage): boolean {
  const version = req.httpVersion;
  if (version !== '1.1' && version !== '1.0') return true; // `HTTP/2.0`, `HTTP/0.9`, a bare `GET /`
  const te = req.headers['transfer-encoding'];
  if (te !== undefined && te.toLowerCase() !== 'chunked') return true; // `gzip, chunked`, `identity`
  let hosts = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].length === 4 && raw[i].toLowerCase() === 'host') hosts++;
  return hosts > 1 || (hosts === 0 && version === '1.1'); // RFC 9112 §3.2
}

/** HTTP/2: the page on this stream only (no Connection header; the session serves on). */
function refuseStream(res: AnyResponse, status: ClientErrorStatus): void {
  const headers = clientErrorHeaders(status);
  delete headers.connection;
  (res as Http2ServerResponse).writeHead(status, headers);
  res.end(clientErrorPage(status));
}

/**
 * node:http's `clientError` (server.ts): llhttp refused the bytes (400, or 413 for a head over
 * CloudFront's 20,480 bytes) or the head or request took too long (408). The page is written
 * after the responses to the requests before it, so a pipelining viewer reads every answer in
 * order; a request whose body was already streaming to the origin is cut instead (the origin
 * sees it aborted, never complete), as the `edgefront` engine does. Socket errors (a reset)
 * only destroy the socket.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Socket, lingerMs: number): void {
  const conn = connectionOf(socket);
  if (conn.refused !== undefined) return; // the parser repeats its error for every later byte
  const status = statusOfClientError(err.code);
  // node times a connection that never sent a byte as a slow head; the `edgefront` engine
  // treats it as idle (keep-alive timeout): closed without a response.
  if (status === undefined || !socket.writable || (status === 408 && socket.bytesRead === 0)) {
    socket.destroy();
    return;
  }
  refuseLater(socket, conn, status, lingerMs);
}

/** `CONNECT` (node hands it over as a raw socket): 400 and close, as the `edgefront` engine. */
export function refuseConnect(socket: Socket, lingerMs: number): void {
  const conn = connectionOf(socket);
  socket.on('error', () => {}); // node no longer listens
  if (conn.closing && conn.pending > 0) {
    // Behind a request the connection closes after (a 417, `Connection: close`), whose response
    // or those before it are still to be written: the CONNECT is ignored (RFC 9112 §9.6) and
    // that response ends the socket. Destroying it here lost them (found by viewer-fuzz.test.ts).
    // node no longer times this socket: a viewer that never reads is cut after lingerMs.
    socket.setTimeout(lingerMs, () => socket.destroy());
    return;
  }
  if (conn.refused !== undefined || conn.closing) socket.destroy();
  else refuseLater(socket, conn, 400, lingerMs);
}

/** Refuses the bytes after every request handed over so far: answered once those are. */
function refuseLater(
  socket: Socket,
  conn: NodeConnection,
  status: ClientErrorStatus,
  lingerMs: number,
): void {
  conn.refused ??= status;
  conn.lingerMs = lingerMs;
  if (conn.queue === null) settleRefusal(socket, conn); // else once the waiting requests started
}

/**
 * The refusal's answer, once every request before it has started: a cut if a body was still
 * streaming to the origin, none if one of them closes the connection first, else CloudFront's
 * page after the responses before it.
 */
function settleRefusal(socket: Socket, conn: NodeConnection): void {
  if (conn.refused === undefined) return;
  if (conn.receiving !== null && !conn.receiving.complete) {
    // Also when that request closes the connection anyway (HTTP/1.0): its body will never
    // come (a viewer hanging up mid-body is a parse error at the EOF), and only the socket's
    // end makes its origin request abort.
    socket.destroy();
    return;
  }
  if (conn.closing) return;
  conn.closing = true;
  conn.refusalDeferred = true;
  socket.setTimeout(conn.lingerMs, () => socket.destroy()); // a viewer that never closes its side
  sendDeferredRefusal(socket, conn);
}

function sendDeferredRefusal(socket: Socket, conn: NodeConnection): void {
  if (!conn.refusalDeferred || conn.pending > 0 || conn.refused === undefined) return;
  conn.refusalDeferred = false;
  if (socket.writable) socket.end(clientErrorResponse(conn.refused), 'latin1');
}

function statusOfClientError(code: string | undefined): ClientErrorStatus | undefined {
  if (code === 'HPE_HEADER_OVERFLOW') return 413;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (code?.startsWith('HPE_')) return 400;
  return undefined;
}

/** An `Expect` other than 100-continue: 417 and close, as the `edgefront` engine. */
export function refuseExpectation(req: IncomingMessage, res: ServerResponse): void {
  const conn = connectionOf(req.socket);
  if (conn.closing) return;
  const expectation: Http1Answer = { req, res, pending: true };
  conn.pending++;
  res.once('close', () => settle(expectation, conn));
  const answer = () => {
    if (conn.closing) {
      settle(expectation, conn); // behind a refused request (found by viewer-fuzz.test.ts): never answered
      return;
    }
    conn.closing = true; // nothing after it is answered
    res.writeHead(417, { connection: 'close', 'content-length': '0' });
    res.end();
  };
  if (conn.queue !== null) conn.queue.push(answer);
  else answer();
}

/** Request line and headers as counted for HTTP/1 (`name: value` CRLF), pseudo-headers included. */
function headerBytesOf(raw: string[]): number {
  let bytes = 0;
  for (let i = 0; i < raw.length; i += 2) bytes += raw[i].length + raw[i + 1].length + 4;
  return bytes;
}

function viewerRequestFrom(req: AnyRequest): ViewerRequest {
  let url = req.url ?? '/';
  if (url.charCodeAt(0) !== 47 /* / */) {
    // Absolute-form (`GET http://host/path`, RFC 9112 §3.2.2): the target's authority is the
    // Host, and behaviors match its path, like any other request.
    const absolute = /^https?:\/\/([^/?#]*)([^#]*)/i.exec(url);
    if (absolute) {
      req.headers.host = absolute[1];
      url = absolute[2].startsWith('/') ? absolute[2] : `/${absolute[2]}`;
    }
  }
  const q = url.indexOf('?');
  const socket = req.socket as TLSSocket;
  const encrypted = socket.encrypted === true;
  const isHttp2 = 'stream' in req; // not httpVersionMajor: node:http parses `HTTP/2.0` request lines too
  let headers = req.headers as Record<string, string | string[] | undefined>;
  if (isHttp2) {
    headers = {};
    for (const name in req.headers) if (name.charCodeAt(0) !== 58) headers[name] = req.headers[name];
    if (headers.host === undefined && req.headers[':authority'])
      headers.host = String(req.headers[':authority']);
  }
  const method = req.method ?? 'GET';
  const hasBody = isHttp2
    ? !(req as Http2ServerRequest).stream.readableEnded && method !== 'GET' && method !== 'HEAD'
    : headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined;
  let clientIp = socket.remoteAddress ?? '127.0.0.1';
  if (clientIp.startsWith('::ffff:')) clientIp = clientIp.slice(7);
  return {
    method,
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? '' : url.slice(q + 1),
    headers,
    rawHeaders: req.rawHeaders,
    body: hasBody ? (req as Readable) : null,
    protocol: encrypted ? 'https' : 'http',
    httpVersion: (isHttp2 ? '2.0' : req.httpVersion === '1.0' ? '1.0' : '1.1') as HttpVersion,
    clientIp,
    clientPort: socket.remotePort ?? 0,
    tls: encrypted
      ? {
          version: socket.getProtocol() ?? 'unknown',
          cipher: socket.getCipher()?.standardName ?? 'unknown',
          resumed: socket.isSessionReused(),
        }
      : undefined,
  };
}

function nodeSink(res: AnyResponse): ViewerSink {
  return {
    send(response, ex) {
      if (isGone(res)) {
        destroyBody(response.body); // the viewer left while the origin was answering
        return undefined;
      }
      if (ex.closeConnection && 'shouldKeepAlive' in res) res.shouldKeepAlive = false;
      if (!ex.request.body) {
        // nothing to read
      } else if (!ex.request.body.readableEnded) {
        ex.request.body.resume(); // unread request body: drain so keep-alive survives
      }
      (res as ServerResponse).writeHead(response.status, response.headers);
      const body = response.body;
      if (body === null) {
        res.end();
      } else if (Buffer.isBuffer(body)) {
        res.end(body);
      } else {
        return pipeBody(body, res);
      }
      return undefined;
    },
  };
}

/**
 * Streams an origin body to the viewer with backpressure. Deliberately not stream.pipeline():
 * it allocates an AbortController per response and aborts it (building a DOMException with a
 * stack) on completion, which cost ~19% of pass-through CPU (bench/README.md).
 */
function isGone(res: AnyResponse): boolean {
  return 'stream' in res ? res.stream.destroyed : res.destroyed;
}

function pipeBody(body: Readable, res: AnyResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('close', onClose);
      res.off('finish', done);
      resolve();
    };
    const onClose = () => {
      // The viewer went away (or the response finished): stop reading the origin.
      if (!body.readableEnded) body.destroy();
      done();
    };
    body.on('error', (err) => {
      // An origin failure mid-body: the status line is gone, so cut the viewer connection,
      // as CloudFront does. The listener stays to swallow errors from destroy().
      if (!res.writableFinished) res.destroy(err);
    });
    res.on('close', onClose);
    res.on('finish', done);
    body.pipe(res as NodeJS.WritableStream);
  });
}
