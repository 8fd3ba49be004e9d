/**
 * Requests signed by the AWS SDK's own signers (@smithy/signature-v4, @aws-sdk/signature-v4a),
 * turned into what the control API's server sees on the wire: the oracle for verifyRequest.
 */
import assert from 'node:assert/strict';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4a } from '@aws-sdk/signature-v4a';
import { buildQueryString, extendedEncodeURIComponent } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, HttpRequest, SourceData } from '@smithy/types';
import type {
  SignedRequest,
  SigningCredentials,
  VerifyOptions,
} from '../../../src/control/auth/verify-request.js';
import { ApiError, type ApiErrorCode } from '../../../src/errors.js';

/** SHA-256 / HMAC-SHA256 over node:crypto in the SDK's Checksum shape. */
export class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(this.secret));
  }
}

function toBytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** 2024-05-01T12:00:00Z: the signing date of every request here; `now` moves around it. */
export const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
export const CREDENTIALS: SigningCredentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
export const KVS_ARN =
  'arn:aws:cloudfront::123456789012:key-value-store/0f2c5a7e-6a3b-4b1e-9d7e-2f4c8a1b3c5d';
/** A KVS data-plane path as the KeyValueStore client builds it: each label one encoded segment. */
export const kvsPath = (...rest: string[]): string =>
  ['/key-value-stores', extendedEncodeURIComponent(KVS_ARN), ...rest].join('/');

export interface Unsigned {
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string;
}

const HOST = { cloudfront: 'cloudfront.amazonaws.com', kvs: '123456789012.cloudfront-kvs.global.api.aws' };

function httpRequest(unsigned: Unsigned, hostname: string): HttpRequest {
  return {
    method: unsigned.method,
    protocol: 'https:',
    hostname,
    path: unsigned.path,
    query: unsigned.query ?? {},
    // The SDK's host-header middleware runs before signing; the signer only signs what is there.
    headers: { host: hostname, ...unsigned.headers },
    body: unsigned.body,
  };
}

/** What node:http would hand the server for this SDK request. */
export function onTheWire(request: HttpRequest): SignedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  return {
    method: request.method,
    path: request.path,
    query: buildQueryString(request.query ?? {}),
    headers,
    body: Buffer.from(request.body ?? '', 'utf8'),
  };
}

export interface SignerOptions {
  credentials?: SigningCredentials;
  region?: string;
  /** false: sign the path as it is (S3-style) instead of encoding it again. */
  uriEscapePath?: boolean;
  /** false: no x-amz-content-sha256 header. */
  applyChecksum?: boolean;
}

export function sigV4Signer({
  credentials = CREDENTIALS,
  region = 'us-east-1',
  ...rest
}: SignerOptions = {}) {
  return new SignatureV4({ service: 'cloudfront', region, credentials, sha256: NodeSha256, ...rest });
}

export function sigV4aSigner({ credentials = CREDENTIALS, region = '*' }: SignerOptions = {}): SignatureV4a {
  return new SignatureV4a({ service: 'cloudfront-keyvaluestore', region, credentials, sha256: NodeSha256 });
}

export async function signV4(unsigned: Unsigned, signer = sigV4Signer()): Promise<SignedRequest> {
  return onTheWire(await signer.sign(httpRequest(unsigned, HOST.cloudfront), { signingDate: new Date(T0) }));
}

export async function signV4a(unsigned: Unsigned, signer = sigV4aSigner()): Promise<SignedRequest> {
  return onTheWire(await signer.sign(httpRequest(unsigned, HOST.kvs), { signingDate: new Date(T0) }));
}

export async function presignV4(unsigned: Unsigned, expiresIn: number): Promise<SignedRequest> {
  const request = httpRequest(unsigned, HOST.cloudfront);
  return onTheWire(await sigV4Signer().presign(request, { signingDate: new Date(T0), expiresIn }));
}

/**
 * SignatureV4a has no presign(), so the presigned URL is assembled the way SignatureV4.presign
 * does it and the SDK signs it: the X-Amz-* parameters go in the query, the generated headers
 * are kept out of SignedHeaders, and the Authorization header's signature moves to the query.
 * `unsignedPayload` sets the x-amz-content-sha256 the SDK then uses as the payload hash.
 */
export async function presignV4a(
  unsigned: Unsigned,
  expiresIn: number,
  unsignedPayload = false,
): Promise<SignedRequest> {
  const longDate = new Date(T0).toISOString().replace(/[-:]|\.\d{3}/g, '');
  const query = {
    ...unsigned.query,
    'X-Amz-Algorithm': 'AWS4-ECDSA-P256-SHA256',
    'X-Amz-Credential': `${CREDENTIALS.accessKeyId}/${longDate.slice(0, 8)}/cloudfront-keyvaluestore/aws4_request`,
    'X-Amz-Date': longDate,
    'X-Amz-Expires': String(expiresIn),
    'X-Amz-Region-Set': '*',
    'X-Amz-SignedHeaders': 'host',
  };
  const headers: Record<string, string> = unsignedPayload
    ? { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' }
    : {};
  const request = httpRequest({ ...unsigned, query, headers }, HOST.kvs);
  const signed = await sigV4aSigner().sign(request, {
    signingDate: new Date(T0),
    unsignableHeaders: new Set(['x-amz-date', 'x-amz-region-set', 'x-amz-content-sha256']),
  });
  const match = /SignedHeaders=([^,]*), Signature=([0-9a-f]+)$/.exec(signed.headers.authorization);
  assert.ok(match, signed.headers.authorization);
  assert.equal(match[1], 'host');
  return onTheWire({
    ...request,
    headers: { host: HOST.kvs },
    query: { ...query, 'X-Amz-Signature': match[2] },
  });
}

export function options(
  service: VerifyOptions['service'],
  now = T0,
  credentials: SigningCredentials[] = [CREDENTIALS],
): VerifyOptions {
  return { service, now, credentials: (id) => credentials.find((c) => c.accessKeyId === id) };
}

/** Runs `fn` and expects an ApiError with this code (and a message matching `message`). */
export function assertApiError(fn: () => unknown, code: ApiErrorCode, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${err}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}
