/**
 * CloudFront API requests the SDK would never send (hostile bodies, stale dates, no signature),
 * signed by the SDK's own SigV4 signer (@smithy/signature-v4) and sent over plain node:http, and
 * the check that an error answer is CloudFront's `ErrorResponse` with a code edgefront knows.
 */
import assert from 'node:assert/strict';
import { type Agent, type IncomingHttpHeaders, request } from 'node:http';
import type { HttpRequest } from '@smithy/types';
import { XMLParser } from 'fast-xml-parser';
import { API_ERRORS } from '../../src/errors.js';
import { sigV4Signer } from '../unit/control/signing.js';
import { TEST_CREDENTIALS } from './control-api.js';

export interface ApiCall {
  method: string;
  /** The path as sent, e.g. `/2020-05-31/distribution`. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface ApiAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SigningOptions {
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Default: now. */
  signingDate?: Date;
}

/** The headers the SDK would send for `call` to `admin`: host, x-amz-date, content hash, Authorization. */
export async function signedHeaders(
  admin: URL,
  call: ApiCall,
  { credentials = TEST_CREDENTIALS, signingDate = new Date() }: SigningOptions = {},
): Promise<Record<string, string>> {
  const unsigned: HttpRequest = {
    method: call.method,
    protocol: 'http:',
    hostname: admin.hostname,
    port: Number(admin.port),
    path: call.path,
    query: call.query ?? {},
    headers: { host: admin.host, ...call.headers },
    body: call.body,
  };
  const signed = await sigV4Signer({ credentials }).sign(unsigned, { signingDate });
  return signed.headers;
}

/** Sends `call` with exactly `headers` (none added but content-length) and reads the whole answer. */
export function sendApiCall(
  admin: URL,
  call: ApiCall,
  headers: Record<string, string>,
  agent?: Agent,
): Promise<ApiAnswer> {
  const query = new URLSearchParams(call.query ?? {}).toString();
  const url = new URL(`${call.path}${query ? `?${query}` : ''}`, admin);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: call.method, headers, agent: agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    // A server that never answers is a finding, not a hung test run.
    req.setTimeout(30_000, () =>
      req.destroy(new Error(`no answer to ${call.method} ${call.path} within 30 s`)),
    );
    req.end(call.body);
  });
}

/** Signs `call` (now, with the test keys unless told otherwise) and sends it. */
export async function signedApiCall(
  admin: URL,
  call: ApiCall,
  options: SigningOptions & { agent?: Agent } = {},
): Promise<ApiAnswer> {
  return sendApiCall(admin, call, await signedHeaders(admin, call, options), options.agent);
}

const errorParser = new XMLParser({ parseTagValue: false });

/**
 * The `Code` of an error answer, after checking it is what the SDK parses: text/xml,
 * `<ErrorResponse xmlns="…2020-05-31/"><Error><Type/><Code/><Message/></Error><RequestId/>`,
 * the request id also in `x-amzn-RequestId`, a code of API_ERRORS answered with its status.
 */
export function errorCodeOf(answer: ApiAnswer): string {
  const where = `${answer.status} ${answer.body.slice(0, 300)}`;
  assert.match(String(answer.headers['content-type']), /^text\/xml/, where);
  assert.match(
    answer.body,
    /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<ErrorResponse xmlns="http:\/\/cloudfront\.amazonaws\.com\/doc\/2020-05-31\/">/,
    where,
  );
  const doc = errorParser.parse(answer.body) as {
    ErrorResponse?: { Error?: { Type?: string; Code?: string; Message?: string }; RequestId?: string };
  };
  const error = doc.ErrorResponse?.Error;
  const code = String(error?.Code);
  assert.ok(Object.hasOwn(API_ERRORS, code), `unknown error code ${code}: ${where}`);
  assert.equal(API_ERRORS[code as keyof typeof API_ERRORS], answer.status, where);
  assert.equal(error?.Type, answer.status >= 500 ? 'Receiver' : 'Sender', where);
  assert.equal(typeof error?.Message, 'string', where);
  assert.equal(doc.ErrorResponse?.RequestId, answer.headers['x-amzn-requestid'], where);
  return code;
}
