/**
 * Behavior matching cannot be escaped, on both HTTP/1 engines (issue #6): fast-check builds request
 * paths out of dot segments (raw and escaped), doubled slashes, escaped letters, reserved escapes
 * (`%2F`, `%25`) and plain names, pipelines a batch of them on one connection to the
 * behavior-edge.ts fixture, and checks each answer against a model written apart from
 * src/edge/normalize-path.ts (unreserved escapes decoded, then POSIX path rules):
 * - a path that resolves into /private/ is 403 MissingKey and never reaches the origin;
 * - any other path is served by the behavior its resolved path names (`/public/*` or the
 *   default), and the origin gets the path exactly as the viewer sent it.
 * `EDGEFRONT_FUZZ_SEED` replays a run; `EDGEFRONT_FUZZ_RUNS` sends more (default 800 batches per
 * engine, as viewer-fuzz.test.ts).
 */
import assert from 'node:assert/strict';
import { posix } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { getAll, sharedBehaviorEdge } from './behavior-edge.js';
import { ENGINES } from './wire.js';

const RUNS = Number(process.env.EDGEFRONT_FUZZ_RUNS ?? 800);
const SEED =
  process.env.EDGEFRONT_FUZZ_SEED === undefined ? undefined : Number(process.env.EDGEFRONT_FUZZ_SEED);

const segment = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('', '.', '..', '%2e', '%2E', '%2e%2e', '%2E%2e', '.%2e', '%2e.') },
  { weight: 4, arbitrary: fc.constantFrom('public', 'private', 'x', '%70ublic', 'priv%61te', '%70%72ivate') },
  { weight: 1, arbitrary: fc.constantFrom('...', '.x', 'a.b', '%2F', '..%2F', '%2fprivate', '%5C', '%25') },
  { weight: 1, arbitrary: fc.constantFrom('%252e%252e', '%2e%2e%2f', 'public%2F..', '%7E', '%41') },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,;=:@-]{0,6}$/) },
);
/** Most paths start inside /public/ or /private/, where an escape would matter. */
const path = fc
  .tuple(fc.constantFrom('/public/', '/private/', '/'), fc.array(segment, { minLength: 1, maxLength: 10 }))
  .map(([start, segments]) => `${start}${segments.join('/')}`);

/** Which behavior judges `raw`: unreserved escapes decoded, then resolved as a POSIX path. */
function behaviorOf(raw: string): 'public' | 'private' | 'default' {
  const decoded = raw.replace(/%([0-9A-Fa-f]{2})/g, (encoded, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(char) ? char : encoded;
  });
  let resolved = posix.normalize(decoded);
  // RFC 3986 keeps the slash a trailing dot segment leaves (`/private/x/..` → `/private/`).
  if (/\/\.\.?$/.test(decoded) && !resolved.endsWith('/')) resolved += '/';
  if (resolved.startsWith('/public/')) return 'public';
  if (resolved.startsWith('/private/')) return 'private';
  return 'default';
}

const MISSING_KEY = /<Code>MissingKey<\/Code>/;

for (const engine of ENGINES) {
  describe(`--http-engine ${engine}`, () => {
    const b = sharedBehaviorEdge(engine);

    test('no path made of dot segments, slashes and escapes leaves the behavior its resolved path names', async (t) => {
      const counts = { examples: 0, requests: 0, public: 0, private: 0, default: 0 };
      const started = Date.now();
      const run = await fc.check(
        fc.asyncProperty(fc.array(path, { minLength: 1, maxLength: 8 }), async (targets) => {
          counts.examples++;
          counts.requests += targets.length;
          const hits = b.origin.hits;
          const responses = await getAll(b.edge, targets);
          assert.equal(responses.length, targets.length, 'every request is answered');
          let forwarded = 0;
          responses.forEach((res, i) => {
            const expected = behaviorOf(targets[i]);
            counts[expected]++;
            if (expected === 'private') {
              assert.equal(res.status, 403, `${targets[i]}: ${res.body}`);
              assert.match(res.body, MISSING_KEY, targets[i]);
            } else {
              forwarded++;
              assert.equal(res.status, 200, `${targets[i]}: ${res.body}`);
              assert.equal(res.body, `${expected} saw ${targets[i]}`);
            }
          });
          assert.equal(b.origin.hits - hits, forwarded, 'only the requests served reached the origin');
        }),
        { numRuns: RUNS, seed: SEED },
      );
      if (run.failed)
        assert.fail(
          `${(run.errorInstance as Error | undefined)?.message}
(EDGEFRONT_FUZZ_SEED=${run.seed}, path ${run.counterexamplePath}) counterexample: ${fc.stringify(run.counterexample)}`,
        );
      t.diagnostic(
        `${engine}: ${counts.examples} examples, ${counts.requests} requests (public ${counts.public}, private ${counts.private}, default ${counts.default}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    });
  });
}
