import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createOriginFetcher } from '../../../src/origin/index.js';
import { EtagCache } from '../../../src/origin/local-object.js';
import type { OriginFetcher, OriginRequest } from '../../../src/origin/types.js';
import { closedPort, originModel, originRequest, readBytes, readText, settings } from './helpers.js';

let root: string;
let bucketDir: string;
let fetcher: OriginFetcher;
const data = Buffer.alloc(1000, 0).map((_, i) => i % 251);
const model = originModel('s3', 'assets.s3.us-east-1.amazonaws.com', {}, 'assets');

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'edgefront-bucket-'));
  bucketDir = join(root, 'assets');
  await mkdir(join(bucketDir, 'css'), { recursive: true });
  await writeFile(join(bucketDir, 'css', 'site.css'), 'body{}');
  await writeFile(join(bucketDir, 'data.bin'), data);
  await writeFile(join(bucketDir, 'with space+plus.txt'), 'spaced');
  await writeFile(join(root, 'secret.txt'), 'outside the bucket');
  await utimes(
    join(bucketDir, 'data.bin'),
    new Date('2024-01-02T03:04:05Z'),
    new Date('2024-01-02T03:04:05Z'),
  );
  fetcher = createOriginFetcher(settings({ buckets: new Map([['assets', bucketDir]]) }));
});

