/**
 * Cache behaviors are chosen by the normalised path, on both HTTP/1 engines (issue #6): CloudFront
 * "normalizes URI paths consistent with RFC 3986 and then matches the path with the correct cache
 * behavior", then "sends the raw URI path to the origin". So dot segments (raw or escaped) and
 * doubled slashes never lead a request out of `/private/*`, which requires signed URLs, into an
 * earlier `/public/*`; and a signed request's Resource is held to the same path.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cannedTarget, customTarget, getAll, HOST, sharedBehaviorEdge } from './behavior-edge.js';
import { ENGINES } from './wire.js';

const MISSING_KEY =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>MissingKey</Code><Message>Missing Key-Pair-Id query parameter or cookie value</Message></Error>';
const ACCESS_DENIED =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access denied</Message></Error>';

/** Paths a viewer may use to reach /private/x through /public/* or the default behavior. */
const INTO_PRIVATE = [
  '/public/../private/x',
  '/public/./../private/x',
  '/public/a/b/../../../private/x',
  '/public/%2e%2e/private/x',
  '/public/%2E%2e/private/x',
  '/public/.%2e/private/x',
  '/public/%2e/../private/x',
  '//private/x',
  '/public//../private/x',
  '/./private/x',
  '/%70rivate/x',
  '/priv%61te/x',
  '/../private/x',
  '/private/x/..',
];

for (const engine of ENGINES) {
  describe(`--http-engine ${engine}`, () => {
    const b = sharedBehaviorEdge(engine);

    test('a path whose dot segments or doubled slashes lead into /private/ is judged by /private/*: 403 MissingKey, the origin not asked', async () => {
      const hits = b.origin.hits;
      const responses = await getAll(b.edge, INTO_PRIVATE);
      assert.equal(responses.length, INTO_PRIVATE.length);
      responses.forEach((res, i) => {
        assert.equal(res.status, 403, INTO_PRIVATE[i]);
        assert.equal(res.headers['x-cache'], 'Error from cloudfront', INTO_PRIVATE[i]);
        assert.equal(res.body, MISSING_KEY, INTO_PRIVATE[i]);
      });
      assert.equal(b.origin.hits, hits, 'the origin was not asked');
    });

    test('once a behavior is chosen by the normalised path, the origin gets the raw path', async () => {
      const cases: [target: string, answer: string][] = [
        ['/public/a/../b', 'public saw /public/a/../b'],
        ['/public/./x', 'public saw /public/./x'],
        ['/public//x', 'public saw /public//x'],
        ['/%70ublic/x', 'public saw /%70ublic/x'],
        ['/private/../public/x', 'public saw /private/../public/x'],
        ['/private/%2e%2e/elsewhere', 'default saw /private/%2e%2e/elsewhere'],
        // %2F is not a separator (RFC 3986: a reserved character's escape differs from it)
        ['/public/..%2Fprivate/x', 'public saw /public/..%2Fprivate/x'],
        ['/private%2Fx', 'default saw /private%2Fx'],
        ['/plain', 'default saw /plain'],
      ];
      const responses = await getAll(
        b.edge,
        cases.map(([target]) => target),
      );
      responses.forEach((res, i) => {
        assert.equal(res.status, 200, cases[i][0]);
        assert.equal(res.body, cases[i][1]);
      });
    });

    test('a canned URL signed for the raw path is granted by /private/* and the origin gets that path', async () => {
      const responses = await getAll(b.edge, [
        cannedTarget(b.signer, '/public/../private/x'),
        cannedTarget(b.signer, '//private/y'),
      ]);
      assert.deepEqual(
        responses.map((r) => [r.status, r.body]),
        [
          [200, 'private saw /public/../private/x'],
          [200, 'private saw //private/y'],
        ],
      );
    });

    test('a custom policy for /public/* grants no path that normalises out of /public/ (403 AccessDenied)', async () => {
      const resource = `http://${HOST}/public/*`;
      const hits = b.origin.hits;
      const refused = await getAll(b.edge, [
        customTarget(b.signer, '/public/../private/x', resource),
        customTarget(b.signer, '/public/%2e%2e/private/x', resource),
      ]);
      for (const res of refused) {
        assert.equal(res.status, 403);
        assert.equal(res.body, ACCESS_DENIED);
      }
      assert.equal(b.origin.hits, hits, 'the origin was not asked');
      // The same policy for /private/* grants its own paths, dot segments that stay inside included.
      const own = `http://${HOST}/private/*`;
      const granted = await getAll(b.edge, [
        customTarget(b.signer, '/private/x', own),
        customTarget(b.signer, '/private/a/../x', own),
      ]);
      assert.deepEqual(
        granted.map((r) => [r.status, r.body]),
        [
          [200, 'private saw /private/x'],
          [200, 'private saw /private/a/../x'],
        ],
      );
    });
  });
}
