/**
 * `--parent URL`: two edges in front of one regional tier (REC), real `edgefront serve`
 * processes and a counting origin on loopback (issue #7 item 4).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { signMarker } from '../../../src/edge/tier/marker.js';
import { tempDir } from '../../helpers/config.js';
import type { EdgeProcess } from '../../helpers/edge-process.js';
import { startOrigin, type TestOrigin } from '../../helpers/origin.js';
import { SECRET, startNode, timingDesc, viaHostOf, writeTierConfig } from './tier-config.js';

let origin: TestOrigin;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let config: string;
let parent: EdgeProcess;
let edgeA: EdgeProcess;
let edgeB: EdgeProcess;

const seen = (path: string) => origin.requests.filter((r) => r.url.split('?')[0] === path);

before(async () => {
  origin = await startOrigin(async (req, res) => {
    // A slow origin keeps concurrent misses concurrent; the count below holds either way.
    if (req.url?.startsWith('/slow/')) await new Promise((r) => setTimeout(r, 300));
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
    res.end(`origin body for ${req.method} ${req.url}`);
  });
  tmp = await tempDir();
  config = await writeTierConfig(tmp.dir, origin.port);
  parent = await startNode(config, 'REC50-C1');
  const toParent = ['--parent', parent.http.href];
  [edgeA, edgeB] = await Promise.all([
    startNode(config, 'EDGA50-C1', toParent),
    startNode(config, 'EDGB50-C1', toParent),
  ]);
});

after(async () => {
  await Promise.all([edgeA?.close(), edgeB?.close(), parent?.close()]);
  await Promise.all([origin?.close(), tmp?.remove()]);
});

test('concurrent misses spread over two edges make exactly one origin request', async () => {
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) => fetch((i % 2 ? edgeA : edgeB).url('/slow/stampede'))),
  );
  const bodies = await Promise.all(responses.map((r) => r.text()));
  for (const body of bodies) assert.equal(body, 'origin body for GET /slow/stampede');
  assert.equal(seen('/slow/stampede').length, 1);
  // The origin was asked by the regional tier, not by either edge.
  assert.match(String(seen('/slow/stampede')[0].headers.via), new RegExp(viaHostOf('REC50-C1')));
  assert.doesNotMatch(String(seen('/slow/stampede')[0].headers.via), new RegExp(viaHostOf('EDGA50-C1')));
});

test('a miss everywhere says Miss, with the regional tier as cdn-upstream-layer', async () => {
  const res = await fetch(edgeA.url('/miss'));
  assert.equal(res.headers.get('x-cache'), 'Miss from cloudfront');
  assert.equal(res.headers.get('x-amz-cf-pop'), 'EDGA50-C1');
  assert.equal(timingDesc(res.headers.get('server-timing'), 'cdn-upstream-layer'), 'REC');
  assert.equal(res.headers.get('x-edgefront-tier-outcome'), null, 'the tier outcome never reaches a viewer');
  await res.text();
  // Cached at the edge too: its own hit, from its own layer.
  const again = await fetch(edgeA.url('/miss'));
  assert.equal(again.headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(timingDesc(again.headers.get('server-timing'), 'cdn-hit-layer'), 'EDGE');
  await again.text();
  assert.equal(seen('/miss').length, 1);
});

test('a hit at the regional tier is a Hit at the other edge, cdn-hit-layer REC, Age carried over', async () => {
  await (await fetch(edgeA.url('/aged'))).text();
  // Let the tier's copy age (bounded polling, on the tier itself: hits, never the origin).
  let tierAge = 0;
  for (const deadline = Date.now() + 5000; tierAge < 2 && Date.now() < deadline; ) {
    const res = await fetch(parent.url('/aged'));
    tierAge = Number(res.headers.get('age'));
    await res.text();
    if (tierAge < 2) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(tierAge >= 2, `the tier's copy aged (${tierAge})`);
  const res = await fetch(edgeB.url('/aged'));
  assert.equal(res.headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(timingDesc(res.headers.get('server-timing'), 'cdn-hit-layer'), 'REC');
  assert.ok(Number(res.headers.get('age')) >= 2, `Age carried over, not reset: ${res.headers.get('age')}`);
  await res.text();
  const own = await fetch(edgeB.url('/aged'));
  assert.equal(own.headers.get('x-cache'), 'Hit from cloudfront');
  assert.ok(
    Number(own.headers.get('age')) >= 2,
    `the edge's own copy keeps the tier's age: ${own.headers.get('age')}`,
  );
  await own.text();
  assert.equal(seen('/aged').length, 1);
});

test('viewer-request functions run once, at the edge only', async () => {
  const res = await fetch(edgeA.url('/functions'));
  await res.text();
  assert.equal(seen('/functions').length, 1);
  assert.equal(seen('/functions')[0].headers['x-fn'], 'f');
  assert.match(
    String(seen('/functions')[0].headers.via),
    new RegExp(viaHostOf('REC50-C1')),
    'through the tier',
  );
  // A behavior whose function refuses everyone refuses at the edge; the tier never sees it.
  const refused = await fetch(edgeB.url('/private/x'));
  assert.equal(refused.status, 403);
  assert.equal(refused.headers.get('x-cache'), 'FunctionGeneratedResponse from cloudfront');
  await refused.text();
  assert.equal(seen('/private/x').length, 0);
});

test('origin-facing Lambda@Edge runs once, at the tier that calls the origin, never again at the edge', async () => {
  const res = await fetch(edgeA.url('/lambda/once'));
  assert.equal(res.headers.get('x-cache'), 'Miss from cloudfront');
  assert.equal(res.headers.get('x-lambda-response'), 'r');
  await res.text();
  const [sent] = seen('/lambda/once');
  assert.equal(sent.headers['x-lambda'], 'l');
  assert.match(String(sent.headers.via), new RegExp(viaHostOf('REC50-C1')));
  // A hit at the tier: the stored response as the tier's origin-response handler left it.
  const other = await fetch(edgeB.url('/lambda/once'));
  assert.equal(other.headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(other.headers.get('x-lambda-response'), 'r');
  await other.text();
  assert.equal(seen('/lambda/once').length, 1);
});

test('POST goes from the edge to the origin directly, never through the tier', async () => {
  const res = await fetch(edgeA.url('/form'), { method: 'POST', body: 'a=1' });
  assert.equal(await res.text(), 'origin body for POST /form');
  const [post] = seen('/form');
  assert.match(String(post.headers.via), new RegExp(viaHostOf('EDGA50-C1')));
  assert.doesNotMatch(String(post.headers.via), new RegExp(viaHostOf('REC50-C1')));
  assert.equal(post.body, 'a=1');
});

/** What a REC-bound edge signs for a viewer GET of `path` (src/edge/tier/marker.ts). */
function markerContext(path: string) {
  return {
    d: 'E1TIER',
    method: 'GET',
    path,
    query: '',
    originPath: path,
    ip: '203.0.113.9',
    port: 1234,
    protocol: 'http',
    httpVersion: '1.1',
    as: 'REC',
    t: Date.now(),
  } as const;
}

