/**
 * Public keys and key groups for signed URLs and cookies (reference/distribution.md §10): each
 * key parsed once into a `KeyObject`, each behavior's trusted key groups flattened into one
 * `Key-Pair-Id → key` map, so the viewer path only looks a key up and verifies.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { CacheBehaviorConfig } from '../model/cloudfront.js';
import type { KeyGroupModel, PublicKeyModel } from '../model/types.js';
import type { ParsedConfig } from './parse.js';
import type { Registry } from './validate/registry.js';

/** Why CloudFront would refuse this `EncodedKey` (RSA 2048 or ECDSA P-256 PEM), or undefined. */
export function publicKeyProblem(pem: string): string | undefined {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    return 'EncodedKey is not a PEM public key that can be read';
  }
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa' && details.modulusLength === 2048) return undefined;
  if (type === 'ec' && details.namedCurve === 'prime256v1') return undefined;
  const what =
    type === 'rsa'
      ? `an RSA ${details.modulusLength}-bit key`
      : type === 'ec'
        ? `an EC key on ${details.namedCurve}`
        : `a ${type} key`;
  return `EncodedKey is ${what}; CloudFront takes RSA 2048-bit or ECDSA P-256 keys`;
}

function publicKeyModel(Id: string, Name: string, pem: string): PublicKeyModel {
  const key = createPublicKey({ key: pem, format: 'pem' });
  return {
    Id,
    Name,
    keyType: key.asymmetricKeyType === 'ec' ? 'ec' : 'rsa',
    // RSA: PKCS#1 v1.5; EC: a DER-encoded ECDSA signature (Node's defaults for each key type).
    verify: (hash, data, signature) => {
      try {
        return verify(hash, data, key, signature);
      } catch {
        return false; // a signature OpenSSL cannot even read verifies nothing
      }
    },
  };
}

/** Every key group by Id, with its public keys (referenced by Id or Name) resolved. */
export function keyGroupModels(parsed: ParsedConfig, r: Registry): Map<string, KeyGroupModel> {
  const keys = new Map<string, PublicKeyModel>();
  for (const { entry, config } of parsed.publicKeys)
    keys.set(entry.id, publicKeyModel(entry.id, config!.Name, config!.EncodedKey));
  const groups = new Map<string, KeyGroupModel>();
  for (const { entry, config } of parsed.keyGroups) {
    const publicKeys = new Map<string, PublicKeyModel>();
    for (const ref of config!.Items) {
      const key = keys.get(r.publicKeys.resolve(ref) as string) as PublicKeyModel;
      publicKeys.set(key.Id, key);
    }
    groups.set(entry.id, { Id: entry.id, Name: config!.Name, publicKeys });
  }
  return groups;
}

/**
 * The keys a behavior trusts, or undefined when it does not require signed requests. Legacy
 * TrustedSigners require signing but contribute no key: their CloudFront key pairs belong to
 * the AWS account and cannot be known locally, so such requests are refused (fail closed).
 */
export function trustedKeysOf(
  config: CacheBehaviorConfig,
  groups: ReadonlyMap<string, KeyGroupModel>,
): Map<string, PublicKeyModel> | undefined {
  if (!config.TrustedKeyGroups?.length && !config.TrustedSigners?.length) return undefined;
  const trusted = new Map<string, PublicKeyModel>();
  for (const id of config.TrustedKeyGroups ?? [])
    for (const [keyId, key] of groups.get(id)?.publicKeys ?? []) trusted.set(keyId, key);
  return trusted;
}
