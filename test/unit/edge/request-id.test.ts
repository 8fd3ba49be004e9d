import assert from 'node:assert/strict';
import test from 'node:test';
import { newRequestId } from '../../../src/edge/request-id.js';

test('X-Amz-Cf-Id values are the canonical URL-safe base64 of 40 random bytes, as CloudFront’s', () => {
  const seen = new Set<string>();
  // More than one batch, so batch boundaries are crossed.
  for (let i = 0; i < 1000; i++) {
    const id = newRequestId();
    assert.match(id, /^[A-Za-z0-9_-]{54}==$/);
    const bytes = Buffer.from(id, 'base64url');
    assert.equal(bytes.length, 40);
    // Canonical: re-encoding gives the same text, so the padding bits are zero.
    assert.equal(`${bytes.toString('base64url')}==`, id);
    seen.add(id);
  }
  assert.equal(seen.size, 1000);
});
