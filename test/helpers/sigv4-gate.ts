/**
 * A SigV4-verifying gate for the OAC tests: what S3 or a Lambda function URL does with a signed
 * request, in front of a peer that checks nothing (s3rver does not verify SigV4 signatures).
 * Written on the independent `aws4` package, never on `@smithy/signature-v4` (the signer
 * edgefront uses), so a signature only passes when two implementations agree on it.
 *
 * The gate recomputes each signature with the one known secret and refuses, with the service's
 * own error codes: an unknown access key, a scope for another region or service, an x-amz-date
 * more than 15 minutes off, a missing or wrong session token, an `x-amz-*` header left out of
 * the signature (S3), a body that does not match its x-amz-content-sha256, UNSIGNED-PAYLOAD to
 * Lambda, and a signature that does not match. Verified requests go on to the upstream (their
 * Authorization removed, as S3's storage layer never sees it) or to a handler.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import aws4 from 'aws4';

export interface GateCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface GateRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface GateAnswer {
  readonly status: number;
  readonly headers?: OutgoingHttpHeaders;
  readonly body?: string | Buffer;
}

export interface GateOptions {
  readonly service: 's3' | 'lambda';
  readonly region: string;
  readonly credentials: GateCredentials;
  /** Verified requests are proxied to this URL (s3rver), or answered by this handler. */
  readonly upstream: string | ((request: GateRequest) => GateAnswer | Promise<GateAnswer>);
  /** Requests with no Authorization: refused (a private bucket, IAM-auth function URL) or passed on. */
  readonly anonymous?: 'deny' | 'allow';
}

export interface GateRecord extends GateRequest {
  /** `signed`: verified; `anonymous`: no Authorization, passed on; `refused`: answered with `code`. */
  readonly verdict: 'signed' | 'anonymous' | 'refused';
  readonly code?: string;
  /** The SignedHeaders list of a well-formed Authorization header. */
  readonly signedHeaders?: readonly string[];
}

export interface SigV4Gate {
  readonly url: string;
  readonly port: number;
  readonly requests: GateRecord[];
  close(): Promise<void>;
}

type Verdict =
  | { ok: true; signedHeaders?: string[] }
  | { ok: false; status: number; code: string; message: string; signedHeaders?: string[] };

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const MAX_SKEW_MS = 15 * 60 * 1000;

const refuse = (status: number, code: string, message: string, signedHeaders?: string[]): Verdict => ({
  ok: false,
  status,
  code,
  message,
  signedHeaders,
});

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your key and signing method.';

