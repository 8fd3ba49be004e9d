/**
 * Origin Access Control for S3 (reference/origins.md §3) through a real `edgefront serve
 * --s3-endpoint`: a real s3rver stores the objects, and a gate in front of it verifies every
 * SigV4 signature with the independent `aws4` package, as S3 does (s3rver itself checks none).
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, writeYaml } from '../../helpers/config.js';
import { startEdgeProcess } from '../../helpers/edge-process.js';
import { httpRequest } from '../../helpers/http.js';
import { awsEnv, type GateCredentials, type GateOptions, startSigV4Gate } from '../../helpers/sigv4-gate.js';

const require = createRequire(import.meta.url);
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => S3rverServer;

const BUCKET = 'media';
const REGION = 'eu-west-1';
const DOMAIN = `${BUCKET}.s3.${REGION}.amazonaws.com`;
const KEYS: GateCredentials = { accessKeyId: 'AKIDEDGEFRONTOAC', secretAccessKey: 'oac-secret-for-tests' };
const ALL_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'];

type Behavior = 'always' | 'never' | 'no-override';

function s3Config(behavior: Behavior) {
  return {
    OriginAccessControls: [
      {
        Id: 'E2MEDIAOAC',
        OriginAccessControlConfig: {
          Name: 'media-oac',
          SigningProtocol: 'sigv4',
          SigningBehavior: behavior,
          OriginAccessControlOriginType: 's3',
        },
      },
    ],
    Distributions: [
      {
        Id: 'E1OACS3',
        DistributionConfig: {
          Enabled: true,
          Origins: [
            {
              Id: 'media',
              DomainName: DOMAIN,
              S3OriginConfig: { OriginAccessIdentity: '' },
              OriginAccessControlId: 'E2MEDIAOAC',
            },
          ],
          DefaultCacheBehavior: {
            TargetOriginId: 'media',
            ViewerProtocolPolicy: 'allow-all',
            AllowedMethods: ALL_METHODS,
            CachePolicyId: 'CachingDisabled',
            OriginRequestPolicyId: 'AllViewerExceptHostHeader', // query strings reach S3 (multipart uploads)
          },
        },
      },
    ],
  };
}

interface Setup {
  /** `edgefront serve` URL for a path. */
  url(path: string): string;
  gate: Awaited<ReturnType<typeof startSigV4Gate>>;
  /** s3rver directly, bypassing gate and edge (to seed objects and check what was stored). */
  s3(path: string): string;
  stderr(): string;
}

/**
 * s3rver on a temp directory, the verifying gate in front of it and `edgefront serve
 * --s3-endpoint <gate>` with `edgeKeys` in its environment. The gate knows only KEYS.
 */
async function setup(
  t: { after(fn: () => unknown): void },
  config: unknown,
  options: { edgeEnv?: NodeJS.ProcessEnv; gate?: Partial<GateOptions>; file?: string } = {},
): Promise<Setup> {
  const tmp = await tempDir();
  const s3rver = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: join(tmp.dir, 's3'),
    silent: true,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await s3rver.run();
  const s3Url = `http://127.0.0.1:${port}`;
  const gate = await startSigV4Gate({
    service: 's3',
    region: REGION,
    credentials: KEYS,
    upstream: s3Url,
    ...options.gate,
  });
  let file: string;
  if (typeof config === 'string') {
    file = join(tmp.dir, options.file ?? 'template.yaml');
    await writeFile(file, config);
  } else file = await writeYaml(tmp.dir, 'edgefront.yaml', config);
  const edge = await startEdgeProcess(['--config', file, '--s3-endpoint', gate.url], {
    env: options.edgeEnv ?? awsEnv(KEYS),
  });
  t.after(async () => {
    await edge.close();
    await gate.close();
    await s3rver.close();
    await tmp.remove();
  });
  return {
    url: (path) => edge.url(path),
    gate,
    s3: (path) => `${s3Url}/${BUCKET}${path}`,
    stderr: edge.stderr,
  };
}

function scopeOf(authorization: string | string[] | undefined): string {
  return /Credential=([^,]+),/.exec(String(authorization))?.[1].split('/').slice(2, 4).join('/') ?? '';
}

