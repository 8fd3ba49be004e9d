/**
 * Deterministic ids for resources that don't state one, so a distribution keeps its Id (and its
 * `<id>.edgefront.localhost` domain, its cache) across restarts. Derived from the file's name
 * and the entry's logical id or index; never random.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function digest(seed: string): Buffer {
  return createHash('sha256').update(seed).digest();
}

/** `E` + 13 characters, like CloudFront's distribution ids (`E2QWRUHEXAMPLE`). */
export function distributionId(file: string, key: string | number): string {
  const bytes = digest(`distribution\0${basename(file)}\0${key}`);
  let out = 'E';
  for (let i = 0; i < 13; i++) out += BASE32[bytes[i] % 32];
  return out;
}

/** A UUID-shaped id (policies, OACs, key value stores), e.g. `3f2a…-…`. */
export function uuidLikeId(kind: string, file: string, key: string | number): string {
  const hex = digest(`${kind}\0${basename(file)}\0${key}`).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Short id for OACs/OAIs/public keys/key groups, CloudFront-style (`E` + 13). */
export function shortId(kind: string, file: string, key: string | number): string {
  return distributionId(`${kind}:${file}`, key);
}

/** Lowercase suffix for generated physical names (`<stack>-<logicalid>-<suffix>`). */
export function nameSuffix(seed: string, length = 12): string {
  return digest(seed).toString('hex').slice(0, length);
}

/** Default stack name from a file name: `EdgeStack.template.json` → `EdgeStack`. */
export function stackNameFromFile(file: string): string {
  const name = basename(file)
    .replace(/\.(template\.)?(ya?ml|json)$/i, '')
    .replace(/[^A-Za-z0-9-]/g, '-')
    .replace(/^[^A-Za-z]+/, '');
  return name || 'edgefront';
}
