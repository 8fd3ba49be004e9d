import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { createEdge } from '../../../src/index.js';
import { distributionOver, tempDir } from '../../helpers/config.js';
import { startOrigin } from '../../helpers/origin.js';
import {
  AB_TEST_KVS,
  JWT_HS256_V1,
  NORMALIZE_QUERY_STRING,
  TRUE_CLIENT_IP,
} from '../../unit/functions/cloudfront/examples.js';

/** AWS's canonical viewer-request functions, each on its own behavior, through the whole edge. */
const FUNCTIONS: Record<string, { code: string; runtime: string; kvs?: boolean }> = {
  tcip: { code: TRUE_CLIENT_IP, runtime: 'cloudfront-js-1.0' },
  ab: { code: AB_TEST_KVS, runtime: 'cloudfront-js-2.0', kvs: true },
  jwt: { code: JWT_HS256_V1, runtime: 'cloudfront-js-1.0' },
  norm: { code: NORMALIZE_QUERY_STRING, runtime: 'cloudfront-js-1.0' },
};

const JWT_KEY = 'LzdWGpAToQ1DqYuzHxE6YOqi7G3X2yvNBot9mCXfx5k';
const b64url = (s: string) => Buffer.from(s).toString('base64url');
function jwt(payload: object, key = JWT_KEY): string {
  const input = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

test('canonical functions through the edge: true-client-ip, A/B with a key value store, JWT, normalized query string', async (t) => {
  const dir = await tempDir();
  const origin = await startOrigin((req, res) => {
    res.writeHead(200, {
      'content-type': 'text/plain',
      'cache-control': 'max-age=60',
      'x-seen-tcip': String(req.headers['true-client-ip'] ?? ''),
    });
    res.end(`origin ${req.url}`);
  });
  const kvs = join(dir.dir, 'experiments.json');
  await writeFile(
    kvs,
    JSON.stringify({
      data: [{ key: 'ab', value: JSON.stringify({ a_weightage: 0.5, a_url: 'v1', b_url: 'v2' }) }],
    }),
  );
  const names = Object.keys(FUNCTIONS);
  const edge = await createEdge({
    functionLog: () => {},
    config: {
      KeyValueStores: [{ Name: 'experiments', Data: kvs }],
      Functions: names.map((name) => ({
        Name: name,
        FunctionConfig: {
          Runtime: FUNCTIONS[name].runtime,
          ...(FUNCTIONS[name].kvs
            ? { KeyValueStoreAssociations: [{ KeyValueStoreARN: 'experiments' }] }
            : {}),
        },
        FunctionCode: FUNCTIONS[name].code,
      })),
      Distributions: [
        distributionOver(
          'E1CANON',
          origin.port,
          names.map((name) => ({
            PathPattern: `/${name}*`,
            // The query string in the key (normalize), the added header to the origin (true-client-ip).
            CachePolicyId: 'UseOriginCacheControlHeaders-QueryStrings',
            OriginRequestPolicyId: 'AllViewer',
            FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: name }],
          })),
        ),
      ],
    },
  });
  t.after(async () => {
    await Promise.all([edge.close(), origin.close()]);
    await dir.remove();
  });
  const get = (path: string, headers: Record<string, string> = {}) =>
    edge.fetch(`http://site.example${path}`, { headers });

  assert.equal((await get('/tcip/x')).headers.get('x-seen-tcip'), '127.0.0.1');

  // A/B: the first path segment picks the experiment; a sticky cookie keeps its version.
  assert.match(await (await get('/ab/page', { cookie: 'appversion=v2' })).text(), /^origin \/v2\/page/);
  assert.match(await (await get('/ab/page', { cookie: 'appversion=v1' })).text(), /^origin \/v1\/page/);
  assert.match(await (await get('/ab/page')).text(), /^origin \/v[12]\/page/);

  const now = Math.floor(Date.now() / 1000);
  const valid = await get(`/jwt/doc?jwt=${jwt({ sub: 'a', exp: now + 3600 })}&keep=1`);
  assert.equal(valid.status, 200);
  assert.equal(await valid.text(), 'origin /jwt/doc?keep=1', 'the token is removed before the origin');
  assert.equal((await get(`/jwt/doc?jwt=${jwt({ sub: 'a' }, 'wrong-key')}`)).status, 401);
  assert.equal((await get(`/jwt/doc?jwt=${jwt({ sub: 'a', exp: now - 10 })}`)).status, 401, 'expired');
  assert.equal((await get('/jwt/doc')).status, 401);

  // Normalized query strings share one cache entry whatever the parameter order.
  const first = await get('/norm/list?b=2&a=1');
  assert.equal(await first.text(), 'origin /norm/list?a=1&b=2');
  const second = await get('/norm/list?a=1&b=2');
  assert.equal(second.headers.get('x-cache'), 'Hit from cloudfront');
});
