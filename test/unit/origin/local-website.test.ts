import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createOriginFetcher } from '../../../src/origin/index.js';
import type { OriginFetcher } from '../../../src/origin/types.js';
import { originModel, originRequest, readText, settings } from './helpers.js';

let dir: string;
let fetcher: OriginFetcher;
const model = originModel('s3-website', 'site.s3-website-us-east-1.amazonaws.com', {}, 'site');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edgefront-site-'));
  await mkdir(join(dir, 'docs', 'guide'), { recursive: true });
  await mkdir(join(dir, 'empty'));
  await writeFile(join(dir, 'index.html'), '<h1>home</h1>');
  await writeFile(join(dir, 'docs', 'index.html'), '<h1>docs</h1>');
  await writeFile(join(dir, 'docs', 'guide', 'index.html'), '<h1>guide</h1>');
  await writeFile(join(dir, 'app.js'), 'go()');
  fetcher = createOriginFetcher(settings({ buckets: new Map([['site', dir]]) }));
});

after(async () => {
  await fetcher.close();
  await rm(dir, { recursive: true, force: true });
});

const get = (path: string, method = 'GET') => fetcher.fetch(originRequest(model, { path, method }));

test('the index document answers for / and every key ending in /', async () => {
  for (const [path, body] of [
    ['/', '<h1>home</h1>'],
    ['/docs/', '<h1>docs</h1>'],
    ['/docs/guide/?utm=1', '<h1>guide</h1>'],
  ]) {
    const res = await get(path);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers['content-type'], 'text/html');
    assert.equal(await readText(res.body), body);
  }
});

test('a plain object is served as on the REST endpoint', async () => {
  const res = await get('/app.js');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'text/javascript');
  assert.match(String(res.headers.etag), /^"[0-9a-f]{32}"$/);
  assert.equal(await readText(res.body), 'go()');
});

test('a key whose folder has an index document redirects 302 to the folder', async () => {
  for (const [path, location] of [
    ['/docs', '/docs/'],
    ['/docs/guide', '/docs/guide/'],
  ]) {
    const res = await get(path);
    assert.equal(res.status, 302, path);
    assert.equal(res.headers.location, location);
    assert.equal(await readText(res.body), '');
  }
});

test('a missing key is 404 NoSuchKey as an HTML page', async () => {
  for (const [path, key] of [
    ['/missing.html', 'missing.html'],
    ['/empty/', 'empty/index.html'],
    ['/empty', 'empty'],
  ]) {
    const res = await get(path);
    assert.equal(res.status, 404, path);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    const body = await readText(res.body);
    assert.match(body, /<h1>404 Not Found<\/h1>/);
    assert.match(body, /<li>Code: NoSuchKey<\/li>/);
    assert.match(body, new RegExp(`<li>Key: ${key.replace('.', '\\.')}</li>`));
  }
});

test('website endpoints serve only GET and HEAD', async () => {
  const post = await get('/', 'POST');
  assert.equal(post.status, 405);
  assert.match(await readText(post.body), /Code: MethodNotAllowed/);
  const head = await get('/docs/', 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String('<h1>docs</h1>'.length));
  assert.equal(await readText(head.body), '');
});
