/**
 * Whether a signed URL or cookie grants the request (distribution.md §10), in the order the
 * reference suggests, each failure with CloudFront's code: no key id → MissingKey; a key no
 * trusted group holds → InvalidKey; a signature that is not base64 → MalformedSignature; no
 * readable policy → MalformedPolicy; then a signature that does not verify, an expired or not
 * yet valid policy, another IP address or a Resource that does not match → AccessDenied. Time
 * and address are checked when the request arrives (a download that outlives the policy ends).
 */
import type { PublicKeyModel } from '../../model/types.js';
import { cannedPolicy, customPolicy, type PolicyStatement } from './policy.js';
import { matchesResource } from './resource.js';
import type { SigningValues } from './signing-values.js';
import { decodeUrlSafeBase64 } from './url-safe-base64.js';

export type SignedUrlRefusal =
  | 'SignedUrlMissingKey'
  | 'SignedUrlInvalidKey'
  | 'SignedUrlMalformedSignature'
  | 'SignedUrlMalformedPolicy'
  | 'SignedUrlAccessDenied';

export interface SignedRequest {
  readonly values: SigningValues;
  /** Key-Pair-Id → key, every key of the behavior's trusted key groups. */
  readonly trustedKeys: ReadonlyMap<string, PublicKeyModel>;
  /** `scheme://host/path[?query]` as requested, without the reserved query parameters. */
  readonly url: string;
  readonly clientIp: string;
  readonly nowMs: number;
}

/** Undefined when the request is granted; else why not, as an EDGE_ERRORS code. */
export function refusalOf(req: SignedRequest): SignedUrlRefusal | undefined {
  const { values } = req;
  if (!values.keyPairId) return 'SignedUrlMissingKey';
  const key = req.trustedKeys.get(values.keyPairId);
  if (!key) return 'SignedUrlInvalidKey';
  const signature = values.signature ? decodeUrlSafeBase64(values.signature) : undefined;
  if (!signature) return 'SignedUrlMalformedSignature';
  // A custom policy wins when both are sent; with neither there is no policy to read.
  const policy =
    values.policy !== undefined
      ? customPolicy(values.policy)
      : values.expires !== undefined
        ? cannedPolicy(req.url, values.expires)
        : undefined;
  if (!policy) return 'SignedUrlMalformedPolicy';
  const hash = HASHES.get(values.hashAlgorithm ?? 'SHA1');
  // The signature first: only a trusted signer's Resource pattern is ever matched.
  if (!hash || !key.verify(hash, policy.signed, signature) || !grants(policy.statement, req))
    return 'SignedUrlAccessDenied';
  return undefined;
}

/** `Hash-Algorithm`: absent means SHA-1; RSA keys sign PKCS#1 v1.5, EC keys ECDSA, over either. */
const HASHES: ReadonlyMap<string, 'sha1' | 'sha256'> = new Map([
  ['SHA1', 'sha1'],
  ['SHA256', 'sha256'],
]);

function grants(statement: PolicyStatement, req: SignedRequest): boolean {
  // Whole seconds, as the policy counts: denied from DateLessThan on, and on or before DateGreaterThan.
  const now = Math.floor(req.nowMs / 1000);
  if (now >= statement.dateLessThan) return false;
  if (statement.dateGreaterThan !== undefined && now <= statement.dateGreaterThan) return false;
  if (statement.sourceIp && !statement.sourceIp(req.clientIp)) return false;
  return statement.resource === undefined || matchesResource(statement.resource, req.url);
}
