import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import test from 'node:test';
import { devCertificate } from '../../../src/edge/dev-cert.js';
import { tempDir } from '../../helpers/config.js';

test('the dev certificate covers localhost and *.localhost and is generated once, then reused', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.remove());
  const first = await devCertificate(tmp.dir);
  const second = await devCertificate(tmp.dir);
  assert.equal(second.cert, first.cert);
  const cert = new X509Certificate(first.cert);
  assert.ok(cert.checkHost('localhost'));
  assert.ok(cert.checkHost('e1abc.edgefront.localhost'));
  assert.match(cert.subjectAltName ?? '', /DNS:\*\.localhost/); // Node's checkHost refuses single-label wildcards
  assert.ok(cert.checkIP('127.0.0.1'));
  assert.equal(cert.checkHost('example.com'), undefined);
});
