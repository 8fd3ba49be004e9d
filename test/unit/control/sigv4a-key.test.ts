import assert from 'node:assert/strict';
import { createPrivateKey, sign } from 'node:crypto';
import test from 'node:test';
import {
  deriveSigV4aKeyPair,
  isSigV4aSignatureValid,
  sigV4aPublicKey,
} from '../../../src/control/auth/sigv4a-key.js';

// The known-answer vector shared by the AWS SDK test suites (reference/control-api.md §4.3).
const ACCESS_KEY_ID = 'AKISORANDOMAASORANDOM';
const SECRET = 'q+jcrXGc+0zWN6uzclKVhvMmUsIfRPa4rlRandom';
const D = '7fd3bd010c0d9c292141c2b77bfbde1042c92e6836fff749d1269ec890fca1bd';
const X = '15d242ceebf8d8169fd6a8b5a746c41140414c3b07579038da06af89190fffcb';
const Y = '0515242cedd82e94799482e4c0514b505afccf2c0c98d6a553bf539f424c5ec0';

test('the SigV4A key derivation reproduces the AWS known-answer vector', () => {
  const { privateScalar, publicPoint } = deriveSigV4aKeyPair(ACCESS_KEY_ID, SECRET);
  assert.equal(privateScalar.toString('hex'), D);
  assert.equal(publicPoint.toString('hex'), `04${X}${Y}`);
});

test('the cached public key verifies what the derived private key signs, and nothing else', () => {
  const key = sigV4aPublicKey(ACCESS_KEY_ID, SECRET);
  assert.equal(sigV4aPublicKey(ACCESS_KEY_ID, SECRET), key, 'cached per access key');
  const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64url');
  const privateKey = createPrivateKey({
    key: { kty: 'EC', crv: 'P-256', d: b64(D), x: b64(X), y: b64(Y) },
    format: 'jwk',
  });
  const signature = sign('sha256', Buffer.from('string to sign'), { key: privateKey, dsaEncoding: 'der' });
  assert.ok(isSigV4aSignatureValid(key, 'string to sign', signature.toString('hex')));
  assert.ok(!isSigV4aSignatureValid(key, 'string to sign!', signature.toString('hex')));
  assert.ok(!isSigV4aSignatureValid(key, 'string to sign', 'zz'), 'not hex');
  assert.ok(!isSigV4aSignatureValid(key, 'string to sign', '30'.repeat(20)), 'not DER');
});

test('a rotated secret derives a new public key instead of reusing the cached one', () => {
  const before = sigV4aPublicKey('AKIDROTATED', 'secret-1');
  const after = sigV4aPublicKey('AKIDROTATED', 'secret-2');
  assert.notEqual(before, after);
  assert.ok(!before.equals(after));
});
