/**
 * Hostile raw requests against a running `edgefront serve`, on both HTTP/1 engines: fast-check
 * generates batches of pipelined requests (fuzz-requests.ts: good ones, ones the lifecycle
 * refuses, malformed ones of every kind, binary garbage), sends each batch on its own connection
 * (several at once, in one write or cut into pieces, sometimes hanging up mid-request), and
 * checks, for every batch:
 * - every response is well-formed HTTP/1.1, answers its request in order, with the status that
 *   request must get (good: 200 from the origin; malformed: 400/413/417 and the connection
 *   closed); the edge never leaves a connection hanging;
 * - the origin saw exactly the good requests answered, whole, and never a malformed one (one
 *   malformed in its body and cut into pieces may have started, never completed);
 * - after each example the server is alive (/healthz) and serves a good request correctly.
 * `EDGEFRONT_FUZZ_SEED` replays a run; `EDGEFRONT_FUZZ_RUNS` sends more (default 800 per engine).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { allMethodsConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, startEdgeProcess } from '../../helpers/edge-process.js';
import { type Batch, batchArb, type Rendered } from './fuzz-requests.js';
import {
  ENGINES,
  exchange,
  type OriginSeen,
  type RecordingOrigin,
  readResponses,
  startRecordingOrigin,
} from './wire.js';

const RUNS = Number(process.env.EDGEFRONT_FUZZ_RUNS ?? 800);
const SEED =
  process.env.EDGEFRONT_FUZZ_SEED === undefined ? undefined : Number(process.env.EDGEFRONT_FUZZ_SEED);
/** A batch that ends with a request the edge must close after gets this long to do it. */
const CLOSE_BOUND_MS = 8_000;
/** Over this many bytes a write may reach the edge in several reads, as if cut. */
const ONE_READ_BYTES = 16 * 1024;

let origin: RecordingOrigin;
let config: string;
let cleanup: () => Promise<void>;
let nextId = 1;

before(async () => {
  origin = await startRecordingOrigin(50);
  const tmp = await tempDir();
  config = await writeYaml(tmp.dir, 'edgefront.yaml', allMethodsConfig(origin.port));
  cleanup = () => Promise.all([origin.close(), tmp.remove()]).then(() => undefined);
});
after(() => cleanup());

interface Sent {
  requests: Rendered[];
  /** The last request was cut short and the viewer hung up. */
  hungUp: boolean;
  /** The bytes may have reached the edge in more than one read. */
  pieces: boolean;
}

/** Renders a batch with fresh ids, sends it, and checks the responses; returns what was sent. */
async function sendBatch(port: number, batch: Batch, stats: Stats): Promise<Sent> {
  const n = batch.templates.length;
  const requests = batch.templates.map((template, i) => template(nextId++, i === n - 1));
  let bytes = requests.map((r) => r.bytes).join('');
  const hungUp = batch.hangUpAt !== null;
  if (hungUp) {
    const last = requests[n - 1].bytes.length;
    bytes = bytes.slice(0, bytes.length - last + Math.floor(batch.hangUpAt! * last));
  }
  const cuts = [...new Set(batch.cuts.map((c) => Math.floor(c * bytes.length)))]
    .filter((c) => c > 0)
    .sort((a, b) => a - b);
  const parts = [0, ...cuts]
    .map((start, i) => bytes.slice(start, cuts[i] ?? bytes.length))
    .filter((p) => p !== '');
  stats.requests += n;
  stats.bytes += bytes.length;
  const sent: Sent = { requests, hungUp, pieces: parts.length > 1 || bytes.length > ONE_READ_BYTES };
  const { text, closedByEdge } = await exchange(port, parts, { end: hungUp, idleMs: CLOSE_BOUND_MS });
  const context = () =>
    `batch ${JSON.stringify(requests.map((r) => r.bytes.slice(0, 300)))}\nanswer ${JSON.stringify(text.slice(0, 2000))}`;
  assert.ok(closedByEdge, `the edge left the connection open\n${context()}`);

  // The requests the edge reads, in order: up to the first it closes after (or the cut one).
  const answerable: Rendered[] = [];
  for (let i = 0; i < n; i++) {
    if (hungUp && i === n - 1) break;
    answerable.push(requests[i]);
    if (requests[i].closes) break;
  }
  const responses = (() => {
    try {
      // A refusal carries its page even for HEAD: the edge cannot know the method of bytes it refuses.
      const methods = answerable.map((r) => (r.parsed ? r.method : 'GET'));
      return readResponses(text, methods, hungUp || sent.pieces);
    } catch (err) {
      assert.fail(`${(err as Error).message}\n${context()}`);
    }
  })();
  stats.responses += responses.length;
  stats.read += answerable.length;
  responses.forEach((response, k) => {
    const request = answerable[k];
    if (request === undefined) {
      // The request cut short by the hang-up: answered from its head alone (a GET with a body
      // is 403 before the body arrives), or 400 by node:http, whose parser fails at the EOF.
      const cut = requests[n - 1];
      assert.ok(
        hungUp &&
          k === answerable.length &&
          (response.status === 400 || cut.statuses.includes(response.status)),
        `an extra response\n${context()}`,
      );
      return;
    }
    assert.ok(
      request.statuses.includes(response.status),
      `request ${k} (${request.kind}) got ${response.status}, wants ${request.statuses}\n${context()}`,
    );
    stats.statuses.set(response.status, (stats.statuses.get(response.status) ?? 0) + 1);
    if (request.kind === 'good' && request.method !== 'HEAD') {
      assert.match(
        response.body,
        new RegExp(`^seen ${request.method} /fz/${request.id}/.* ${request.body.length}$`, 's'),
      );
    }
  });
  // Every request the edge reads is answered, unless the viewer hung up or one malformed in
  // its body arrived in pieces (its origin request had started: the edge cuts the connection).
  const last = answerable[answerable.length - 1];
  const mayBeCut = hungUp || (sent.pieces && last?.malformedBody === true);
  if (!mayBeCut) assert.equal(responses.length, answerable.length, `unanswered requests\n${context()}`);
  return sent;
}

