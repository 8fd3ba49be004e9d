import assert from 'node:assert/strict';
import test from 'node:test';
import { tempDir } from '../../helpers/config.js';
import { REPO_ROOT, startEdgeProcess } from '../../helpers/edge-process.js';

test('examples/functions/edgefront.yaml: the canonical functions run in a real serve process', async (t) => {
  const state = await tempDir();
  const edge = await startEdgeProcess([
    '--config',
    `${REPO_ROOT}examples/functions/edgefront.yaml`,
    '--state-dir',
    state.dir,
  ]);
  t.after(async () => {
    await edge.close();
    await state.remove();
  });
  const get = (path: string) => fetch(edge.url(path), { redirect: 'manual' });

  const home = await get('/');
  assert.equal(home.status, 200);
  assert.match(await home.text(), /<h1>Home<\/h1>/);
  assert.equal(home.headers.get('x-frame-options'), 'DENY', 'security-headers ran (viewer-response)');
  assert.match(home.headers.get('strict-transport-security') ?? '', /max-age=63072000/);

  const moved = await get('/old-blog');
  assert.equal(moved.status, 301, 'kvs-redirect found /old-blog in the key value store');
  assert.equal(moved.headers.get('location'), 'https://blog.example.com/');
  assert.equal(moved.headers.get('x-cache'), 'FunctionGeneratedResponse from cloudfront');

  for (const path of ['/docs/', '/docs']) {
    const docs = await get(path);
    assert.equal(docs.status, 200, path);
    assert.match(await docs.text(), /<h1>Docs<\/h1>/, `${path} was rewritten to /docs/index.html`);
  }

  const legacy = await get('/old/x');
  assert.equal(legacy.status, 301);
  assert.equal(legacy.headers.get('location'), '/new/x');
  assert.equal(legacy.headers.get('x-cache'), 'LambdaGeneratedResponse from cloudfront');
  assert.match(
    edge.stderr() + edge.stdout(),
    /kvs-redirect: redirect \/old-blog -> https:\/\/blog\.example\.com\//,
  );
});
