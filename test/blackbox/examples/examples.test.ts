import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'node:test';
import { Agent, fetch as undiciFetch } from 'undici';
import { tempDir } from '../../helpers/config.js';
import { type EdgeProcess, REPO_ROOT, runCli, startEdgeProcess } from '../../helpers/edge-process.js';
import { startOrigin } from '../../helpers/origin.js';

const example = (path: string) => join(REPO_ROOT, 'examples', path);

/** An HTTPS client that trusts the edge's generated dev certificate. */
async function httpsClient(stateDir: string) {
  const ca = await readFile(join(stateDir, 'tls', 'localhost-cert.pem'), 'utf8');
  const agent = new Agent({ connect: { ca, servername: 'localhost' } });
  return {
    get: (edge: EdgeProcess, path: string, headers: Record<string, string> = {}) =>
      undiciFetch(new URL(path, `https://localhost:${edge.https!.port}`), {
        dispatcher: agent,
        headers,
        redirect: 'manual',
      }),
    close: () => agent.close(),
  };
}

for (const file of [
  'quickstart/edgefront.yaml',
  'spa-s3-oac/template.yaml',
  'site-api/edgefront.yaml',
  'cdk-app/cdk.out/EdgeStack.template.json',
  'functions/edgefront.yaml',
]) {
  test(`examples/${file} validates`, async () => {
    const { code, stdout, stderr } = await runCli(['validate', example(file)]);
    assert.equal(code, 0, stdout + stderr);
  });
}

test('examples/broken/template.yaml fails validation with every mistake listed with its path and line', async () => {
  const { code, stdout, stderr } = await runCli(['validate', example('broken/template.yaml')]);
  assert.equal(code, 1);
  const lines = (stdout + stderr).split('\n').filter((l) => /template\.yaml:\d+ Resources\./.test(l));
  assert.ok(lines.length >= 8, `expected at least 8 located errors, got:\n${stdout}${stderr}`);
});

test('the quickstart serves the SPA: app shell at /, client routes through the 403 custom error response', async (t) => {
  const edge = await startEdgeProcess(['--config', example('quickstart/edgefront.yaml')]);
  t.after(() => edge.close());
  const home = await fetch(edge.url('/'));
  assert.equal(home.status, 200);
  assert.match(await home.text(), /<title>edgefront quickstart<\/title>/);
  const route = await fetch(edge.url('/products/42'));
  assert.equal(route.status, 200);
  assert.match(await route.text(), /<title>edgefront quickstart<\/title>/);
  assert.equal(route.headers.get('x-cache'), 'Error from cloudfront'); // CloudFront logs the substitution as Error
  const script = await fetch(edge.url('/assets/app.js'));
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type') ?? '', /javascript/);
  assert.match(edge.stdout(), /curl -i http:\/\/localhost:\d+\//);
});

test('the SPA-on-S3-with-OAC template serves over HTTPS and redirects HTTP', async (t) => {
  const tmp = await tempDir();
  const edge = await startEdgeProcess([
    '--config',
    example('spa-s3-oac/template.yaml'),
    '--https-port',
    '0',
    '--state-dir',
    tmp.dir,
  ]);
  const client = await httpsClient(tmp.dir);
  t.after(() => Promise.all([edge.close(), client.close(), tmp.remove()]));
  assert.equal((await fetch(edge.url('/'), { redirect: 'manual' })).status, 301);
  const home = await client.get(edge, '/');
  assert.equal(home.status, 200);
  const shell = await home.text();
  const deep = await client.get(edge, '/settings/profile');
  assert.equal(deep.status, 200);
  assert.equal(await deep.text(), shell);
});

test('the site + API example sends /api/* to the API origin with its policies, and the rest to the bucket', async (t) => {
  const api = await startOrigin((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ url: req.url }));
  });
  const tmp = await tempDir();
  const edge = await startEdgeProcess([
    '--config',
    example('site-api/edgefront.yaml'),
    '--https-port',
    '0',
    '--state-dir',
    tmp.dir,
    '--origin-override',
    `api.example.internal=${api.url}`,
  ]);
  const client = await httpsClient(tmp.dir);
  t.after(() => Promise.all([edge.close(), api.close(), client.close(), tmp.remove()]));
  const res = await client.get(edge, '/api/items?page=2&debug=1', {
    host: 'www.example.com',
    authorization: 'Bearer abc',
    'accept-language': 'fr',
  });
  assert.equal(res.status, 200);
  const seen = api.requests.at(-1)!;
  assert.equal(seen.url, '/api/items?page=2&debug=1'); // the ORP forwards every query string
  assert.equal(seen.headers.host, 'api.example.internal'); // AllViewerExceptHostHeader
  assert.equal(seen.headers.authorization, 'Bearer abc'); // named in the cache policy
  assert.equal(seen.headers['accept-language'], 'fr');
  assert.equal(seen.headers['x-origin-verify'], 'change-me-shared-secret');
  assert.equal((await fetch(edge.url('/api/items'), { redirect: 'manual' })).status, 403); // https-only
  const page = await client.get(edge, '/', { host: 'www.example.com' });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html/i);
});

test('the cdk synth template serves with Conditions resolved by --parameter', async (t) => {
  const api = await startOrigin((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`api ${req.url}`);
  });
  const tmp = await tempDir();
  const edge = await startEdgeProcess([
    '--config',
    example('cdk-app/cdk.out/EdgeStack.template.json'),
    '--parameter',
    'Stage=prod',
    '--bucket',
    `edgestack-sitebucket397a1860-df14ebdf9a92=${example('cdk-app/site')}`,
    '--origin-override',
    `prod.api.example.internal=${api.url}`,
    '--https-port',
    '0',
    '--state-dir',
    tmp.dir,
  ]);
  const client = await httpsClient(tmp.dir);
  t.after(() => Promise.all([edge.close(), api.close(), client.close(), tmp.remove()]));
  const apiRes = await client.get(edge, '/api/health');
  assert.equal(await apiRes.text(), 'api /api/health');
  assert.equal(api.requests.at(-1)!.headers.host, 'prod.api.example.internal'); // Fn::Join of the Stage parameter
  const home = await client.get(edge, '/');
  assert.equal(home.status, 200);
  // Its edge functions run: the CloudFront Function maps / to index.html (already the default
  // root object), and the Lambda@Edge origin-response handler (CommonJS in a project whose own
  // package.json says "type": "module") adds security headers.
  assert.equal(home.headers.get('strict-transport-security'), 'max-age=63072000; includeSubDomains');
  assert.equal(home.headers.get('x-content-type-options'), 'nosniff');
});
