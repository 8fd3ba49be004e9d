import assert from 'node:assert/strict';
import test from 'node:test';
import {
  MARKER_LIFETIME_MS,
  signMarker,
  type TierContext,
  verifyMarker,
} from '../../../../src/edge/tier/marker.js';

const secret = Buffer.from('s3cret');
const now = 1_800_000_000_000;
const context: TierContext = {
  d: 'E1TIER',
  method: 'GET',
  path: '/a/b.jpg',
  query: 'v=1',
  originPath: '/a/b.jpg',
  ip: '203.0.113.7',
  port: 4711,
  protocol: 'https',
  httpVersion: '2.0',
  tls: { version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', resumed: false },
  as: 'REC',
  t: now,
};

test('a marker made with the secret verifies to its context', () => {
  assert.deepEqual(verifyMarker(signMarker(context, secret), secret, now + 1000), context);
});

test('a marker is refused with another secret, or on a node without one', () => {
  const marker = signMarker(context, secret);
  assert.equal(verifyMarker(marker, Buffer.from('other'), now), undefined);
  assert.equal(verifyMarker(marker, undefined, now), undefined);
});

test('a marker whose context was changed is refused (the HMAC covers path, method, distribution)', () => {
  const [v, body, mac] = signMarker(context, secret).split('.');
  const changed = JSON.parse(Buffer.from(body, 'base64url').toString());
  changed.path = '/private/other';
  const forged = `${v}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${mac}`;
  assert.equal(verifyMarker(forged, secret, now), undefined);
});

test('a marker is good for MARKER_LIFETIME_MS either way, then refused', () => {
  const marker = signMarker(context, secret);
  assert.ok(verifyMarker(marker, secret, now + MARKER_LIFETIME_MS));
  assert.ok(verifyMarker(marker, secret, now - MARKER_LIFETIME_MS));
  assert.equal(verifyMarker(marker, secret, now + MARKER_LIFETIME_MS + 1), undefined);
  assert.equal(verifyMarker(marker, secret, now - MARKER_LIFETIME_MS - 1), undefined);
});

test('malformed markers are refused, never thrown on', () => {
  for (const value of [undefined, '', 'v1', 'v1..', 'v2.e30.x', 'v1.e30.x.y', ['a', 'b'], 'v1.%%%.abc']) {
    assert.equal(verifyMarker(value, secret, now), undefined);
  }
  // Signed, but not a context (a node of another version): refused.
  const bogus = signMarker({ d: 'E1', t: now } as unknown as TierContext, secret);
  assert.equal(verifyMarker(bogus, secret, now), undefined);
});