/** Verifies one request as the gate does; exported for unit tests. */
export function verifySigV4(
  request: GateRequest,
  options: Omit<GateOptions, 'upstream'>,
  now = Date.now(),
): Verdict {
  const { service, region, credentials } = options;
  const authorization = header(request.headers, 'authorization');
  if (authorization === undefined) {
    return options.anonymous === 'allow'
      ? { ok: true }
      : refuse(403, 'AccessDenied', 'Access Denied (anonymous requests are not allowed)');
  }
  const m = AUTHORIZATION.exec(authorization);
  if (!m) return refuse(400, 'AuthorizationHeaderMalformed', 'The authorization header is malformed.');
  const [, accessKeyId, scopeDate, scopeRegion, scopeService, signedList, signature] = m;
  const signed = signedList.split(';');
  const no = (status: number, code: string, message: string) => refuse(status, code, message, signed);
  const amzDate = header(request.headers, 'x-amz-date') ?? '';
  const d = AMZ_DATE.exec(amzDate);
  const token = header(request.headers, 'x-amz-security-token');
  const declared = header(request.headers, 'x-amz-content-sha256');
  const actual = createHash('sha256').update(request.body).digest('hex');
  const unsignedAmz = Object.keys(request.headers).filter(
    (n) => n.startsWith('x-amz-') && !signed.includes(n),
  );

  if (accessKeyId !== credentials.accessKeyId) return no(403, 'InvalidAccessKeyId', 'Unknown access key.');
  if (scopeRegion !== region || scopeService !== service)
    return no(
      400,
      'AuthorizationHeaderMalformed',
      `scope ${scopeRegion}/${scopeService}, not ${region}/${service}`,
    );
  if (!d || !signed.includes('x-amz-date') || !signed.includes('host'))
    return no(403, 'AccessDenied', 'host and x-amz-date must be signed');
  if (Math.abs(now - Date.UTC(+d[1], +d[2] - 1, +d[3], +d[4], +d[5], +d[6])) > MAX_SKEW_MS)
    return no(403, 'RequestTimeTooSkewed', 'The request time is too far from the current time.');
  if (amzDate.slice(0, 8) !== scopeDate)
    return no(403, 'SignatureDoesNotMatch', 'scope date is not x-amz-date');
  if (token !== credentials.sessionToken || (token !== undefined && !signed.includes('x-amz-security-token')))
    return no(403, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
  if (service === 's3' && unsignedAmz.length)
    return no(403, 'AccessDenied', `headers present but not signed: ${unsignedAmz.join(', ')}`);
  if (service === 's3' && declared === undefined)
    return no(400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256');
  if (service === 'lambda' && declared === 'UNSIGNED-PAYLOAD')
    return no(403, 'InvalidSignatureException', 'Lambda does not accept unsigned payloads.');
  if (declared !== undefined && declared !== 'UNSIGNED-PAYLOAD' && declared !== actual)
    return no(400, 'XAmzContentSHA256Mismatch', "x-amz-content-sha256 does not match the body's hash.");

  const headers: Record<string, string> = {};
  for (const name of signed) {
    const value = header(request.headers, name);
    if (value === undefined) return no(403, 'SignatureDoesNotMatch', `signed header ${name} is missing`);
    headers[name] = value;
  }
  const signer = new aws4.RequestSigner(
    {
      service,
      region,
      method: request.method,
      host: headers.host,
      path: request.url,
      headers,
      body: declared === undefined ? request.body : undefined,
      doNotModifyHeaders: true,
    },
    credentials,
  );
  signer.datetime = amzDate; // with doNotModifyHeaders aws4 would otherwise take the clock's time
  const expected = Buffer.from(signer.signature());
  if (signer.signedHeaders() !== signedList || !timingSafeEqual(expected, Buffer.from(signature)))
    return no(403, 'SignatureDoesNotMatch', MISMATCH);
  return { ok: true, signedHeaders: signed };
}

function errorAnswer(service: GateOptions['service'], verdict: Extract<Verdict, { ok: false }>): GateAnswer {
  if (service === 'lambda') {
    return {
      status: verdict.status === 400 ? 403 : verdict.status,
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': verdict.code },
      body: JSON.stringify({ Message: verdict.message }),
    };
  }
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  return {
    status: verdict.status,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${verdict.code}</Code><Message>${verdict.message}</Message><RequestId>${requestId}</RequestId></Error>`,
  };
}

/** The verified request on to `upstream` (no keep-alive, so the upstream can close promptly). */
function proxy(upstream: string, request: GateRequest): Promise<GateAnswer> {
  const target = new URL(upstream);
  const headers: OutgoingHttpHeaders = { ...request.headers, host: target.host };
  delete headers.authorization;
  delete headers.connection;
  return new Promise((resolve, reject) => {
    const out = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const answerHeaders: OutgoingHttpHeaders = { ...res.headers };
          delete answerHeaders.connection;
          delete answerHeaders['keep-alive'];
          delete answerHeaders['transfer-encoding'];
          resolve({ status: res.statusCode ?? 502, headers: answerHeaders, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(request.body);
  });
}

export async function startSigV4Gate(options: GateOptions): Promise<SigV4Gate> {
  const requests: GateRecord[] = [];
  const sockets = new Set<Socket>();
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request: GateRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    const verdict = verifySigV4(request, options);
    let answer: GateAnswer;
    if (verdict.ok) {
      const signed = header(req.headers, 'authorization') !== undefined;
      requests.push({
        ...request,
        verdict: signed ? 'signed' : 'anonymous',
        signedHeaders: verdict.signedHeaders,
      });
      try {
        answer =
          typeof options.upstream === 'string'
            ? await proxy(options.upstream, request)
            : await options.upstream(request);
      } catch (err) {
        answer = { status: 502, body: String(err) };
      }
    } else {
      requests.push({
        ...request,
        verdict: 'refused',
        code: verdict.code,
        signedHeaders: verdict.signedHeaders,
      });
      answer = errorAnswer(options.service, verdict);
    }
    const body = request.method === 'HEAD' ? undefined : answer.body;
    res.writeHead(answer.status, answer.headers);
    res.end(body);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/**
 * The environment that gives `edgefront serve` these credentials through the SDK's default chain
 * (its first provider); AWS_PROFILE is cleared because it makes the chain skip the environment.
 */
export function awsEnv(credentials: GateCredentials): NodeJS.ProcessEnv {
  return {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    AWS_PROFILE: undefined,
  };
}
