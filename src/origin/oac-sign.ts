/**
 * Origin Access Control (reference/origins.md §3): CloudFront's SigV4 signature on requests to
 * an origin whose OriginAccessControlId names an OAC, made with the AWS SDK's own signer
 * (`@smithy/signature-v4`) and credentials from the SDK's default provider chain.
 *
 * | SigningBehavior | viewer's Authorization reaches the origin | no viewer Authorization |
 * |-----------------|-------------------------------------------|-------------------------|
 * | `always`        | replaced by edgefront's signature         | signed                  |
 * | `no-override`   | passed on as the viewer sent it, unsigned | signed                  |
 * | `never`         | passed on (forwarding rules apply)        | unsigned                |
 *
 * Whether a viewer's Authorization reaches the origin at all is the forwarding rules' decision
 * (origins.md §4.2, src/edge/origin-headers.ts): GET/HEAD only when the cache policy names it,
 * DELETE/PATCH/POST/PUT always.
 *
 * What is signed [undocumented by AWS; what the SDKs sign for S3]: `host` and every `x-amz-*`
 * header sent, which always includes `x-amz-date`, `x-amz-content-sha256` and `x-amz-cf-id`, and
 * `x-amz-security-token` with temporary credentials. S3 refuses a request carrying an `x-amz-*`
 * header that is not signed, so a viewer's `x-amz-meta-*` forwarded by policy is signed too.
 * Scope: the service is the OAC's OriginAccessControlOriginType (`s3`, `lambda`, `mediastore`,
 * `mediapackagev2`), the region comes from the origin's domain name.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { Readable } from 'node:stream';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, HttpRequest, SourceData } from '@smithy/types';
import { copyHeaders } from '../edge/copy-headers.js';
import { EdgeError } from '../errors.js';
import type { OriginAccessControlConfig } from '../model/cloudfront.js';
import type { OriginModel } from '../model/types.js';

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const EMPTY_PAYLOAD_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/**
 * The largest body edgefront buffers to hash: a Lambda function URL takes at most 6 MB
 * (6,291,456 bytes) per request, so a larger body could never be accepted there anyway.
 */
export const MAX_HASHED_BODY_BYTES = 6 * 1024 * 1024;

/** How requests to one origin are signed; no plan: they go unsigned. */
export interface OacPlan {
  readonly service: OriginAccessControlConfig['OriginAccessControlOriginType'];
  readonly region: string;
  readonly behavior: 'always' | 'no-override';
}

export type OriginAccessControls = ReadonlyMap<string, { readonly Config: OriginAccessControlConfig }>;

/** The signing plan for an origin: undefined without an OAC, or with SigningBehavior `never`. */
export function oacPlan(
  origin: OriginModel,
  controls: OriginAccessControls | undefined,
): OacPlan | undefined {
  const id = origin.config.OriginAccessControlId;
  const config = id ? controls?.get(id)?.Config : undefined;
  if (!config || config.SigningBehavior === 'never') return undefined;
  return {
    service: config.OriginAccessControlOriginType,
    region: signingRegion(origin),
    behavior: config.SigningBehavior,
  };
}

/** `bucket.s3.eu-west-1.amazonaws.com`, `id.lambda-url.eu-west-1.on.aws`, `x.data.mediastore.eu-west-1.amazonaws.com`. */
const REGION_IN_DOMAIN = /\.([a-z]{2}(?:-gov)?-[a-z]+-\d+)\./;

/** Region from the origin's domain name (origins.md §3); S3's global form and anything else: us-east-1. */
export function signingRegion(origin: OriginModel): string {
  return origin.region ?? REGION_IN_DOMAIN.exec(origin.config.DomainName.toLowerCase())?.[1] ?? 'us-east-1';
}

/** `no-override` leaves a request alone when the viewer's own Authorization goes to the origin. */
export function signsRequest(plan: OacPlan, headers: Readonly<Record<string, string>>): boolean {
  return plan.behavior === 'always' || headers.authorization === undefined;
}

/**
 * The x-amz-content-sha256 to sign with, or undefined when the body must be read and hashed.
 * A viewer's own value wins, as CloudFront signs with it (Lambda requires it for PUT/POST);
 * S3 accepts UNSIGNED-PAYLOAD, so bodies to S3 stream unread.
 */
export function payloadHashFor(
  plan: OacPlan,
  headers: Readonly<Record<string, string>>,
  hasBody: boolean,
): string | undefined {
  if (!hasBody) return EMPTY_PAYLOAD_SHA256;
  const declared = headers['x-amz-content-sha256'];
  if (declared !== undefined && /^[0-9a-f]{64}$/i.test(declared)) return declared.toLowerCase();
  return plan.service === 's3' ? UNSIGNED_PAYLOAD : undefined;
}

/** The request line as sent and as signed. */
export interface SigningTarget {
  /** Path and query as sent to the origin. */
  readonly sentPath: string;
  /** The path the signer canonicalises (S3: used as is; other services: encoded again by the signer). */
  readonly canonicalPath: string;
  /** Decoded query parameters; the signer encodes and sorts them. */
  readonly query: Record<string, string | string[]>;
}

/**
 * S3 canonicalises the *decoded* key, encoded once the RFC 3986 way, so the path is sent in that
 * very form (`+` is a literal plus in a path, `(` becomes `%28`, `%2F` a `/`): what S3 or any S3-compatible
 * verifier rebuilds is then byte for byte what was signed. Other services sign the wire path
 * encoded a second time, which the signer does; their path is sent unchanged. The query is sent
 * unchanged; its parameters are decoded with `+` as a space [undocumented; as AWS's verifiers and
 * the `aws4` package read it].
 */
