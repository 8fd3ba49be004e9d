import assert from 'node:assert/strict';
import test from 'node:test';
import { createEdge, ManualClock } from '../../../src/index.js';
import { simpleConfig } from '../../helpers/config.js';
import { startOrigin } from '../../helpers/origin.js';

test('edge.fetch answers in-process through the whole lifecycle, with no port', async (t) => {
  const origin = await startOrigin();
  const edge = await createEdge({ config: simpleConfig(origin.port) });
  t.after(() => Promise.all([edge.close(), origin.close()]));
  const res = await edge.fetch('http://localhost/hello?x=1');
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'origin saw GET /hello');
  assert.equal(res.headers.get('x-cache'), 'Miss from cloudfront');
  assert.equal(origin.requests[0].headers['user-agent'], 'Amazon CloudFront');
});

test('edge.reload swaps the config atomically and edge.listen serves the new one on a real socket', async (t) => {
  const first = await startOrigin((_req, res) => res.end('first'));
  const second = await startOrigin((_req, res) => res.end('second'));
  const edge = await createEdge({ config: simpleConfig(first.port) });
  t.after(() => Promise.all([edge.close(), first.close(), second.close()]));
  const { http } = await edge.listen();
  assert.equal(await (await fetch(new URL('/a', http))).text(), 'first');
  await edge.reload(simpleConfig(second.port));
  assert.equal(await (await fetch(new URL('/a', http))).text(), 'second');
  assert.equal(await (await edge.fetch('http://localhost/a')).text(), 'second');
});

test('a bad config given to reload is rejected with its issues and the old config keeps serving', async (t) => {
  const origin = await startOrigin((_req, res) => res.end('still here'));
  const edge = await createEdge({ config: simpleConfig(origin.port) });
  t.after(() => Promise.all([edge.close(), origin.close()]));
  const broken = simpleConfig(origin.port, {
    DefaultCacheBehavior: {
      TargetOriginId: 'nope',
      ViewerProtocolPolicy: 'allow-all',
      CachePolicyId: 'CachingDisabled',
    },
  });
  await assert.rejects(
    edge.reload(broken),
    (err: Error) => err.name === 'ConfigError' && /TargetOriginId/.test(err.message),
  );
  assert.equal(await (await edge.fetch('http://localhost/')).text(), 'still here');
});

test('an injected clock dates the responses the edge generates', async (t) => {
  const origin = await startOrigin();
  const clock = new ManualClock(Date.UTC(2030, 0, 2, 3, 4, 5));
  const edge = await createEdge({
    clock,
    config: simpleConfig(origin.port, {
      DefaultCacheBehavior: {
        TargetOriginId: 'app',
        ViewerProtocolPolicy: 'redirect-to-https',
        CachePolicyId: 'CachingDisabled',
      },
    }),
  });
  t.after(() => Promise.all([edge.close(), origin.close()]));
  const res = await edge.fetch('http://localhost/x', { redirect: 'manual' });
  assert.equal(res.status, 301);
  assert.equal(res.headers.get('date'), 'Wed, 02 Jan 2030 03:04:05 GMT');
  clock.advance(60);
  const later = await edge.fetch('http://localhost/x', { redirect: 'manual' });
  assert.equal(later.headers.get('date'), 'Wed, 02 Jan 2030 03:05:05 GMT');
});
