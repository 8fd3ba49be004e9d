/**
 * The admin port's API front door (DESIGN.md "Control plane"): reads the body within a size
 * limit, verifies the signature, routes the CloudFront REST API (XML) and the KeyValueStore
 * data-plane API (JSON), and renders results and errors exactly as the SDKs expect them.
 * Errors are caught here, once (STYLE.md §4); internal failures never show their text.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, KvsApiError } from '../errors.js';
import type { ControlPlane } from './control-plane.js';
import { type ApiRequest, type ApiResponse, matchRoute, type Route } from './router.js';
import { errorXml, toXml } from './xml/codec.js';

/** Large enough for UpdateKeys' 3 MB payload and any distribution config; beyond it, 413. */
export const MAX_API_BODY_BYTES = 4 * 1024 * 1024;

/** The request as signature verification sees it (src/control/auth). */
export interface RawApiRequest {
  method: string;
  path: string;
  query: string;
  /** Lowercase names; a repeated header keeps its values apart (signature verification joins them). */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface ApiHandlerOptions {
  routes: readonly Route[];
  /** Throws ApiError when the request is not signed by a configured key; absent: no checks (loopback dev mode). */
  verify?: (request: RawApiRequest, service: 'cloudfront' | 'cloudfront-keyvaluestore') => void;
  /** The KeyValueStore data plane (`/key-value-stores/…`), JSON. */
  kvs?: (cp: ControlPlane, request: RawApiRequest) => Promise<KvsResponse>;
  maxBodyBytes?: number;
}

export interface KvsResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const KVS_PATH_PREFIX = '/key-value-stores';

/** node joins repeated headers with ', '; signatures need them apart (joined with ','). */
function distinctHeaders(req: IncomingMessage): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values) out[name] = values.length === 1 ? values[0] : values;
  }
  return out;
}

/**
 * The whole body, or RequestEntityTooLarge as soon as it is known to pass `limit` (declared, or
 * counted for a chunked body): nothing more is kept, and the 413 goes out at once.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = () => {
      discardRest(req, limit);
      reject(new ApiError('RequestEntityTooLarge', `the request body is over ${limit} bytes`));
    };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        tooLarge();
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Reads and drops the rest of a refused body so that the client, still sending, reads the 413
 * (closing with unread bytes would reset the connection under the answer); past `budgetBytes`
 * more, the connection is cut.
 */
function discardRest(req: IncomingMessage, budgetBytes: number): void {
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > budgetBytes) req.socket.destroy();
  });
  req.resume();
}

function sendXml(res: ServerResponse, requestId: string, answer: ApiResponse): void {
  const headers: Record<string, string> = { 'x-amzn-RequestId': requestId, ...answer.headers };
  let data: Buffer | string = '';
  if (answer.raw) {
    headers['content-type'] = answer.raw.contentType;
    data = answer.raw.data;
  } else if (answer.root && answer.body) {
    headers['content-type'] = 'text/xml';
    data = toXml(answer.root, answer.body);
  }
  headers['content-length'] = String(Buffer.byteLength(data));
  res.writeHead(answer.status, headers);
  res.end(data);
}

/** An error message quotes what was sent; past this many characters it is cut (never a body echoed back). */
const MAX_ERROR_MESSAGE = 4096;

function sendApiError(res: ServerResponse, requestId: string, err: ApiError): void {
  const message =
    err.message.length > MAX_ERROR_MESSAGE ? `${err.message.slice(0, MAX_ERROR_MESSAGE)}…` : err.message;
  const body = errorXml(err.faultType, err.code, message, requestId);
  res.writeHead(err.status, {
    'content-type': 'text/xml',
    'x-amzn-RequestId': requestId,
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/** rest-json errors: the code in `x-amzn-ErrorType`, the message in the body. */
function sendKvsError(res: ServerResponse, requestId: string, err: KvsApiError): void {
  const body = JSON.stringify({ Message: err.message });
  res.writeHead(err.status, {
    'content-type': 'application/json',
    'x-amzn-RequestId': requestId,
    'x-amzn-ErrorType': err.code,
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/** Signature failures on the KVS data plane are AccessDeniedException, as AWS answers them there. */
function asKvsError(err: unknown): KvsApiError | undefined {
  if (err instanceof KvsApiError) return err;
  if (err instanceof ApiError) {
    if (err.status === 403) return new KvsApiError('AccessDeniedException', err.message);
    if (err.code === 'RequestEntityTooLarge') return new KvsApiError('ValidationException', err.message);
    if (err.code === 'ServiceUnavailable')
      return new KvsApiError('InternalServerException', err.message, { status: 503 });
  }
  return undefined;
}

export function createApiHandler(
  cp: ControlPlane,
  options: ApiHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const limit = options.maxBodyBytes ?? MAX_API_BODY_BYTES;
  return (req, res) => {
    const requestId = randomUUID();
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    const query = q < 0 ? '' : target.slice(q + 1);
    const isKvs = path.startsWith(KVS_PATH_PREFIX);
    const run = async () => {
      const body = await readBody(req, limit);
      const raw: RawApiRequest = {
        method: req.method ?? 'GET',
        path,
        query,
        headers: distinctHeaders(req),
        body,
      };
      if (isKvs) {
        if (!options.kvs)
          throw new KvsApiError('ValidationException', 'the KeyValueStore API is not enabled');
        options.verify?.(raw, 'cloudfront-keyvaluestore');
        await cp.cluster?.refresh();
        const answer = await options.kvs(cp, raw);
        const data = answer.body === undefined ? '' : JSON.stringify(answer.body);
        res.writeHead(answer.status, {
          'content-type': 'application/json',
          'x-amzn-RequestId': requestId,
          'content-length': String(Buffer.byteLength(data)),
          ...answer.headers,
        });
        res.end(data);
        return;
      }
      options.verify?.(raw, 'cloudfront');
      // Cluster mode: see what other nodes stored and which nodes serve what before answering.
      await cp.cluster?.refresh();
      const params = new URLSearchParams(query);
      const { route, params: pathParams } = matchRoute(options.routes, raw.method, path, params);
      const host = req.headers.host ?? `${req.socket.localAddress}:${req.socket.localPort}`;
      const request: ApiRequest = {
        method: raw.method,
        params: pathParams,
        query: params,
        headers: req.headers,
        body,
        base: `http://${host}`,
      };
      sendXml(res, requestId, await route.handle(cp, request));
    };
    run().catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const kvsError = isKvs ? asKvsError(err) : undefined;
      if (kvsError) return sendKvsError(res, requestId, kvsError);
      if (err instanceof ApiError) return sendApiError(res, requestId, err);
      process.stderr.write(
        `edgefront: control API ${req.method} ${path} failed (request ${requestId}): ${(err as Error)?.stack ?? String(err)}\n`,
      );
      if (isKvs)
        return sendKvsError(res, requestId, new KvsApiError('InternalServerException', 'internal error'));
      sendApiError(
        res,
        requestId,
        new ApiError('InternalError', 'CloudFront encountered an internal error. Please try again.'),
      );
    });
  };
}