after(async () => {
  await fetcher.close();
  await rm(root, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}, method = 'GET') {
  const request: OriginRequest = originRequest(model, {
    method,
    path,
    headers: { host: model.config.DomainName, ...headers },
  });
  return fetcher.fetch(request);
}

const md5 = `"${createHash('md5').update(data).digest('hex')}"`;

test('GET answers 200 with S3 object headers: quoted MD5 ETag, Last-Modified, Content-Type, Content-Length', async () => {
  const res = await get('/data.bin');
  assert.equal(res.status, 200);
  assert.equal(res.headers.etag, md5);
  assert.equal(res.headers['last-modified'], 'Tue, 02 Jan 2024 03:04:05 GMT');
  assert.equal(res.headers['content-type'], 'binary/octet-stream');
  assert.equal(res.headers['content-length'], '1000');
  assert.equal(res.headers['accept-ranges'], 'bytes');
  assert.equal(res.headers.server, 'AmazonS3');
  assert.match(String(res.headers['x-amz-request-id']), /^[0-9A-F]{16}$/);
  assert.deepEqual(await readBytes(res.body), data);
  const css = await get('/css/site.css?v=3');
  assert.equal(css.headers['content-type'], 'text/css');
  assert.equal(await readText(css.body), 'body{}');
});

test('the key is the percent-decoded path', async () => {
  const res = await get('/with%20space+plus.txt');
  assert.equal(res.status, 200);
  assert.equal(await readText(res.body), 'spaced');
});

test('a missing key, a "directory" and the bucket root answer 403 AccessDenied XML, as S3 behind OAC', async () => {
  for (const path of ['/nope.txt', '/css', '/css/', '/']) {
    const res = await get(path);
    assert.equal(res.status, 403, path);
    assert.equal(res.headers['content-type'], 'application/xml');
    const body = await readText(res.body);
    assert.match(body, /<Error><Code>AccessDenied<\/Code><Message>Access Denied<\/Message>/);
    assert.match(body, /<RequestId>[0-9A-F]{16}<\/RequestId>/);
  }
});

test('keys that would leave the bucket directory are 403 AccessDenied', async () => {
  for (const path of [
    '/../secret.txt',
    '/css/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/css/%2E%2E/..%2Fsecret.txt',
    '/css%2F..%2F..%2Fsecret.txt',
    '/..%5csecret.txt', // `\` is a separator on Windows: a `..\` segment is refused everywhere
    '/css%5c..%5c..%5csecret.txt',
    '/a%00b',
    '/secret.txt%00.html',
  ]) {
    const res = await get(path);
    assert.equal(res.status, 403, path);
    assert.doesNotMatch(await readText(res.body), /outside the bucket/);
  }
});

test('a single Range answers 206 with Content-Range; bytes=a-, -n and clamped ends work', async () => {
  const cases: [string, number, number][] = [
    ['bytes=0-9', 0, 9],
    ['bytes=990-', 990, 999],
    ['bytes=-5', 995, 999],
    ['bytes=100-5000', 100, 999],
  ];
  for (const [range, start, end] of cases) {
    const res = await get('/data.bin', { range });
    assert.equal(res.status, 206, range);
    assert.equal(res.headers['content-range'], `bytes ${start}-${end}/1000`);
    assert.equal(res.headers['content-length'], String(end - start + 1));
    assert.deepEqual(await readBytes(res.body), data.subarray(start, end + 1));
  }
});

test('an unsatisfiable Range is 416 InvalidRange with Content-Range bytes */size; several ranges get 200', async () => {
  const res = await get('/data.bin', { range: 'bytes=1000-' });
  assert.equal(res.status, 416);
  assert.equal(res.headers['content-range'], 'bytes */1000');
  assert.match(await readText(res.body), /<Code>InvalidRange<\/Code>/);
  const multi = await get('/data.bin', { range: 'bytes=0-1,5-6' });
  assert.equal(multi.status, 200);
  assert.equal(multi.headers['content-length'], '1000');
  await readText(multi.body);
});

test('conditional GETs: If-None-Match / If-Modified-Since → 304, If-Match / If-Unmodified-Since → 412', async () => {
  const lastModified = 'Tue, 02 Jan 2024 03:04:05 GMT';
  const expect = async (headers: Record<string, string>, status: number) => {
    const res = await get('/data.bin', headers);
    const body = await readText(res.body);
    assert.equal(res.status, status, JSON.stringify(headers));
    return body;
  };
  await expect({ 'if-none-match': md5 }, 304);
  await expect({ 'if-none-match': '"other"' }, 200);
  await expect({ 'if-modified-since': lastModified }, 304);
  await expect({ 'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' }, 200);
  assert.match(
    await expect({ 'if-match': '"other"' }, 412),
    /<Code>PreconditionFailed<\/Code>.*<Condition>If-Match<\/Condition>/,
  );
  await expect({ 'if-unmodified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' }, 412);
  await expect({ 'if-unmodified-since': lastModified }, 200);
  // S3 precedence: a true If-Match wins over a false If-Unmodified-Since; a false
  // If-None-Match (it matches) gives 304 whatever If-Modified-Since says.
  await expect({ 'if-match': md5, 'if-unmodified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' }, 200);
  await expect({ 'if-none-match': md5, 'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' }, 304);
});

test('HEAD has the GET headers and an empty body, also for errors', async () => {
  const res = await get('/data.bin', {}, 'HEAD');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-length'], '1000');
  assert.equal(await readText(res.body), '');
  const missing = await get('/nope', {}, 'HEAD');
  assert.equal(missing.status, 403);
  assert.equal(await readText(missing.body), '');
});

test('methods other than GET/HEAD are 405 MethodNotAllowed (writes come with OAC)', async () => {
  const res = await get('/data.bin', {}, 'PUT');
  assert.equal(res.status, 405);
  assert.match(await readText(res.body), /<Code>MethodNotAllowed<\/Code>/);
});

test('an S3 origin whose bucket is not local is not served from disk', async () => {
  const other = originModel('s3', 'other.s3.us-east-1.amazonaws.com', { ConnectionAttempts: 1 }, 'other');
  const local = createOriginFetcher(
    settings({
      buckets: new Map([['assets', bucketDir]]),
      s3Endpoint: new URL(`http://127.0.0.1:${await closedPort()}`),
    }),
  );
  await assert.rejects(local.fetch(originRequest(other, { path: '/data.bin' })), {
    code: 'OriginConnectError',
  });
  await local.close();
});

test('the ETag is hashed once per file version (path + size + mtime), not per request', async () => {
  const cache = new EtagCache();
  const file = join(bucketDir, 'data.bin');
  const handle = await open(file);
  try {
    const first = cache.etagOf(file, handle, await handle.stat());
    assert.equal(cache.etagOf(file, handle, await handle.stat()), first);
    assert.equal(await first, md5);
    const later = new Date('2024-02-01T00:00:00Z');
    await utimes(file, later, later);
    const changed = cache.etagOf(file, handle, await stat(file));
    assert.notEqual(changed, first);
    assert.equal(await changed, md5);
  } finally {
    await handle.close();
  }
});
