/**
 * Origin Access Control for a Lambda function URL origin (reference/origins.md §3) through a
 * real `edgefront serve`: the function URL is stood in for by a node:http server that verifies
 * SigV4 (service `lambda`) with the independent `aws4` package, payload hash included, as a
 * function URL with AuthType AWS_IAM does.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import aws4 from 'aws4';
import { tempDir, writeYaml } from '../../helpers/config.js';
import { startEdgeProcess } from '../../helpers/edge-process.js';
import { httpRequest } from '../../helpers/http.js';
import { awsEnv, type GateCredentials, type GateRequest, startSigV4Gate } from '../../helpers/sigv4-gate.js';

const REGION = 'eu-west-1';
const FUNCTION_URL = `abcdefghijklmnopqrstuvwxyz012345.lambda-url.${REGION}.on.aws`;
const KEYS: GateCredentials = { accessKeyId: 'AKIDEDGEFRONTFN', secretAccessKey: 'function-url-secret' };
const ALL_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'];

function functionConfig(behavior: 'always' | 'no-override') {
  return {
    OriginAccessControls: [
      {
        Id: 'E2FNOAC',
        OriginAccessControlConfig: {
          Name: 'fn-oac',
          SigningProtocol: 'sigv4',
          SigningBehavior: behavior,
          OriginAccessControlOriginType: 'lambda',
        },
      },
    ],
    Distributions: [
      {
        Id: 'E1OACFN',
        DistributionConfig: {
          Enabled: true,
          Origins: [
            {
              Id: 'fn',
              DomainName: FUNCTION_URL,
              CustomOriginConfig: { OriginProtocolPolicy: 'https-only' },
              OriginAccessControlId: 'E2FNOAC',
            },
          ],
          DefaultCacheBehavior: {
            TargetOriginId: 'fn',
            ViewerProtocolPolicy: 'allow-all',
            AllowedMethods: ALL_METHODS,
            CachePolicyId: 'CachingDisabled',
            OriginRequestPolicyId: 'AllViewerExceptHostHeader', // AWS's advice for function URLs
          },
        },
      },
    ],
  };
}

/** The function: echoes what it was invoked with. */
function invoke(request: GateRequest) {
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: request.method, url: request.url, body: request.body.toString() }),
  };
}

async function setup(
  t: { after(fn: () => unknown): void },
  behavior: 'always' | 'no-override',
  edgeKeys: GateCredentials = KEYS,
) {
  const gate = await startSigV4Gate({
    service: 'lambda',
    region: REGION,
    credentials: KEYS,
    upstream: invoke,
  });
  const tmp = await tempDir();
  const file = await writeYaml(tmp.dir, 'edgefront.yaml', functionConfig(behavior));
  const edge = await startEdgeProcess(
    ['--config', file, '--origin-override', `${FUNCTION_URL}=${gate.url}`],
    {
      env: awsEnv(edgeKeys),
    },
  );
  t.after(async () => {
    await edge.close();
    await gate.close();
    await tmp.remove();
  });
  return { edge, gate };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

test('OAC lambda: all seven methods reach the function URL signed for lambda in its region, bodies hashed', async (t) => {
  const { edge, gate } = await setup(t, 'always');
  for (const method of ALL_METHODS) {
    const body = ['PUT', 'PATCH', 'POST'].includes(method) ? JSON.stringify({ method, n: 1 }) : undefined;
    const res = await fetch(edge.url('/api/items?page=2&q=a+b'), {
      method,
      body,
      headers: body ? { 'content-type': 'application/json' } : {},
    });
    const text = await res.text();
    assert.equal(res.status, 200, `${method}: ${text}`);
    if (method !== 'HEAD')
      assert.deepEqual(JSON.parse(text), { method, url: '/api/items?page=2&q=a+b', body: body ?? '' });
  }
  assert.deepEqual(
    gate.requests.map((r) => `${r.method} ${r.verdict}`),
    ALL_METHODS.map((m) => `${m} signed`),
  );
  for (const r of gate.requests) {
    assert.match(String(r.headers.authorization), new RegExp(`/${REGION}/lambda/aws4_request, `));
    assert.equal(r.headers.host, FUNCTION_URL);
    assert.equal(r.headers['x-amz-content-sha256'], sha256(r.body.toString()));
  }
});

test("a viewer's x-amz-content-sha256 is what edgefront signs with; a body that does not match it is refused", async (t) => {
  const { edge, gate } = await setup(t, 'always');
  const body = '{"order":42}';
  const ok = await fetch(edge.url('/orders'), {
    method: 'POST',
    body,
    headers: { 'x-amz-content-sha256': sha256(body) },
  });
  assert.equal(ok.status, 200, await ok.text());
  assert.equal(gate.requests[0].headers['x-amz-content-sha256'], sha256(body));
  const tampered = await fetch(edge.url('/orders'), {
    method: 'PUT',
    body: '{"order":43}',
    headers: { 'x-amz-content-sha256': sha256(body) },
  });
  assert.equal(tampered.status, 403);
  assert.equal(tampered.headers.get('x-cache'), 'Error from cloudfront');
  assert.equal(gate.requests[1].code, 'XAmzContentSHA256Mismatch');
});

test('a wrong key is refused by the function URL and the viewer sees its 403', async (t) => {
  const { edge, gate } = await setup(t, 'always', {
    accessKeyId: KEYS.accessKeyId,
    secretAccessKey: 'stale-secret',
  });
  const res = await fetch(edge.url('/api'), { method: 'POST', body: 'x' });
  assert.equal(res.status, 403);
  assert.match(await res.text(), /signature we calculated does not match/);
  assert.equal(gate.requests[0].code, 'SignatureDoesNotMatch');
});

test("no-override: a viewer's own SigV4 for the function URL host reaches it unchanged and is accepted", async (t) => {
  const { edge, gate } = await setup(t, 'no-override');
  const body = '{"from":"viewer"}';
  // The viewer signs for the function URL's host, not the distribution's (origins.md §3).
  const signed = aws4.sign(
    {
      service: 'lambda',
      region: REGION,
      method: 'POST',
      host: FUNCTION_URL,
      path: '/api/viewer',
      headers: { 'x-amz-content-sha256': sha256(body) },
      body,
    },
    KEYS,
  );
  const headers = { ...(signed.headers as Record<string, string>) };
  delete headers.Host;
  const res = await httpRequest(edge.url('/api/viewer'), { method: 'POST', headers, body });
  assert.equal(res.status, 200, res.body);
  assert.equal(gate.requests[0].verdict, 'signed');
  assert.equal(gate.requests[0].headers.authorization, headers.Authorization);
  // Without a viewer Authorization, edgefront signs.
  assert.equal((await fetch(edge.url('/api/anonymous'))).status, 200);
  assert.match(String(gate.requests[1].headers.authorization), /Credential=AKIDEDGEFRONTFN\//);
});
