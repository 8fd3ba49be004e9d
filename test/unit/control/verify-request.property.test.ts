/**
 * Property: whatever path, query and header values the SDK signs, verifyRequest agrees; and one
 * character changed in the body or in a signed header value is SignatureDoesNotMatch.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { extendedEncodeURIComponent } from '@smithy/core/protocols';
import fc from 'fast-check';
import { verifyRequest } from '../../../src/control/auth/verify-request.js';
import { assertApiError, CREDENTIALS, options, signV4, signV4a, type Unsigned } from './signing.js';

/** Any code point, with the characters that URLs and signers treat specially made common. */
const char = fc.oneof(
  // Any code point but a lone surrogate (which no URL or UTF-8 encoder accepts). Built from an
  // integer: fast-check's 'binary' unit spends ~1 s indexing all of Unicode on first use.
  fc
    .integer({ min: 0, max: 0x10ffff })
    .filter((cp) => cp < 0xd800 || cp > 0xdfff)
    .map((cp) => String.fromCodePoint(cp)),
  fc.constantFrom(...":/?#[]@!$&'()*+,;=% .~-_\t".split(''), '..', 'é', '😀'),
);
const text = (minLength: number, maxLength: number) => fc.string({ unit: char, minLength, maxLength });

/** Labels are single path segments, encoded as the SDK's rest serializers encode them. */
const path = fc
  .array(text(0, 8), { minLength: 1, maxLength: 5 })
  .map((segments) => `/${segments.map(extendedEncodeURIComponent).join('/')}`);
const query = fc.dictionary(
  text(1, 6).filter((name) => !name.toLowerCase().startsWith('x-amz-') && name !== '__proto__'),
  fc.oneof(text(0, 8), fc.array(text(0, 6), { minLength: 1, maxLength: 3 })),
  { maxKeys: 4, noNullPrototype: true },
);
const unsignedRequest = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
  path,
  query,
  headers: fc.record({ 'x-edgefront-a': text(1, 12), 'x-edgefront-b': text(1, 12) }),
  body: text(1, 40),
});
/** Which signed header and which character of it, or of the body, to change. */
const flip = fc.record({
  header: fc.constantFrom('x-edgefront-a', 'x-edgefront-b'),
  at: fc.nat(),
});

const withCharChanged = (value: string, at: number): string => {
  const i = at % value.length;
  return value.slice(0, i) + (value[i] === 'a' ? 'b' : 'a') + value.slice(i + 1);
};

/** SigV4A signing is pure-JS ECDSA in the SDK, hence fewer runs. */
const SIGNERS = [
  { name: 'SigV4', service: 'cloudfront', sign: signV4, numRuns: 200 },
  { name: 'SigV4A', service: 'cloudfront-keyvaluestore', sign: signV4a, numRuns: 60 },
] as const;

for (const { name, service, sign, numRuns } of SIGNERS) {
  test(`anything the SDK signs with ${name} verifies; one changed character never does`, async () => {
    const opts = options(service);
    await fc.assert(
      fc.asyncProperty(unsignedRequest, flip, async (unsigned: Unsigned, change) => {
        const req = await sign(unsigned);
        assert.equal(verifyRequest(req, opts).accessKeyId, CREDENTIALS.accessKeyId);
        const body = Buffer.from(req.body);
        body[change.at % body.length] ^= 0x01;
        assertApiError(() => verifyRequest({ ...req, body }, opts), 'SignatureDoesNotMatch');
        const value = withCharChanged(String(req.headers[change.header]), change.at);
        const headers = { ...req.headers, [change.header]: value };
        assertApiError(() => verifyRequest({ ...req, headers }, opts), 'SignatureDoesNotMatch');
      }),
      { numRuns },
    );
  });
}