test('OAC always: all seven methods reach S3 signed and verified (PUT, GET, HEAD, multipart POST, DELETE, OPTIONS, PATCH)', async (t) => {
  const s = await setup(t, s3Config('always'));
  const put = await fetch(s.url('/docs/hello.txt'), {
    method: 'PUT',
    body: 'hello, s3',
    headers: { 'content-type': 'text/plain' },
  });
  assert.equal(put.status, 200, await put.text());
  const get = await fetch(s.url('/docs/hello.txt'));
  assert.equal(get.status, 200);
  assert.equal(get.headers.get('content-type'), 'text/plain');
  assert.equal(await get.text(), 'hello, s3');
  const head = await fetch(s.url('/docs/hello.txt'), { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '9');

  // Multipart upload: POST ?uploads, PUT a part, POST ?uploadId with the XML body.
  const initiate = await fetch(s.url('/docs/big.bin?uploads'), { method: 'POST' });
  const initiated = await initiate.text();
  assert.equal(initiate.status, 200, initiated);
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(initiated)![1];
  const part = await fetch(s.url(`/docs/big.bin?partNumber=1&uploadId=${uploadId}`), {
    method: 'PUT',
    body: 'the only part',
  });
  assert.equal(part.status, 200, await part.text());
  const etag = part.headers.get('etag')!;
  const complete = await fetch(s.url(`/docs/big.bin?uploadId=${uploadId}`), {
    method: 'POST',
    body: `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${etag}</ETag></Part></CompleteMultipartUpload>`,
  });
  assert.equal(complete.status, 200, await complete.text());
  assert.equal(await (await fetch(s.url('/docs/big.bin'))).text(), 'the only part');

  const del = await fetch(s.url('/docs/hello.txt'), { method: 'DELETE' });
  assert.equal(del.status, 204);
  const gone = await fetch(s.url('/docs/hello.txt'));
  assert.equal(gone.status, 404);
  assert.match(await gone.text(), /NoSuchKey/);
  // S3 has no PATCH and answers OPTIONS only with CORS rules; what matters is that they arrive signed.
  await (await fetch(s.url('/docs/big.bin'), { method: 'OPTIONS' })).arrayBuffer();
  await (await fetch(s.url('/docs/big.bin'), { method: 'PATCH', body: 'x' })).arrayBuffer();

  assert.deepEqual(
    s.gate.requests.filter((r) => r.verdict !== 'signed').map((r) => `${r.method} ${r.url} ${r.code}`),
    [],
  );
  assert.deepEqual(new Set(s.gate.requests.map((r) => r.method)), new Set(ALL_METHODS));
  for (const r of s.gate.requests) {
    assert.equal(scopeOf(r.headers.authorization), `${REGION}/s3`);
    assert.ok(r.url.startsWith(`/${BUCKET}/docs/`), r.url); // path-style through --s3-endpoint
    for (const name of ['host', 'x-amz-cf-id', 'x-amz-content-sha256', 'x-amz-date'])
      assert.ok(r.signedHeaders?.includes(name), `${r.method} signs ${name}`);
  }
  const bodies = s.gate.requests.filter((r) => r.method === 'PUT' || r.method === 'POST');
  assert.ok(bodies.every((r) => r.headers['x-amz-content-sha256'] === 'UNSIGNED-PAYLOAD'));
  const bodiless = s.gate.requests.find((r) => r.method === 'GET')!;
  assert.equal(
    bodiless.headers['x-amz-content-sha256'],
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
});

test('keys with spaces, plus signs and parentheses, and a form-encoded query, are signed as S3 canonicalises them', async (t) => {
  const s = await setup(t, s3Config('always'));
  const put = await fetch(s.url('/docs/a%20b+c(1).txt?note=x+y%2Bz'), { method: 'PUT', body: 'odd key' });
  assert.equal(put.status, 200, await put.text());
  assert.equal(s.gate.requests[0].verdict, 'signed');
  // S3 reads `+` in a path as a plus sign: the object is "docs/a b+c(1).txt".
  assert.equal(await (await fetch(s.s3('/docs/a%20b%2Bc%281%29.txt'))).text(), 'odd key');
  const get = await fetch(s.url('/docs/a%20b+c(1).txt'));
  assert.equal(await get.text(), 'odd key');
});

test('a wrong secret is refused by S3: the viewer gets its 403 SignatureDoesNotMatch, as CloudFront passes it on', async (t) => {
  const s = await setup(t, s3Config('always'), {
    edgeEnv: awsEnv({ ...KEYS, secretAccessKey: 'not-the-secret' }),
  });
  const put = await fetch(s.url('/docs/x.txt'), { method: 'PUT', body: 'never stored' });
  assert.equal(put.status, 403);
  assert.match(await put.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
  const get = await fetch(s.url('/docs/x.txt'));
  assert.equal(get.status, 403);
  assert.equal(get.headers.get('x-cache'), 'Error from cloudfront');
  assert.match(await get.text(), /SignatureDoesNotMatch/);
  assert.equal((await fetch(s.s3('/docs/x.txt'))).status, 404);
  assert.deepEqual(
    s.gate.requests.map((r) => r.code),
    ['SignatureDoesNotMatch', 'SignatureDoesNotMatch'],
  );
});

test('temporary credentials (AWS_SESSION_TOKEN) are sent as a signed X-Amz-Security-Token', async (t) => {
  const keys = { ...KEYS, sessionToken: 'FwoGZXIvYXdzEXAMPLEtoken' };
  const s = await setup(t, s3Config('always'), { edgeEnv: awsEnv(keys), gate: { credentials: keys } });
  await writeObject(s, '/docs/t.txt', 'with a session');
  const res = await fetch(s.url('/docs/t.txt'));
  assert.equal(await res.text(), 'with a session');
  const seen = s.gate.requests[0];
  assert.equal(seen.verdict, 'signed');
  assert.equal(seen.headers['x-amz-security-token'], keys.sessionToken);
  assert.ok(seen.signedHeaders?.includes('x-amz-security-token'));
});

/** Seeds an object straight into s3rver, bypassing the gate. */
async function writeObject(s: Setup, path: string, body: string): Promise<void> {
  const res = await fetch(s.s3(path), { method: 'PUT', body });
  assert.equal(res.status, 200);
}

test('SigningBehavior never: requests go unsigned, so a private bucket refuses them', async (t) => {
  const s = await setup(t, s3Config('never'));
  await writeObject(s, '/docs/private.txt', 'secret');
  const res = await fetch(s.url('/docs/private.txt'));
  assert.equal(res.status, 403);
  assert.match(await res.text(), /AccessDenied/);
  // A viewer's Authorization is forwarded as the forwarding rules say (always, for PUT), untouched.
  const put = await httpRequest(s.url('/docs/private.txt'), {
    method: 'PUT',
    headers: { authorization: 'Bearer viewer-token' },
    body: 'x',
  });
  assert.equal(put.status, 400);
  const [get, viewerPut] = s.gate.requests;
  assert.equal(get.headers.authorization, undefined);
  assert.equal(get.headers['x-amz-date'], undefined);
  assert.equal(get.headers['x-amz-content-sha256'], undefined);
  assert.equal(viewerPut.headers.authorization, 'Bearer viewer-token');
});

test('SigningBehavior no-override: a viewer Authorization that reaches S3 goes unchanged; without one edgefront signs', async (t) => {
  const s = await setup(t, s3Config('no-override'));
  await writeObject(s, '/docs/a.txt', 'signed by edgefront');
  const viewerAuth =
    'AWS4-HMAC-SHA256 Credential=AKIDVIEWER/20260101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=0000000000000000000000000000000000000000000000000000000000000000';
  // PUT always forwards Authorization (origins.md §4.2): the viewer's own signature goes to S3.
  const put = await httpRequest(s.url('/docs/a.txt'), {
    method: 'PUT',
    headers: { authorization: viewerAuth },
    body: 'the viewer signed this',
  });
  assert.equal(put.status, 403);
  assert.match(put.body, /InvalidAccessKeyId/);
  assert.equal(s.gate.requests[0].headers.authorization, viewerAuth);
  assert.equal(s.gate.requests[0].headers['x-amz-date'], undefined);
  // A GET without Authorization is signed by edgefront.
  assert.equal(await (await fetch(s.url('/docs/a.txt'))).text(), 'signed by edgefront');
  assert.equal(s.gate.requests[1].verdict, 'signed');
  // A GET's Authorization only reaches the origin when the cache policy names it (CachingDisabled
  // does not), so edgefront signs that one too: CloudFront's documented caveat of no-override.
  const get = await httpRequest(s.url('/docs/a.txt'), { headers: { authorization: viewerAuth } });
  assert.equal(get.status, 200);
  assert.equal(s.gate.requests[2].verdict, 'signed');
  assert.match(String(s.gate.requests[2].headers.authorization), /Credential=AKIDEDGEFRONTOAC\//);
});

test("SigningBehavior always: a viewer Authorization is replaced by edgefront's signature", async (t) => {
  const s = await setup(t, s3Config('always'));
  const put = await httpRequest(s.url('/docs/b.txt'), {
    method: 'PUT',
    headers: { authorization: 'Bearer viewer-token', 'x-amz-date': '20200101T000000Z' },
    body: 'replaced',
  });
  assert.equal(put.status, 200, put.body);
  const seen = s.gate.requests[0];
  assert.equal(seen.verdict, 'signed');
  assert.match(String(seen.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDEDGEFRONTOAC\//);
  assert.notEqual(seen.headers['x-amz-date'], '20200101T000000Z');
  assert.equal(await (await fetch(s.s3('/docs/b.txt'))).text(), 'replaced');
});

/** A CloudFormation template as CloudFront users wrote them before OAC: an OAI and its bucket policy. */
const OAI_TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: ${BUCKET}
  OAI:
    Type: AWS::CloudFront::CloudFrontOriginAccessIdentity
    Properties:
      CloudFrontOriginAccessIdentityConfig:
        Comment: legacy identity
  BucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal:
              CanonicalUser: !GetAtt OAI.S3CanonicalUserId
            Action: s3:GetObject
            Resource: !Sub 'arn:aws:s3:::\${Bucket}/*'
  CDN:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Origins:
          - Id: media
            DomainName: ${DOMAIN}
            S3OriginConfig:
              OriginAccessIdentity: !Sub 'origin-access-identity/cloudfront/\${OAI}'
        DefaultCacheBehavior:
          TargetOriginId: media
          ViewerProtocolPolicy: allow-all
          CachePolicyId: 658327ea-f89d-4fab-a63d-7e88639e58f6
`;

test('a legacy OAI origin loads and its requests go unsigned (edgefront cannot be the OAI), with a startup note', async (t) => {
  // The gate stands in for a bucket that also allows anonymous reads; one granting only the OAI refuses.
  const s = await setup(t, OAI_TEMPLATE, { gate: { anonymous: 'allow' } });
  await writeObject(s, '/index.html', '<h1>legacy</h1>');
  const res = await fetch(s.url('/index.html'));
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '<h1>legacy</h1>');
  const seen = s.gate.requests[0];
  assert.equal(seen.verdict, 'anonymous');
  assert.equal(seen.headers.authorization, undefined);
  assert.match(
    s.stderr(),
    /origin media: an origin access identity cannot be assumed outside CloudFront; requests go unsigned/,
  );
});

test('with no AWS credentials anywhere a signed origin answers 500 and nothing is sent unsigned', async (t) => {
  const none = join(tmpdir(), 'edgefront-no-aws-config');
  const s = await setup(t, s3Config('always'), {
    edgeEnv: {
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_CONFIG_FILE: none,
      AWS_SHARED_CREDENTIALS_FILE: none,
      AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
  const res = await fetch(s.url('/docs/a.txt'));
  assert.equal(res.status, 500);
  assert.doesNotMatch(await res.text(), /credentials/i); // nothing internal reaches the viewer
  assert.equal(s.gate.requests.length, 0);
  assert.match(s.stderr(), /OAC signing found no AWS credentials/);
});
