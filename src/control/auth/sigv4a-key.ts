/**
 * The SigV4A key pair, derived from an access key's secret (reference/control-api.md §4.3).
 * ECDSA signatures are randomised, so the server cannot recompute one: it derives the same
 * P-256 key pair the client signed with and verifies against the public half.
 */
import { createECDH, createHmac, createPublicKey, type KeyObject, verify } from 'node:crypto';

/** The P-256 group order n, minus 2: the private scalar must land in [1, n-1]. */
const N_MINUS_2 = BigInt('0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC63254F');
const LABEL = Buffer.from('AWS4-ECDSA-P256-SHA256', 'utf8');
/** uint32_be(1): the KDF's own block counter; one 32-byte block is all the output needed. */
const BLOCK_ONE = Buffer.from([0, 0, 0, 1]);
/** uint32_be(256): the output length in bits. */
const OUTPUT_BITS = Buffer.from([0, 0, 1, 0]);
/** The SDK tries counters 1..253; counter 1 fails with probability ~2⁻³². */
const MAX_COUNTER = 253;

export interface SigV4aKeyPair {
  /** The private scalar d, 32 bytes big-endian. */
  privateScalar: Buffer;
  /** Uncompressed SEC1 point: 0x04 ‖ X ‖ Y. */
  publicPoint: Buffer;
}

/**
 * NIST SP 800-108 KDF in counter mode with HMAC-SHA256, plus the FIPS 186-4 B.4.2 candidate
 * test (§4.3): the first candidate k0 ≤ n-2 gives d = k0 + 1. (`≤` as aws-c-auth and the JS
 * SDK; the Go SDK uses `<`, which differs only when k0 is exactly n-2.)
 */
export function deriveSigV4aKeyPair(accessKeyId: string, secretAccessKey: string): SigV4aKeyPair {
  const inputKey = Buffer.from(`AWS4A${secretAccessKey}`, 'utf8');
  const accessKey = Buffer.from(accessKeyId, 'utf8');
  for (let counter = 1; counter <= MAX_COUNTER; counter++) {
    const fixedInput = Buffer.concat([LABEL, Buffer.of(0), accessKey, Buffer.of(counter), OUTPUT_BITS]);
    const k0 = createHmac('sha256', inputKey).update(BLOCK_ONE).update(fixedInput).digest();
    const candidate = BigInt(`0x${k0.toString('hex')}`);
    if (candidate > N_MINUS_2) continue;
    const privateScalar = Buffer.from((candidate + 1n).toString(16).padStart(64, '0'), 'hex');
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(privateScalar);
    return { privateScalar, publicPoint: ecdh.getPublicKey() };
  }
  throw new Error(`cannot derive a SigV4A key for ${accessKeyId}: no KDF counter gave a valid scalar`);
}

/**
 * Derived public keys, per access key id. Only keys the credentials lookup knows reach here,
 * so the map is bounded by the configured keys; the secret is kept alongside so a rotated
 * secret (config reload) derives afresh instead of verifying against the old key.
 */
const publicKeys = new Map<string, { secretAccessKey: string; key: KeyObject }>();

export function sigV4aPublicKey(accessKeyId: string, secretAccessKey: string): KeyObject {
  const cached = publicKeys.get(accessKeyId);
  if (cached?.secretAccessKey === secretAccessKey) return cached.key;
  const { publicPoint } = deriveSigV4aKeyPair(accessKeyId, secretAccessKey);
  const key = createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: publicPoint.subarray(1, 33).toString('base64url'),
      y: publicPoint.subarray(33, 65).toString('base64url'),
    },
    format: 'jwk',
  });
  publicKeys.set(accessKeyId, { secretAccessKey, key });
  return key;
}

/** DER ECDSA P-256 signatures are at most 72 bytes; anything else cannot be one. */
const SIGNATURE_HEX = /^(?:[0-9a-fA-F]{2}){8,72}$/;

/** Verifies the hex DER signature over SHA-256(stringToSign); a malformed one is simply false. */
export function isSigV4aSignatureValid(key: KeyObject, stringToSign: string, signatureHex: string): boolean {
  if (!SIGNATURE_HEX.test(signatureHex)) return false;
  try {
    const data = Buffer.from(stringToSign, 'utf8');
    return verify('sha256', data, { key, dsaEncoding: 'der' }, Buffer.from(signatureHex, 'hex'));
  } catch {
    return false; // OpenSSL rejects DER it cannot parse by throwing, not by returning false
  }
}