export function signingTarget(target: string, service: OacPlan['service']): SigningTarget {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const rawQuery = q === -1 ? '' : target.slice(q + 1);
  const query = signingQuery(rawQuery);
  if (service !== 's3') return { sentPath: target, canonicalPath: path, query };
  // `%2F` is a slash to S3, as in the SDKs' encoding of keys.
  const s3Path = path.split('/').map(reencodeSegment).join('/').replace(/%2F/g, '/');
  return { sentPath: q === -1 ? s3Path : `${s3Path}?${rawQuery}`, canonicalPath: s3Path, query };
}

function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function reencodeSegment(segment: string): string {
  try {
    return rfc3986(decodeURIComponent(segment));
  } catch {
    return segment; // not valid percent-encoding: S3 answers 400 InvalidURI either way
  }
}

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function signingQuery(raw: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = Object.create(null);
  for (const part of raw.split('&')) {
    const eq = part.indexOf('=');
    const name = formDecode(eq === -1 ? part : part.slice(0, eq));
    if (name === '') continue; // AWS ignores empty parameter names
    const value = eq === -1 ? '' : formDecode(part.slice(eq + 1));
    const seen = query[name];
    query[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return query;
}

/**
 * What the signer needs: SHA-256 and HMAC-SHA256 from node:crypto, in the SDK's Hash shape
 * (`edgefront invalidate --tag` signs with it too).
 */
export class Sha256 {
  readonly #hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return this.#hash.digest();
  }
}

function toBytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

let defaultChain: Promise<AwsCredentialIdentityProvider> | undefined;

/**
 * The SDK's default chain (env, shared config and credentials files, SSO, process, web identity,
 * container and instance metadata), built once per process and loaded on first use. The chain
 * caches what it resolved and fetches new credentials before temporary ones expire.
 */
const defaultCredentials: AwsCredentialIdentityProvider = async (properties) => {
  defaultChain ??= import('@aws-sdk/credential-providers').then((sdk) => sdk.fromNodeProviderChain());
  return (await defaultChain)(properties);
};

export interface RequestToSign {
  readonly method: string;
  /** Path and query as they would be sent. */
  readonly path: string;
  /** Lowercase names; `host` is the Host that will be sent. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readable | Buffer | null;
}

export interface SignedRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  /** The body to send: the same stream, or the buffer that was read to hash it. */
  readonly body: Readable | Buffer | null;
}

export class OacSigner {
  /** S3 signs the path as it is; every other service encodes it again (SigV4's rule). */
  readonly #s3: SignatureV4;
  readonly #others: SignatureV4;

  constructor(credentials: AwsCredentialIdentityProvider = defaultCredentials) {
    const resolve: AwsCredentialIdentityProvider = async (properties) => {
      try {
        return await credentials(properties);
      } catch (err) {
        const reason = new Error(
          `OAC signing found no AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, …): ${(err as Error).message}`,
          { cause: err },
        );
        throw new EdgeError('Error', undefined, { cause: reason });
      }
    };
    const common = { credentials: resolve, region: 'us-east-1', service: 's3', sha256: Sha256 };
    this.#s3 = new SignatureV4({ ...common, uriEscapePath: false });
    this.#others = new SignatureV4({ ...common, uriEscapePath: true });
  }

  /** The request as it goes to the origin: signed, or unchanged when `no-override` lets the viewer's through. */
  async sign(request: RequestToSign, plan: OacPlan, signingDate = new Date()): Promise<SignedRequest> {
    if (!signsRequest(plan, request.headers)) return { ...request, headers: copyHeaders(request.headers) };
    const headers = copyHeaders(request.headers);
    // CloudFront's signature replaces whatever a viewer sent toward one of its own.
    delete headers.authorization;
    delete headers['x-amz-date'];
    delete headers['x-amz-security-token'];
    let body = request.body;
    let payloadHash = payloadHashFor(plan, headers, body !== null);
    if (payloadHash === undefined) {
      const bytes = await readToHash(body as Readable | Buffer);
      body = bytes;
      payloadHash = createHash('sha256').update(bytes).digest('hex');
    }
    headers['x-amz-content-sha256'] = payloadHash;

    const target = signingTarget(request.path, plan.service);
    const signedHeaders: Record<string, string> = {};
    for (const name in headers) {
      if (name === 'host' || name.startsWith('x-amz-')) signedHeaders[name] = headers[name];
    }
    const toSign: HttpRequest = {
      method: request.method,
      protocol: 'https:',
      hostname: headers.host ?? '',
      path: target.canonicalPath,
      query: target.query,
      headers: signedHeaders,
    };
    const signer = plan.service === 's3' ? this.#s3 : this.#others;
    const signed = await signer.sign(toSign, {
      signingDate,
      signingRegion: plan.region,
      signingService: plan.service,
    });
    for (const name of ['authorization', 'x-amz-date', 'x-amz-security-token']) {
      const value = signed.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    return { path: target.sentPath, headers, body };
  }
}

/**
 * Reads a body to hash it, up to MAX_HASHED_BODY_BYTES. The stream itself is never destroyed
 * (it is the viewer's connection): past the limit reading stops and the edge drains the rest.
 * Deviation from CloudFront: CloudFront signs with the viewer's x-amz-content-sha256 and never
 * hashes a body itself; edgefront hashes one when the viewer's value does not reach it.
 */
async function readToHash(body: Readable | Buffer): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body.iterator({ destroyOnReturn: false })) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += bytes.length;
    if (size > MAX_HASHED_BODY_BYTES)
      throw new EdgeError(
        'RequestTooLarge',
        `a body over ${MAX_HASHED_BODY_BYTES} bytes cannot be hashed for OAC signing; send x-amz-content-sha256`,
      );
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}
