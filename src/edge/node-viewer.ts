/**
 * node:http / node:http2 ⇄ Exchange: builds the transport-neutral ViewerRequest from an
 * incoming request and writes the finished response back, streaming with backpressure.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { EdgeRuntime, HttpVersion, ViewerRequest } from './exchange.js';
import { Exchange } from './exchange.js';
import { runExchange, type ViewerSink } from './lifecycle.js';
import { destroyBody } from './phases/origin-response.js';

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

export function handleNodeRequest(runtime: EdgeRuntime, req: AnyRequest, res: AnyResponse): void {
  const exchange = new Exchange(runtime, viewerRequestFrom(req));
  try {
    runExchange(exchange, nodeSink(res))?.catch((err) => res.destroy(err));
  } catch (err) {
    // Only a broken viewer connection ends up here; the lifecycle already answered errors.
    res.destroy(err as Error);
  }
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
  const isHttp2 = req.httpVersionMajor === 2;
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
