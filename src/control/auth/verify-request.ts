/**
 * Server-side verification of AWS request signatures for the control-plane API: SigV4 for
 * CloudFront (reference/control-api.md §4.2), SigV4A for KeyValueStore (§4.3), in both the
 * Authorization-header and the presigned-URL form. The verifier rebuilds the canonical request
 * (§4.1) and either recomputes the HMAC or verifies the ECDSA signature; it throws `ApiError`
 * with AWS's own codes.
 */
import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../../errors.js';
import {
  canonicalHeaders,
  canonicalQueryString,
  canonicalRequest,
  canonicalUris,
  parseQuery,
  sha256Hex,
} from './canonical-request.js';
import {
  type Algorithm,
  formatAmzDate,
  readSignatureClaims,
  type SignatureClaims,
} from './signature-claims.js';
import { isSigV4aSignatureValid, sigV4aPublicKey } from './sigv4a-key.js';

export interface SignedRequest {
  method: string;
  /** The request target's path exactly as on the wire (percent-encoding kept), without the query. */
  path: string;
  /** The raw query string without '?', '' when none. */
  query: string;
  /**
   * Header names lowercase, as node:http's req.headers gives them (values may be string[] for
   * repeats: pass `req.headersDistinct` to keep them apart, since req.headers joins them with ', ').
   */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}
export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}
export interface VerifyOptions {
  /** 'cloudfront' (SigV4, region us-east-1) or 'cloudfront-keyvaluestore' (SigV4A, region set '*'). */
  service: 'cloudfront' | 'cloudfront-keyvaluestore';
  /** Looks up the secret for an access key id; undefined = unknown key. */
  credentials: (accessKeyId: string) => SigningCredentials | undefined;
  /** Current time in ms (injected clock). */
  now: number;
}

/** AWS's clock-skew allowance (§4.1), both directions. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/** Returns who signed the request, or throws the `ApiError` AWS would answer with. */
export function verifyRequest(
  req: SignedRequest,
  options: VerifyOptions,
): { accessKeyId: string; algorithm: Algorithm } {
  const query = parseQuery(req.query);
  const claims = readSignatureClaims(req.headers, query, options.service);
  checkRequestTime(claims, options.now);
  const credentials = options.credentials(claims.accessKeyId);
  if (credentials === undefined) {
    throw new ApiError('InvalidClientTokenId', 'The security token included in the request is invalid.');
  }
  const isSignedBy = signatureCheck(claims, credentials);
  const queryString = canonicalQueryString(query);
  const headerBlock = canonicalHeaders(req.headers, claims.signedHeaders);
  const hashes = payloadHashes(req, claims);
  // A handful of candidates at most (path encodings × payload conventions), tried in order of
  // likelihood; each is a full signature check, so none weakens another.
  for (const uri of canonicalUris(req.path)) {
    for (const payloadHash of hashes) {
      const request = canonicalRequest(
        req.method,
        uri,
        queryString,
        headerBlock,
        claims.signedHeadersLine,
        payloadHash,
      );
      const stringToSign = `${claims.algorithm}\n${claims.amzDate}\n${claims.scope}\n${sha256Hex(request)}`;
      if (isSignedBy(stringToSign)) return { accessKeyId: claims.accessKeyId, algorithm: claims.algorithm };
    }
  }
  throw signatureMismatch();
}

function signatureMismatch(message?: string): ApiError {
  return new ApiError(
    'SignatureDoesNotMatch',
    message ??
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
  );
}

/**
 * A signed request is good for 15 minutes either side of its date (§4.1); a presigned URL from
 * its date until X-Amz-Expires runs out, though never from further than 15 minutes ahead.
 */
function checkRequestTime(claims: SignatureClaims, now: number): void {
  const { amzDate, signedAtMs, expiresSeconds } = claims;
  if (signedAtMs - now > MAX_SKEW_MS) {
    const latest = formatAmzDate(now + MAX_SKEW_MS);
    throw new ApiError(
      'RequestExpired',
      `Signature not yet current: ${amzDate} is still later than ${latest} (${formatAmzDate(now)} + 15 min.)`,
    );
  }
  if (expiresSeconds !== undefined && now - signedAtMs > expiresSeconds * 1000) {
    throw new ApiError(
      'RequestExpired',
      `Request has expired: X-Amz-Date ${amzDate} plus X-Amz-Expires ${expiresSeconds} s is earlier than ${formatAmzDate(now)}.`,
    );
  }
  if (expiresSeconds === undefined && now - signedAtMs > MAX_SKEW_MS) {
    const earliest = formatAmzDate(now - MAX_SKEW_MS);
    throw new ApiError(
      'RequestExpired',
      `Signature expired: ${amzDate} is now earlier than ${earliest} (${formatAmzDate(now)} - 15 min.)`,
    );
  }
}

/**
 * The payload hash(es) the client may have signed (§4.1). A signed x-amz-content-sha256 is the
 * hash, so it is held against the body here: otherwise the signature would cover a claim about
 * the body, not the body. Without it, the header form signs the body's own hash; a presigned
 * URL signs `UNSIGNED-PAYLOAD` (botocore, and AWS's documentation) or the body's hash (the JS
 * SDK's SignatureV4.presign hashes the body it is given, empty for a GET), so both are tried.
 */
function payloadHashes(req: SignedRequest, claims: SignatureClaims): string[] {
  if (claims.signedHeaders.includes('x-amz-content-sha256')) {
    const declared = String(req.headers['x-amz-content-sha256'] ?? '');
    // Deviation from AWS: only plain bodies; aws-chunked streaming payloads are not decoded.
    if (declared === UNSIGNED_PAYLOAD) return [declared];
    if (!/^[0-9a-fA-F]{64}$/.test(declared)) {
      throw new ApiError(
        'IncompleteSignature',
        `x-amz-content-sha256 must be the hex SHA-256 of the body or '${UNSIGNED_PAYLOAD}', not '${declared}'.`,
      );
    }
    if (declared.toLowerCase() !== sha256Hex(req.body)) {
      throw signatureMismatch("The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    return [declared];
  }
  const bodyHash = sha256Hex(req.body);
  return claims.expiresSeconds === undefined ? [bodyHash] : [UNSIGNED_PAYLOAD, bodyHash];
}

/** Whether a string to sign carries this request's signature under these credentials. */
function signatureCheck(
  claims: SignatureClaims,
  credentials: SigningCredentials,
): (stringToSign: string) => boolean {
  if (claims.algorithm === 'AWS4-ECDSA-P256-SHA256') {
    const key: KeyObject = sigV4aPublicKey(credentials.accessKeyId, credentials.secretAccessKey);
    return (stringToSign) => isSigV4aSignatureValid(key, stringToSign, claims.signatureHex);
  }
  const provided = /^[0-9a-fA-F]{64}$/.test(claims.signatureHex)
    ? Buffer.from(claims.signatureHex, 'hex')
    : undefined;
  if (provided === undefined) return () => false;
  const key = sigV4SigningKey(credentials.secretAccessKey, claims.scope);
  return (stringToSign) => timingSafeEqual(createHmac('sha256', key).update(stringToSign).digest(), provided);
}

/** kSigning = HMAC chain over the scope `<date>/<region>/<service>/aws4_request` (§4.2). */
function sigV4SigningKey(secretAccessKey: string, scope: string): Buffer {
  let key: Buffer | string = `AWS4${secretAccessKey}`;
  for (const part of scope.split('/')) key = createHmac('sha256', key).update(part).digest();
  return key as Buffer;
}