test('a forged tier marker from a viewer is not honoured: every viewer check runs', async () => {
  const forged = [
    'v1.eyJkIjoiRTFUSUVSIn0.not-a-signature',
    signMarker(markerContext('/private/forged'), Buffer.from(`not-${SECRET}`)),
  ];
  for (const marker of forged) {
    for (const node of [parent, edgeA]) {
      const res = await fetch(node.url('/private/forged'), { headers: { 'x-edgefront-tier': marker } });
      assert.equal(res.status, 403);
      assert.equal(await res.text(), 'refused by the viewer function');
      assert.equal(res.headers.get('x-edgefront-tier-outcome'), null);
    }
  }
  assert.equal(seen('/private/forged').length, 0);
  // On a path the viewer may use, the forged header is dropped, never passed on.
  const res = await fetch(edgeA.url('/forwarded'), { headers: { 'x-edgefront-tier': forged[0] } });
  await res.text();
  for (const r of seen('/forwarded')) assert.equal(r.headers['x-edgefront-tier'], undefined);
  assert.equal(seen('/forwarded')[0].headers['x-fn'], 'f');
});

test('a marker signed with the shared secret is honoured by the tier: no viewer function there', async () => {
  const marker = signMarker(markerContext('/signed'), Buffer.from(SECRET));
  const res = await fetch(parent.url('/signed'), { headers: { 'x-edgefront-tier': marker } });
  assert.equal(await res.text(), 'origin body for GET /signed');
  assert.match(String(res.headers.get('x-edgefront-tier-outcome')), /result=Miss&layer=REC&from=origin/);
  assert.equal(res.headers.get('x-cache'), null, 'the tier answers the child, not a viewer');
  assert.equal(seen('/signed')[0].headers['x-fn'], undefined, 'no viewer function ran at the tier');
  assert.match(String(seen('/signed')[0].headers['x-forwarded-for']), /203\.0\.113\.9/);
});
