/**
 * The behavior-escape fixture (issue #6): an `edgefront serve` whose `/public/*` behavior is
 * listed before a `/private/*` one that requires signed URLs, over one loopback origin reached
 * through three origins that each add `X-Behavior` (public, private, default), so every answer
 * names the behavior that judged the request. The oracle for "behaviors match the normalised
 * path, the origin gets the raw one".
 */
import { createSign } from 'node:crypto';
import { after, before } from 'node:test';
import { tempDir, writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, startEdgeProcess } from '../../helpers/edge-process.js';
import { startOrigin, type TestOrigin } from '../../helpers/origin.js';
import { newSigner, type Signer } from '../../helpers/signing.js';
import { exchange, readResponses, type WireResponse } from './wire.js';

/** The Host every request names, so signed URLs can be built for it. */
export const HOST = 'cdn.example';

export interface BehaviorEdge {
  edge: EdgeProcess;
  origin: TestOrigin;
  signer: Signer;
  close(): Promise<void>;
}

export async function startBehaviorEdge(engine: string): Promise<BehaviorEdge> {
  const origin = await startOrigin((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${req.headers['x-behavior']} saw ${req.url}`);
  });
  const signer = newSigner('K2PATHSIGNER01', 'rsa');
  const dir = await tempDir();
  const originFor = (Id: string) => ({
    Id,
    DomainName: '127.0.0.1',
    OriginCustomHeaders: [{ HeaderName: 'X-Behavior', HeaderValue: Id }],
    CustomOriginConfig: { HTTPPort: origin.port, OriginProtocolPolicy: 'http-only' },
  });
  const behavior = (TargetOriginId: string) => ({
    TargetOriginId,
    ViewerProtocolPolicy: 'allow-all',
    CachePolicyId: 'CachingDisabled',
  });
  const config = await writeYaml(dir.dir, 'edgefront.yaml', {
    PublicKeys: [{ Id: signer.keyPairId, PublicKeyConfig: { Name: 'signer', EncodedKey: signer.publicKey } }],
    KeyGroups: [{ Id: 'signers', KeyGroupConfig: { Name: 'signers', Items: [signer.keyPairId] } }],
    Distributions: [
      {
        Id: 'E1BEHAVIORS',
        DistributionConfig: {
          Enabled: true,
          Aliases: [HOST],
          Origins: [originFor('public'), originFor('private'), originFor('default')],
          CacheBehaviors: [
            { PathPattern: '/public/*', ...behavior('public') },
            { PathPattern: '/private/*', ...behavior('private'), TrustedKeyGroups: ['signers'] },
          ],
          DefaultCacheBehavior: behavior('default'),
        },
      },
    ],
  });
  const edge = await startEdgeProcess(['--config', config, '--http-engine', engine]);
  return {
    edge,
    origin,
    signer,
    close: () => Promise.all([edge.close(), origin.close()]).then(dir.remove),
  };
}

/** One fixture for the enclosing suite's tests, started before them and closed after. */
export function sharedBehaviorEdge(engine: string): BehaviorEdge {
  const shared = {} as BehaviorEdge;
  before(async () => {
    Object.assign(shared, await startBehaviorEdge(engine));
  });
  after(() => shared.close());
  return shared;
}

/** GETs of `targets`, pipelined on one connection, answered in order. */
export async function getAll(edge: EdgeProcess, targets: string[]): Promise<WireResponse[]> {
  const requests = targets.map(
    (target, i) =>
      `GET ${target} HTTP/1.1\r\nHost: ${HOST}\r\n${i === targets.length - 1 ? 'Connection: close\r\n' : ''}\r\n`,
  );
  const { text } = await exchange(Number(edge.http.port), [requests.join('')]);
  return readResponses(text);
}

/** CloudFront's URL-safe base64 of `signer`'s RSA-SHA1 signature over `policy`. */
function signatureOf(signer: Signer, policy: string): string {
  const signature = createSign('RSA-SHA1').update(policy).sign(signer.privateKey, 'base64');
  return signature.replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');
}

/**
 * `target` with a canned policy for exactly `http://HOST<target>` (built here, byte for byte as
 * the SDK's signer does, because the SDK would resolve the dot segments a test wants to keep).
 */
export function cannedTarget(signer: Signer, target: string): string {
  const expires = Math.floor(Date.now() / 1000) + 86_400;
  const policy = `{"Statement":[{"Resource":"http://${HOST}${target}","Condition":{"DateLessThan":{"AWS:EpochTime":${expires}}}}]}`;
  return `${target}?Expires=${expires}&Signature=${signatureOf(signer, policy)}&Key-Pair-Id=${signer.keyPairId}`;
}

/** `target` with a custom policy granting `resource` for a day. */
export function customTarget(signer: Signer, target: string, resource: string): string {
  const expires = Math.floor(Date.now() / 1000) + 86_400;
  const policy = JSON.stringify({
    Statement: [{ Resource: resource, Condition: { DateLessThan: { 'AWS:EpochTime': expires } } }],
  });
  const encoded = Buffer.from(policy)
    .toString('base64')
    .replace(/\+/g, '-')
    .replace(/=/g, '_')
    .replace(/\//g, '~');
  return `${target}?Policy=${encoded}&Signature=${signatureOf(signer, policy)}&Key-Pair-Id=${signer.keyPairId}`;
}
