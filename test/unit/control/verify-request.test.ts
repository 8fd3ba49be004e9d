/**
 * verifyRequest against requests the AWS SDK's own signers produced (reference/control-api.md §4):
 * what they sign verifies, and every way a request can be wrong gets AWS's error code.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { type SignedRequest, verifyRequest } from '../../../src/control/auth/verify-request.js';
import {
  assertApiError,
  CREDENTIALS,
  kvsPath,
  options,
  presignV4,
  presignV4a,
  signV4,
  signV4a,
  sigV4aSigner,
  sigV4Signer,
  T0,
} from './signing.js';

const MINUTE = 60_000;
const XML_BODY =
  '<?xml version="1.0" encoding="UTF-8"?>\n<CreateInvalidationRequest xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><InvalidationBatch><Paths><Quantity>1</Quantity><Items><Path>/*</Path></Items></Paths><CallerReference>r1</CallerReference></InvalidationBatch></CreateInvalidationRequest>';

const listDistributions = () =>
  signV4({ method: 'GET', path: '/2020-05-31/distribution', query: { MaxItems: '10', Marker: 'E2 X+Y/Z' } });
const putKey = () =>
  signV4a({
    method: 'PUT',
    path: kvsPath('keys', encodeURIComponent('my key')),
    headers: { 'if-match': 'KV1Z2X3Y4', 'content-type': 'application/json' },
    body: '{"Value":"v1"}',
  });

const verify = (
  req: SignedRequest,
  service: 'cloudfront' | 'cloudfront-keyvaluestore' = 'cloudfront',
  now = T0,
) => verifyRequest(req, options(service, now));

const withHeaders = (req: SignedRequest, headers: SignedRequest['headers']): SignedRequest => ({
  ...req,
  headers: { ...req.headers, ...headers },
});

// --- what the SDK signs verifies -----------------------------------------------------------------

test('a SigV4 GET with a query string verifies and names the access key', async () => {
  const req = await listDistributions();
  assert.equal(req.query, 'Marker=E2%20X%2BY%2FZ&MaxItems=10');
  assert.deepEqual(verify(req), { accessKeyId: CREDENTIALS.accessKeyId, algorithm: 'AWS4-HMAC-SHA256' });
});

test('a SigV4 POST with an XML body verifies', async () => {
  const req = await signV4({
    method: 'POST',
    path: '/2020-05-31/distribution/E2QWRUHAPOMQZL/invalidation',
    headers: { 'content-type': 'application/xml' },
    body: XML_BODY,
  });
  assert.equal(verify(req).algorithm, 'AWS4-HMAC-SHA256');
});

test('a SigV4 PUT with If-Match verifies', async () => {
  const req = await signV4({
    method: 'PUT',
    path: '/2020-05-31/distribution/E2QWRUHAPOMQZL/config',
    headers: { 'if-match': 'E2QWRUHAPOMQZL', 'content-type': 'text/xml' },
    body: '<DistributionConfig/>',
  });
  assert.match(String(req.headers.authorization), /SignedHeaders=[^,]*if-match/);
  assert.equal(verify(req).accessKeyId, CREDENTIALS.accessKeyId);
});

test('an encoded ARN in the path verifies: the SDK signs the path encoded twice (%3A → %253A)', async () => {
  const req = await signV4({ method: 'GET', path: kvsPath('keys', 'my%20key') });
  assert.match(req.path, /arn%3Aaws%3Acloudfront%3A%3A123456789012%3Akey-value-store%2F/);
  assert.equal(verify(req).accessKeyId, CREDENTIALS.accessKeyId);
});

test('a path signed encoded only once (S3-style clients) verifies through the fallback', async () => {
  const req = await signV4(
    { method: 'GET', path: kvsPath('keys', 'my%20key') },
    sigV4Signer({ uriEscapePath: false }),
  );
  assert.equal(verify(req).accessKeyId, CREDENTIALS.accessKeyId);
});

test('without x-amz-content-sha256 the signature covers the body’s own hash', async () => {
  const signer = sigV4Signer({ applyChecksum: false });
  const req = await signV4({ method: 'POST', path: '/2020-05-31/function', body: XML_BODY }, signer);
  assert.equal(req.headers['x-amz-content-sha256'], undefined);
  assert.equal(verify(req).accessKeyId, CREDENTIALS.accessKeyId);
  assertApiError(
    () => verify({ ...req, body: Buffer.from(XML_BODY.replace('r1', 'r2')) }),
    'SignatureDoesNotMatch',
  );
});

test('a SigV4A PUT with If-Match on a KVS key verifies', async () => {
  const req = await putKey();
  assert.equal(req.headers['x-amz-region-set'], '*');
  assert.deepEqual(verify(req, 'cloudfront-keyvaluestore'), {
    accessKeyId: CREDENTIALS.accessKeyId,
    algorithm: 'AWS4-ECDSA-P256-SHA256',
  });
});

test('a SigV4A GET with a query and a POST with a JSON body verify', async () => {
  const list = await signV4a({
    method: 'GET',
    path: kvsPath('keys'),
    query: { MaxResults: '50', NextToken: 'a/b=c' },
  });
  assert.equal(verify(list, 'cloudfront-keyvaluestore').algorithm, 'AWS4-ECDSA-P256-SHA256');
  const update = await signV4a({
    method: 'POST',
    path: kvsPath('keys'),
    headers: { 'if-match': 'KV1Z2X3Y4', 'content-type': 'application/json' },
    body: '{"Puts":[{"Key":"k","Value":"v"}],"Deletes":[]}',
  });
  assert.equal(verify(update, 'cloudfront-keyvaluestore').algorithm, 'AWS4-ECDSA-P256-SHA256');
});

test('a SigV4 presigned URL (SignatureV4.presign) verifies until X-Amz-Expires, past the 15-minute skew', async () => {
  const unsigned = { method: 'GET', path: '/2020-05-31/distribution', query: { MaxItems: '1' } };
  const req = await presignV4(unsigned, 3600);
  assert.equal(req.headers.authorization, undefined);
  assert.match(req.query, /X-Amz-Signature=[0-9a-f]{64}/);
  assert.equal(verify(req, 'cloudfront', T0 + 59 * MINUTE).algorithm, 'AWS4-HMAC-SHA256');
});

test('a SigV4A presigned URL verifies, with the body’s hash or UNSIGNED-PAYLOAD', async () => {
  for (const unsignedPayload of [false, true]) {
    const req = await presignV4a({ method: 'GET', path: kvsPath('keys', 'k1') }, 900, unsignedPayload);
    assert.match(req.query, /X-Amz-Region-Set=%2A/);
    assert.equal(
      verify(req, 'cloudfront-keyvaluestore', T0 + 10 * MINUTE).algorithm,
      'AWS4-ECDSA-P256-SHA256',
    );
  }
});

test('a header the client did not sign is ignored', async () => {
  const req = withHeaders(await listDistributions(), {
    'user-agent': 'curl/8',
    'x-forwarded-for': '10.0.0.1',
  });
  assert.equal(verify(req).accessKeyId, CREDENTIALS.accessKeyId);
});

test('a date 14 minutes off either way is inside the skew allowance', async () => {
  const req = await listDistributions();
  assert.equal(verify(req, 'cloudfront', T0 + 14 * MINUTE).accessKeyId, CREDENTIALS.accessKeyId);
  assert.equal(verify(req, 'cloudfront', T0 - 14 * MINUTE).accessKeyId, CREDENTIALS.accessKeyId);
});

// --- failures, with AWS's codes ------------------------------------------------------------------

test('no Authorization header and no presigned query is MissingAuthenticationToken', () => {
  const req: SignedRequest = {
    method: 'GET',
    path: '/2020-05-31/distribution',
    query: '',
    headers: {},
    body: Buffer.alloc(0),
  };
  assertApiError(
    () => verify(req),
    'MissingAuthenticationToken',
    /^Request is missing Authentication Token$/,
  );
});

test('a garbled Authorization header is IncompleteSignature', async () => {
  const req = withHeaders(await listDistributions(), { authorization: 'AWS4-HMAC-SHA256 garbage' });
  assertApiError(() => verify(req), 'IncompleteSignature', /key=value/);
});

test('a signature by the wrong secret is SignatureDoesNotMatch', async () => {
  const req = await signV4({ method: 'GET', path: '/2020-05-31/distribution' });
  const wrong = [{ ...CREDENTIALS, secretAccessKey: 'not-the-secret' }];
  assertApiError(
    () => verifyRequest(req, options('cloudfront', T0, wrong)),
    'SignatureDoesNotMatch',
    /^The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key and signing method\.$/,
  );
});

test('a SigV4A signature by the wrong secret is SignatureDoesNotMatch', async () => {
  const req = await putKey();
  const wrong = [{ ...CREDENTIALS, secretAccessKey: 'not-the-secret' }];
  assertApiError(
    () => verifyRequest(req, options('cloudfront-keyvaluestore', T0, wrong)),
    'SignatureDoesNotMatch',
  );
});

test('an unknown access key is InvalidClientTokenId', async () => {
  const req = await listDistributions();
  assertApiError(
    () => verifyRequest(req, options('cloudfront', T0, [])),
    'InvalidClientTokenId',
    /^The security token included in the request is invalid\.$/,
  );
});

test('a date 16 minutes in the past is RequestExpired', async () => {
  const req = await listDistributions();
  assertApiError(
    () => verify(req, 'cloudfront', T0 + 16 * MINUTE),
    'RequestExpired',
    /^Signature expired: 20240501T120000Z is now earlier than 20240501T120100Z \(20240501T121600Z - 15 min\.\)$/,
  );
});

test('a date 16 minutes in the future is RequestExpired', async () => {
  const req = await listDistributions();
  assertApiError(
    () => verify(req, 'cloudfront', T0 - 16 * MINUTE),
    'RequestExpired',
    /^Signature not yet current: 20240501T120000Z is still later than 20240501T115900Z \(20240501T114400Z \+ 15 min\.\)$/,
  );
});

test('a presigned URL past X-Amz-Expires is RequestExpired', async () => {
  const v4 = await presignV4({ method: 'GET', path: '/2020-05-31/distribution' }, 60);
  assertApiError(() => verify(v4, 'cloudfront', T0 + 61_000), 'RequestExpired', /X-Amz-Expires 60 s/);
  const v4a = await presignV4a({ method: 'GET', path: kvsPath('keys', 'k1') }, 60);
  assertApiError(() => verify(v4a, 'cloudfront-keyvaluestore', T0 + 61_000), 'RequestExpired');
});

test('a tampered body is SignatureDoesNotMatch', async () => {
  const req = await putKey();
  const tampered = { ...req, body: Buffer.from('{"Value":"v2"}') };
  assertApiError(
    () => verify(tampered, 'cloudfront-keyvaluestore'),
    'SignatureDoesNotMatch',
    /x-amz-content-sha256/,
  );
});

test('a tampered signed header value is SignatureDoesNotMatch', async () => {
  const req = withHeaders(await putKey(), { 'if-match': 'KV1Z2X3Y5' });
  assertApiError(() => verify(req, 'cloudfront-keyvaluestore'), 'SignatureDoesNotMatch');
});

test('a tampered query is SignatureDoesNotMatch', async () => {
  const req = await listDistributions();
  assertApiError(
    () => verify({ ...req, query: req.query.replace('MaxItems=10', 'MaxItems=11') }),
    'SignatureDoesNotMatch',
  );
  assertApiError(() => verify({ ...req, query: `${req.query}&Extra=1` }), 'SignatureDoesNotMatch');
});

test('a tampered path is SignatureDoesNotMatch', async () => {
  const req = await signV4({ method: 'GET', path: kvsPath('keys', 'k1') });
  assertApiError(() => verify({ ...req, path: kvsPath('keys', 'k2') }), 'SignatureDoesNotMatch');
});

test('a SigV4 scope in another region than us-east-1 is SignatureDoesNotMatch, saying so', async () => {
  const req = await signV4(
    { method: 'GET', path: '/2020-05-31/distribution' },
    sigV4Signer({ region: 'eu-west-1' }),
  );
  assert.match(String(req.headers.authorization), /\/eu-west-1\//);
  assertApiError(() => verify(req), 'SignatureDoesNotMatch', /'eu-west-1'.*us-east-1/);
});

/** Authorization headers that are wrong in one way each → IncompleteSignature, naming the problem. */
const INCOMPLETE: [what: string, edit: (auth: string) => string, message: RegExp][] = [
  ['no Credential', (a) => a.replace(/Credential=[^,]*, /, ''), /'Credential' parameter/],
  ['no SignedHeaders', (a) => a.replace(/SignedHeaders=[^,]*, /, ''), /'SignedHeaders' parameter/],
  ['no Signature', (a) => a.replace(/, Signature=.*$/, ''), /'Signature' parameter/],
  [
    'an unknown algorithm',
    (a) => a.replace('AWS4-HMAC-SHA256', 'AWS3-HMAC-SHA1'),
    /Unsupported AWS 'algorithm'/,
  ],
  ['a Bearer token', () => 'Bearer abc', /Unsupported AWS 'algorithm': 'Bearer'/],
  [
    'the wrong scope service',
    (a) => a.replace('/cloudfront/', '/s3/'),
    /scoped to correct service: 'cloudfront'/,
  ],
  ['the wrong terminator', (a) => a.replace('aws4_request', 'aws5_request'), /valid terminator/],
  ['a short credential', (a) => a.replace('/us-east-1', ''), /exactly 5 slash-delimited elements/],
  [
    'host not signed',
    (a) => a.replace('SignedHeaders=host;', 'SignedHeaders='),
    /'Host' must be a signed header/,
  ],
  ['x-amz-date not signed', (a) => a.replace(';x-amz-date', ''), /'X-Amz-Date' must be a signed header/],
  [
    'a scope date other than X-Amz-Date’s',
    (a) => a.replace('/20240501/', '/20240430/'),
    /'20240430' != '20240501'/,
  ],
];
for (const [what, edit, message] of INCOMPLETE) {
  test(`an Authorization header with ${what} is IncompleteSignature`, async () => {
    const req = await listDistributions();
    const authorization = edit(String(req.headers.authorization));
    assert.notEqual(authorization, req.headers.authorization, 'the edit applies');
    assertApiError(() => verify(withHeaders(req, { authorization })), 'IncompleteSignature', message);
  });
}

