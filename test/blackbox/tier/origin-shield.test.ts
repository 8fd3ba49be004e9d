/**
 * `--origin-shield REGION=URL`: an origin whose OriginShield is enabled in REGION sends its
 * misses through the node at URL, a third layer behind the regional tier (issue #7 item 4).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempDir } from '../../helpers/config.js';
import type { EdgeProcess } from '../../helpers/edge-process.js';
import { startOrigin, type TestOrigin } from '../../helpers/origin.js';
import { startNode, timingDesc, viaHostOf, writeTierConfig } from './tier-config.js';

let origin: TestOrigin;
let tmp: Awaited<ReturnType<typeof tempDir>>;
let config: string;
let shield: EdgeProcess;
let rec: EdgeProcess;
let edgeA: EdgeProcess;
let edgeB: EdgeProcess;
let edgeC: EdgeProcess;

const seen = (path: string) => origin.requests.filter((r) => r.url.split('?')[0] === path);

before(async () => {
  origin = await startOrigin(async (req, res) => {
    if (req.url?.startsWith('/slow/')) await new Promise((r) => setTimeout(r, 300));
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=60' });
    res.end(`origin body for ${req.url}`);
  });
  tmp = await tempDir();
  config = await writeTierConfig(tmp.dir, origin.port, {
    Enabled: true,
    OriginShieldRegion: 'us-east-1',
  });
  shield = await startNode(config, 'SHD50-C1');
  const toShield = ['--origin-shield', `us-east-1=${shield.http.href}`];
  [rec, edgeA, edgeB] = await Promise.all([
    startNode(config, 'REC50-C1', toShield),
    startNode(config, 'EDGA50-C1', toShield),
    startNode(config, 'EDGB50-C1', toShield),
  ]);
  edgeC = await startNode(config, 'EDGC50-C1', ['--parent', rec.http.href]);
});

after(async () => {
  await Promise.all([edgeA, edgeB, edgeC, rec, shield].map((node) => node?.close()));
  await Promise.all([origin?.close(), tmp?.remove()]);
});

test('concurrent misses at two edges reach the origin once, through the Origin Shield node', async () => {
  const responses = await Promise.all(
    Array.from({ length: 20 }, (_, i) => fetch((i % 2 ? edgeA : edgeB).url('/slow/shielded'))),
  );
  for (const res of responses) assert.equal(await res.text(), 'origin body for /slow/shielded');
  assert.equal(seen('/slow/shielded').length, 1);
  assert.match(String(seen('/slow/shielded')[0].headers.via), new RegExp(viaHostOf('SHD50-C1')));
});

test('a miss names Origin Shield as cdn-upstream-layer; a hit there, as cdn-hit-layer', async () => {
  const miss = await fetch(edgeA.url('/layers'));
  assert.equal(miss.headers.get('x-cache'), 'Miss from cloudfront');
  assert.equal(timingDesc(miss.headers.get('server-timing'), 'cdn-upstream-layer'), 'Origin Shield');
  await miss.text();
  const hit = await fetch(edgeB.url('/layers'));
  assert.equal(hit.headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(timingDesc(hit.headers.get('server-timing'), 'cdn-hit-layer'), 'Origin Shield');
  await hit.text();
  assert.equal(seen('/layers').length, 1);
});

test('edge → regional tier → Origin Shield: a hit at the shield is reported as layer 3', async () => {
  await (await fetch(edgeA.url('/three'))).text(); // now cached at the shield (and edge A)
  const res = await fetch(edgeC.url('/three'));
  assert.equal(res.headers.get('x-cache'), 'Hit from cloudfront');
  assert.equal(timingDesc(res.headers.get('server-timing'), 'cdn-hit-layer'), 'Origin Shield');
  await res.text();
  assert.equal(seen('/three').length, 1);
  const again = await fetch(edgeC.url('/three'));
  assert.equal(
    timingDesc(again.headers.get('server-timing'), 'cdn-hit-layer'),
    'EDGE',
    'now in the edge cache',
  );
  await again.text();
});

test('a miss through the regional tier and the shield is asked of the origin by the shield', async () => {
  const res = await fetch(edgeC.url('/deep'));
  assert.equal(res.headers.get('x-cache'), 'Miss from cloudfront');
  assert.equal(timingDesc(res.headers.get('server-timing'), 'cdn-upstream-layer'), 'Origin Shield');
  await res.text();
  assert.equal(seen('/deep').length, 1);
  assert.match(String(seen('/deep')[0].headers.via), new RegExp(viaHostOf('SHD50-C1')));
  // Another edge behind the same regional tier: a REC hit, layer 2.
  const edgeD = await startNode(config, 'EDGD50-C1', ['--parent', rec.http.href]);
  try {
    const hit = await fetch(edgeD.url('/deep'));
    assert.equal(timingDesc(hit.headers.get('server-timing'), 'cdn-hit-layer'), 'REC');
    await hit.text();
  } finally {
    await edgeD.close();
  }
  assert.equal(seen('/deep').length, 1);
});

test('an enabled OriginShield that no --origin-shield maps: a startup note, misses go to the origin', async () => {
  const lonely = await startNode(config, 'ONE50-C1', ['--origin-shield', `eu-west-1=${shield.http.href}`]);
  try {
    assert.match(
      lonely.stderr(),
      /origin app: OriginShield in us-east-1 has no --origin-shield us-east-1=URL/,
    );
    const direct = await fetch(lonely.url('/unmapped'));
    assert.equal(timingDesc(direct.headers.get('server-timing'), 'cdn-upstream-layer'), 'EDGE');
    await direct.text();
    assert.match(String(seen('/unmapped')[0].headers.via), new RegExp(viaHostOf('ONE50-C1')));
  } finally {
    await lonely.close();
  }
});
