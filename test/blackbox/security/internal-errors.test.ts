/**
 * No internal error text reaches a viewer (DESIGN.md "Viewer-facing behaviour"): an exception
 * inside the edge is CloudFront's generic 500 page, and a failing edge function CloudFront's
 * 503, on both HTTP/1 engines and on HTTP/2, with no message, stack, path or error name in the
 * body or headers. The exception is real: the function log sink (createEdge's `functionLog`)
 * throws while the viewer-request phase reports a function's console line.
 */
import assert from 'node:assert/strict';
import { connect as http2Connect } from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { createEdge, type Edge } from '../../../src/edge/create-edge.js';
import { distributionOver, tempDir } from '../../helpers/config.js';
import { ENGINES, exchange, type RecordingOrigin, readResponses, startRecordingOrigin } from './wire.js';

const INTERNAL_SECRET = 'internal-secret-4711 at /srv/edge/keys.pem';
const FUNCTION_SECRET = 'function-secret-4712';
/** What must never show: the messages, a stack frame, an error class name, a file path. */
const LEAKS = [/secret-471/, /\bat [\w.<>]+ \(/, /\bTypeError\b|\bError:/, /\/srv\/|node:internal|\.js:\d+/];

function assertNoLeak(text: string, what: string): void {
  for (const leak of LEAKS) assert.doesNotMatch(text, leak, what);
}

function config(originPort: number) {
  const fn = (Name: string, code: string) => ({
    Name,
    FunctionConfig: { Runtime: 'cloudfront-js-2.0', Comment: '' },
    FunctionCode: `function handler(event) { ${code} }`,
  });
  return {
    Functions: [
      fn('logs', `console.log('about to be logged'); return event.request;`),
      fn('throws', `throw new Error('${FUNCTION_SECRET}');`),
    ],
    Distributions: [
      distributionOver(
        'E1LEAK',
        originPort,
        ['logs', 'throws'].map((name) => ({
          PathPattern: `/${name}/*`,
          CachePolicyId: 'CachingDisabled',
          FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: name }],
        })),
        'CachingDisabled',
      ),
    ],
  };
}

let origin: RecordingOrigin;
before(async () => {
  origin = await startRecordingOrigin();
});
after(() => origin.close());

/** Throws on the `logs` function's line only: the `throws` function's error is logged normally. */
function throwingLog(line: string): void {
  if (line.includes('about to be logged')) throw new Error(INTERNAL_SECRET);
}

for (const engine of ENGINES) {
  describe(`--http-engine ${engine}`, () => {
    let edge: Edge;
    let port: number;
    before(async () => {
      edge = await createEdge({ config: config(origin.port), httpEngine: engine, functionLog: throwingLog });
      port = Number((await edge.listen()).http.port);
    });
    after(() => edge.close());

    test('an internal exception is CloudFront’s generic 500 page, without its message or stack', async () => {
      const { text } = await exchange(port, [
        'GET /logs/a HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      ]);
      const [failed, next] = readResponses(text);
      assert.equal(failed.status, 500);
      assert.equal(failed.headers['x-cache'], 'Error from cloudfront');
      assert.match(failed.body, /<H1>500 ERROR<\/H1>/);
      assertNoLeak(text, 'internal exception');
      assert.equal(next.status, 200, 'the connection serves on');
      assert.equal(origin.seen.filter((s) => s.url === '/logs/a').length, 0);
    });

    test('a function that throws is CloudFront’s 503 page, without the function’s message', async () => {
      const { text } = await exchange(port, [
        'GET /throws/a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      ]);
      const [failed] = readResponses(text);
      assert.equal(failed.status, 503);
      assert.equal(failed.headers['x-cache'], 'FunctionExecutionError from cloudfront');
      assertNoLeak(text, 'function error');
    });
  });
}

describe('HTTP/2', () => {
  let edge: Edge;
  let state: { dir: string; remove(): Promise<void> };
  before(async () => {
    state = await tempDir();
    edge = await createEdge({
      config: config(origin.port),
      functionLog: throwingLog,
      httpsPort: 0,
      stateDir: state.dir,
    });
    await edge.listen();
  });
  after(async () => {
    await edge.close();
    await state.remove();
  });

  test('an internal exception is the same generic 500 page over HTTP/2', async () => {
    const url = (await edge.listen()).https!;
    const session = http2Connect(url.href, { rejectUnauthorized: false });
    session.on('error', () => {});
    try {
      const { status, headers, body } = await new Promise<{ status: number; headers: string; body: string }>(
        (resolve, reject) => {
          const stream = session.request({ ':path': '/logs/h2' });
          let answer = { status: 0, headers: '' };
          let body = '';
          stream.setEncoding('utf8');
          stream.on('response', (h) => {
            answer = { status: Number(h[':status']), headers: JSON.stringify(h) };
          });
          stream.on('data', (d: string) => {
            body += d;
          });
          stream.on('end', () => resolve({ ...answer, body }));
          stream.on('error', reject);
          stream.end();
        },
      );
      assert.equal(status, 500);
      assertNoLeak(headers + body, 'HTTP/2 internal exception');
    } finally {
      session.close();
    }
  });
});