test('a missing X-Amz-Date header is IncompleteSignature', async () => {
  const req = withHeaders(await listDistributions(), { 'x-amz-date': undefined });
  assertApiError(() => verify(req), 'IncompleteSignature', /'X-Amz-Date' header/);
});

test('a malformed X-Amz-Date is IncompleteSignature', async () => {
  for (const date of ['2024-05-01T12:00:00Z', '20240501T120000', '20240231T120000Z']) {
    const req = withHeaders(await listDistributions(), { 'x-amz-date': date });
    assertApiError(() => verify(req), 'IncompleteSignature', /ISO-8601 'basic format'/);
  }
});

test('SigV4A without a signed x-amz-region-set is IncompleteSignature', async () => {
  const req = await putKey();
  const authorization = String(req.headers.authorization).replace(';x-amz-region-set', '');
  assertApiError(
    () => verify(withHeaders(req, { authorization }), 'cloudfront-keyvaluestore'),
    'IncompleteSignature',
    /'X-Amz-Region-Set' must be a signed header/,
  );
});

test('a SigV4A region set without * or us-east-1 is IncompleteSignature', async () => {
  const req = await signV4a(
    { method: 'GET', path: kvsPath('keys') },
    sigV4aSigner({ region: 'eu-west-1,eu-central-1' }),
  );
  assertApiError(
    () => verify(req, 'cloudfront-keyvaluestore'),
    'IncompleteSignature',
    /'eu-west-1,eu-central-1'/,
  );
});

test('SigV4 to the KeyValueStore API and SigV4A to the CloudFront API are IncompleteSignature', async () => {
  const [v4, v4a] = [await listDistributions(), await putKey()];
  assertApiError(() => verify(v4, 'cloudfront-keyvaluestore'), 'IncompleteSignature', /only SigV4A/);
  assertApiError(() => verify(v4a, 'cloudfront'), 'IncompleteSignature', /only SigV4 /);
});
test('a presigned URL missing a parameter is IncompleteSignature, naming it', async () => {
  const req = await presignV4({ method: 'GET', path: '/2020-05-31/distribution' }, 60);
  const query = req.query.replace(/&?X-Amz-Expires=\d+/, '');
  assertApiError(() => verify({ ...req, query }), 'IncompleteSignature', /must include 'X-Amz-Expires'/);
});

test('an Authorization header and a presigned query together are IncompleteSignature', async () => {
  const req = await presignV4({ method: 'GET', path: '/2020-05-31/distribution' }, 60);
  const { authorization } = (await listDistributions()).headers;
  const both = withHeaders(req, { authorization });
  assertApiError(() => verify(both), 'IncompleteSignature', /Only one auth mechanism/);
});
