/**
 * Signed URL and cookie fixtures: key pairs generated per run (RSA 2048 and ECDSA P-256, the two
 * kinds CloudFront takes) and an `edgefront serve` whose `/private/*` behavior trusts a key group
 * of two of them, over a loopback origin that echoes what it was asked.
 */
import { generateKeyPairSync } from 'node:crypto';
import { after, before } from 'node:test';
import { distributionOver, tempDir, writeYaml } from './config.js';
import { type EdgeProcess, startEdgeProcess } from './edge-process.js';
import { startOrigin, type TestOrigin } from './origin.js';

export interface Signer {
  /** The public key's Id: the `Key-Pair-Id`. */
  readonly keyPairId: string;
  readonly privateKey: string;
  readonly publicKey: string;
}

export function newSigner(keyPairId: string, type: 'rsa' | 'ec'): Signer {
  const pair =
    type === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    keyPairId,
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicKey: pair.publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

/** An ISO date `days` from now (negative: in the past); wide margins keep tests clock-proof. */
export const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** The `Cookie` header a browser would send back for `getSignedCookies`' result. */
export function cookieHeader(cookies: object): string {
  return Object.entries(cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
}

export interface SigningEdge {
  edge: EdgeProcess;
  origin: TestOrigin;
  /** Trusted by `/private/*` (key group `signers`). */
  rsa: Signer;
  ec: Signer;
  /** In the config, in another key group: not trusted by `/private/*`. */
  outsider: Signer;
  close(): Promise<void>;
}

/**
 * `/private/*` trusts key group `signers` and keeps every query string in its cache key (so the
 * signing parameters would split the cache if they stayed); `/legacy/*` trusts an AWS account
 * (TrustedSigners); everything else is public.
 */
export async function startSigningEdge(): Promise<SigningEdge> {
  const origin = await startOrigin((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
    res.end(`origin saw ${req.url}`);
  });
  const rsa = newSigner('K2RSAEXAMPLE01', 'rsa');
  const ec = newSigner('K2ECEXAMPLE001', 'ec');
  const outsider = newSigner('K2OUTSIDER0001', 'rsa');
  const dir = await tempDir();
  const key = (s: Signer, Name: string) => ({
    Id: s.keyPairId,
    PublicKeyConfig: { Name, EncodedKey: s.publicKey },
  });
  const config = await writeYaml(dir.dir, 'edgefront.yaml', {
    PublicKeys: [key(rsa, 'rsa-signer'), key(ec, 'ec-signer'), key(outsider, 'outsider')],
    KeyGroups: [
      { Id: 'signers', KeyGroupConfig: { Name: 'signers', Items: [rsa.keyPairId, 'ec-signer'] } },
      { Id: 'others', KeyGroupConfig: { Name: 'others', Items: [outsider.keyPairId] } },
    ],
    Distributions: [
      distributionOver(
        'E1SIGNED',
        origin.port,
        [
          {
            PathPattern: '/private/*',
            TrustedKeyGroups: ['signers'],
            CachePolicyId: 'UseOriginCacheControlHeaders-QueryStrings',
          },
          { PathPattern: '/legacy/*', TrustedSigners: ['self'], CachePolicyId: 'CachingDisabled' },
        ],
        'CachingDisabled',
      ),
    ],
  });
  const edge = await startEdgeProcess(['--config', config]);
  return {
    edge,
    origin,
    rsa,
    ec,
    outsider,
    close: () => Promise.all([edge.close(), origin.close()]).then(dir.remove),
  };
}

/** One signing edge for a test file's tests, started before them and closed after. */
export function sharedSigningEdge(): SigningEdge {
  const shared = {} as SigningEdge;
  before(async () => {
    Object.assign(shared, await startSigningEdge());
  });
  after(() => shared.close());
  return shared;
}