/** What the origin may have seen of each request sent (by id), given how its batch went. */
function checkOrigin(batches: Sent[], seen: Map<number, OriginSeen[]>): void {
  for (const { requests, hungUp, pieces } of batches) {
    let read = true; // the edge still reads requests on this connection
    requests.forEach((request, i) => {
      const records = seen.get(request.id) ?? [];
      const what = `request ${request.id} (${request.kind}) ${JSON.stringify(request.bytes.slice(0, 300))}: ${JSON.stringify(records)}`;
      const cut = hungUp && i === requests.length - 1;
      if (!read) assert.equal(records.length, 0, `forwarded after the connection's last request: ${what}`);
      else if (cut || (request.kind === 'bad' && request.malformedBody && pieces))
        assert.ok(
          records.every((r) => r.state === 'aborted') && records.length <= 1,
          `forwarded whole: ${what}`,
        );
      else if (request.kind === 'good') {
        assert.ok(records.length <= 1, `forwarded twice: ${what}`);
        // Unanswered only when the viewer hung up (its request was still sent, whole or cut).
        if (!hungUp) assert.equal(records.length, 1, `never forwarded: ${what}`);
        for (const r of records) {
          assert.equal(r.method, request.method, what);
          if (r.state === 'complete') assert.equal(r.body, request.body, what);
          else assert.ok(hungUp, `aborted: ${what}`);
        }
      } else assert.equal(records.length, 0, `forwarded: ${what}`);
      if (request.closes) read = false;
    });
  }
}

/** The origin's records by request id (the /fz/<id>/ in their path), indexed as they arrive. */
const byId = new Map<number, OriginSeen[]>();
let indexed = 0;
function seenById(): Map<number, OriginSeen[]> {
  for (; indexed < origin.seen.length; indexed++) {
    const record = origin.seen[indexed];
    const id = Number(/^\/fz\/(\d+)\//.exec(record.url)?.[1]);
    if (Number.isInteger(id)) byId.set(id, [...(byId.get(id) ?? []), record]);
  }
  return byId;
}

interface Stats {
  examples: number;
  /** Requests the edge must read: up to the first it closes the connection after. */
  read: number;
  requests: number;
  responses: number;
  bytes: number;
  statuses: Map<number, number>;
}

async function assertServing(edge: EdgeProcess): Promise<void> {
  const health = await fetch(new URL('/healthz', edge.admin));
  assert.equal(health.status, 200, 'the edge answers /healthz');
  const id = nextId++;
  const { text } = await exchange(Number(edge.http.port), [
    `GET /fz/${id}/after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
  ]);
  const [response] = readResponses(text);
  assert.equal(response?.status, 200, `a good request after the batch: ${text.slice(0, 500)}`);
  assert.equal(response.body, `seen GET /fz/${id}/after 0`);
}

for (const engine of ENGINES) {
  describe(`--http-engine ${engine}`, () => {
    let edge: EdgeProcess;
    before(async () => {
      edge = await startEdgeProcess(['--config', config, '--http-engine', engine]);
    });
    after(() => edge.close());

    test('hostile raw requests never crash the edge, never reach the origin malformed, and good traffic keeps being served', async (t) => {
      const stats: Stats = { examples: 0, read: 0, requests: 0, responses: 0, bytes: 0, statuses: new Map() };
      const port = Number(edge.http.port);
      const started = Date.now();
      const everything: Sent[] = [];
      const run = await fc.check(
        fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 4 }), async (batches) => {
          stats.examples++;
          const sent = await Promise.all(batches.map((batch) => sendBatch(port, batch, stats)));
          everything.push(...sent);
          await origin.settled();
          checkOrigin(sent, seenById());
          await assertServing(edge);
        }),
        { numRuns: RUNS, seed: SEED },
      );
      // fc.assert's report hides the assertion's message behind the counterexample: show both.
      if (run.failed)
        assert.fail(
          `${(run.errorInstance as Error | undefined)?.message}
(EDGEFRONT_FUZZ_SEED=${run.seed}, path ${run.counterexamplePath}) counterexample: ${fc.stringify(run.counterexample)}`,
        );
      // Once more over the whole run: an origin request that arrived late is judged too.
      await origin.settled();
      checkOrigin(everything, seenById());
      assert.doesNotMatch(
        edge.stderr(),
        /internal error|Uncaught|FATAL/,
        'the edge logged an internal error',
      );
      const statuses = [...stats.statuses].sort(([a], [b]) => a - b).map(([s, c]) => `${s}×${c}`);
      t.diagnostic(
        `${engine}: ${stats.examples} examples, ${stats.requests} requests (${(stats.bytes / 1024).toFixed(0)} KiB, ${stats.read} to be read) + ${stats.examples} checks, ${stats.responses} responses [${statuses.join(' ')}] in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    });
  });
}
