/**
 * `--bucket NAME=DIR` never reads outside DIR (issue #6): symlinks pointing out of the directory
 * are missing keys (403 AccessDenied on the REST endpoint, 404 on the website endpoint), links
 * inside it are followed (dot segments, backslashes and NULs: local-bucket.test.ts).
 * Neither a FIFO nor a file shrinking while it is read can hang or desynchronise a response.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createOriginFetcher } from '../../../src/origin/index.js';
import type { OriginFetcher } from '../../../src/origin/types.js';
import { originModel, originRequest, readBytes, readText, settings } from './helpers.js';

const SECRET = 'outside the bucket';
let root: string;
let bucketDir: string;
let fetcher: OriginFetcher;
const rest = originModel('s3', 'assets.s3.us-east-1.amazonaws.com', {}, 'assets');
const website = originModel('s3-website', 'assets.s3-website-us-east-1.amazonaws.com', {}, 'assets');

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'edgefront-bucket-paths-'));
  bucketDir = join(root, 'assets');
  await mkdir(join(bucketDir, 'site'), { recursive: true });
  await mkdir(join(root, 'private'), { recursive: true });
  await writeFile(join(root, 'secret.txt'), SECRET);
  await writeFile(join(root, 'private', 'index.html'), SECRET);
  await writeFile(join(bucketDir, 'site', 'page.html'), 'inside');
  await writeFile(join(bucketDir, 'a\\b.txt'), 'a backslash is a plain character here');
  await symlink(join(root, 'secret.txt'), join(bucketDir, 'link-out.txt'));
  await symlink('../secret.txt', join(bucketDir, 'relative-out.txt'));
  await symlink(join(root, 'private'), join(bucketDir, 'dir-out'));
  await symlink('site/page.html', join(bucketDir, 'link-in.html'));
  await symlink(join(bucketDir, 'site'), join(bucketDir, 'dir-in'));
  execFileSync('mkfifo', [join(bucketDir, 'pipe')]);
  fetcher = createOriginFetcher(settings({ buckets: new Map([['assets', bucketDir]]) }));
});

after(async () => {
  await fetcher.close();
  await rm(root, { recursive: true, force: true });
});

function get(path: string, origin = rest) {
  return fetcher.fetch(originRequest(origin, { path, headers: { host: origin.config.DomainName } }));
}

test('a symlink pointing out of the bucket is a missing key; one inside it is followed', async () => {
  for (const path of ['/link-out.txt', '/relative-out.txt', '/dir-out/index.html']) {
    const res = await get(path);
    assert.equal(res.status, 403, path);
    assert.doesNotMatch(await readText(res.body), /outside the bucket/, path);
  }
  for (const path of ['/link-in.html', '/dir-in/page.html']) {
    const res = await get(path);
    assert.equal(res.status, 200, path);
    assert.equal(await readText(res.body), 'inside');
  }
});

test('the website endpoint neither serves nor redirects to an index document outside the bucket', async () => {
  for (const path of ['/dir-out/', '/dir-out']) {
    const res = await get(path, website);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(await readText(res.body), /outside the bucket/, path);
  }
  const inside = await get('/dir-in/page.html', website);
  assert.equal(inside.status, 200);
  await readBytes(inside.body);
});

test('a key with a dot or empty segment is looked up literally, as S3 does: no file holds it (#6)', async () => {
  // CloudFront sends the raw path; S3 keys are opaque, so `site/./page.html` is not `site/page.html`.
  for (const path of [
    '/site/./page.html',
    '/site//page.html',
    '//site/page.html',
    '/x/../site/page.html',
    '/site/.',
  ]) {
    const rest403 = await get(path);
    assert.equal(rest403.status, 403, path);
    assert.doesNotMatch(await readText(rest403.body), /inside/, path);
    const website404 = await get(path, website);
    assert.equal(website404.status, 404, path);
    assert.match(await readText(website404.body), /NoSuchKey/, path);
  }
  const plain = await get('/site/page.html');
  assert.equal(plain.status, 200);
  assert.equal(await readText(plain.body), 'inside');
  const folder = await get('/site/', website); // a trailing `/` is a "folder" key, not an empty segment
  assert.equal(folder.status, 404);
  assert.match(await readText(folder.body), /<li>Key: site\/index.html<\/li>/);
});

test('a backslash is part of the key on POSIX, not a way out', async () => {
  const res = await get('/a%5Cb.txt');
  assert.equal(res.status, 200);
  assert.equal(await readText(res.body), 'a backslash is a plain character here');
});

test('a FIFO in the bucket is a missing key at once, not a blocked thread', async () => {
  const res = await get('/pipe');
  assert.equal(res.status, 403);
  await readBytes(res.body);
});

test('a file truncated while it is read fails the body instead of ending it short (#6)', async () => {
  const file = join(bucketDir, 'shrinks.bin');
  await writeFile(file, Buffer.alloc(256 * 1024, 7));
  const res = await get('/shrinks.bin');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-length'], String(256 * 1024));
  await truncate(file, 1000);
  await assert.rejects(readBytes(res.body), /object changed while read/);
});
