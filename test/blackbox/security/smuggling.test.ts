/**
 * Request smuggling defences on the viewer HTTP port, on both HTTP/1 engines (`--http-engine
 * edgefront`, the default, and `node`): every ambiguous or malformed request is answered 400
 * with CloudFront's page and the connection closed, the two engines answer byte-for-byte the
 * same status and body, and the origin never sees the request, nor anything smuggled in it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { clientErrorPage } from '../../../src/edge/http1/error-responses.js';
import { allMethodsConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { type EdgeProcess, startEdgeProcess } from '../../helpers/edge-process.js';
import { ENGINES, exchange, type RecordingOrigin, readResponses, startRecordingOrigin } from './wire.js';

/** Long enough that an answer "at once" is never mistaken for silence; far below the 60 s timeout. */
const BOUND_IDLE_MS = 5_000;

/** Each case's request goes to /smuggle/<name>; a smuggled one to /smuggled. */
const REFUSED: Record<string, string> = {
  'Content-Length and Transfer-Encoding (CL.TE)':
    'POST /smuggle/cl-te HTTP/1.1\r\nHost: x\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
  'Transfer-Encoding and Content-Length (TE.CL)':
    'POST /smuggle/te-cl HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n22\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n\r\n0\r\n\r\n',
  'two different Content-Lengths':
    'POST /smuggle/cl-cl HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcdGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
  'two equal Content-Lengths':
    'POST /smuggle/cl-same HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd',
  'a Content-Length list': 'POST /smuggle/cl-list HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 4\r\n\r\nabcd',
  'a signed Content-Length': 'POST /smuggle/cl-plus HTTP/1.1\r\nHost: x\r\nContent-Length: +4\r\n\r\nabcd',
  'a negative Content-Length': 'POST /smuggle/cl-neg HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
  'a hex Content-Length': 'POST /smuggle/cl-hex HTTP/1.1\r\nHost: x\r\nContent-Length: 0x10\r\n\r\n',
  'an empty Content-Length': 'POST /smuggle/cl-empty HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n',
  'Transfer-Encoding: gzip':
    'POST /smuggle/te-gzip HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\nabcd',
  'Transfer-Encoding: gzip, chunked':
    'POST /smuggle/te-gzip-chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
  'Transfer-Encoding: identity':
    'GET /smuggle/te-identity HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n',
  'Transfer-Encoding: chunked, identity':
    'POST /smuggle/te-chunked-identity HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n',
  'Transfer-Encoding twice':
    'POST /smuggle/te-te HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  'Transfer-Encoding: xchunked':
    'POST /smuggle/te-x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n',
  'a space before the colon':
    'POST /smuggle/te-space HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n',
  'obs-fold continuing a header': 'GET /smuggle/fold HTTP/1.1\r\nHost: x\r\nX-A: b\r\n folded\r\n\r\n',
  'obs-fold as the first header': 'GET /smuggle/fold-first HTTP/1.1\r\n Host: x\r\n\r\n',
  'bare LF line ends': 'GET /smuggle/lf HTTP/1.1\nHost: x\n\n',
  'a bare LF inside the head': 'GET /smuggle/lf-mid HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n',
  'a bare CR inside the head': 'GET /smuggle/cr-mid HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n',
  'a CR inside a value': 'GET /smuggle/cr-value HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n',
  'a NUL inside a value': 'GET /smuggle/nul HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n',
  'a DEL inside a value': 'GET /smuggle/del HTTP/1.1\r\nHost: x\r\nX-A: a\x7fb\r\n\r\n',
  'a header name with a space': 'GET /smuggle/name-space HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n',
  'a header name with a tab': 'GET /smuggle/name-tab HTTP/1.1\r\nHost: x\r\nX-A\t: b\r\n\r\n',
  'an empty header name': 'GET /smuggle/name-empty HTTP/1.1\r\nHost: x\r\n: b\r\n\r\n',
  'a non-ASCII header name': 'GET /smuggle/name-8bit HTTP/1.1\r\nHost: x\r\nX-\xe9: b\r\n\r\n',
  'a chunk size that is not hex':
    'POST /smuggle/chunk-zz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n',
  'a negative chunk size':
    'POST /smuggle/chunk-neg HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nab\r\n0\r\n\r\n',
  'a 0x chunk size':
    'POST /smuggle/chunk-0x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0x2\r\nab\r\n0\r\n\r\n',
  'a chunk size after a space':
    'POST /smuggle/chunk-sp HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n 2\r\nab\r\n0\r\n\r\n',
  'a chunk size before a space':
    'POST /smuggle/chunk-sp2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2 \r\nab\r\n0\r\n\r\n',
  'an overflowing chunk size':
    'POST /smuggle/chunk-big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\nab\r\n0\r\n\r\n',
  'a bare LF after a chunk size':
    'POST /smuggle/chunk-lf HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n0\r\n\r\n',
  'chunk data longer than its size':
    'POST /smuggle/chunk-long HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n',
  'a bad chunk after a good one':
    'POST /smuggle/chunk-second HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n0\r\n\r\n',
  'a control character in a chunk extension':
    'POST /smuggle/chunk-ext HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2;a\x01\r\nab\r\n0\r\n\r\n',
  'a trailer line that is not a field':
    'POST /smuggle/trailer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\nX y\r\n\r\n',
  'HTTP/9.9': 'GET /smuggle/v99 HTTP/9.9\r\nHost: x\r\n\r\n',
  'HTTP/2.0 on the HTTP/1 port (crashed the node engine, #6)': 'GET /smuggle/v20 HTTP/2.0\r\nHost: x\r\n\r\n',
  'HTTP/0.9 as a version': 'GET /smuggle/v09 HTTP/0.9\r\nHost: x\r\n\r\n',
  'HTTP/1.2': 'GET /smuggle/v12 HTTP/1.2\r\nHost: x\r\n\r\n',
  'a request line without a version': 'GET /smuggle/simple\r\n\r\n',
  'an unknown method': 'FOO /smuggle/foo HTTP/1.1\r\nHost: x\r\n\r\n',
  'a lowercase method': 'get /smuggle/lower HTTP/1.1\r\nHost: x\r\n\r\n',
  'a method with a non-token character': 'G@T /smuggle/at HTTP/1.1\r\nHost: x\r\n\r\n',
  'a tab between method and target': 'GET\t/smuggle/tab HTTP/1.1\r\nHost: x\r\n\r\n',
  'a space before the method': ' GET /smuggle/lead HTTP/1.1\r\nHost: x\r\n\r\n',
  'a space inside the target': 'GET /smuggle/a b HTTP/1.1\r\nHost: x\r\n\r\n',
  'a non-ASCII byte in the target': 'GET /smuggle/\xe9 HTTP/1.1\r\nHost: x\r\n\r\n',
  CONNECT: 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n',
  'an HTTP/2 connection preface': 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
  'HTTP/1.1 without Host': 'GET /smuggle/no-host HTTP/1.1\r\n\r\n',
  'two Host headers': 'GET /smuggle/two-hosts HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n',
  'a TLS handshake on the HTTP port': '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03',
  // Found by viewer-fuzz.test.ts (#6):
  'a CR before a line end (String#trim let it through)':
    'GET /smuggle/cr-end HTTP/1.1\r\nHost: x\r\r\nX-A: b\r\n\r\n',
  'Transfer-Encoding: chunked, then an empty one':
    'POST /smuggle/te-empty HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: \r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
  'garbage longer than the header limit (400 at its first byte, not 413)': `\x16${'g'.repeat(21_000)}`,
  'no Host, then a pipelined request with an expectation (left the node engine hanging)':
    'POST /smuggle/no-host-body HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nPOST /smuggle/expects HTTP/1.1\r\nHost: x\r\nExpect: 100-continu\r\nContent-Length: 0\r\n\r\n',
  'a refused request with a body, then a pipelined one (left the node engine hanging)':
    'POST /smuggle/no-host-length HTTP/1.1\r\nContent-Length: 1\r\n\r\naGET /smuggled HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
};

function assertRefused(text: string, closedByEdge: boolean, what: string): void {
  assert.ok(closedByEdge, `${what}: the edge keeps the connection open`);
  const [response, ...more] = readResponses(text);
  assert.ok(response, `${what}: no response`);
  assert.equal(response.statusLine, 'HTTP/1.1 400 Bad Request', what);
  assert.equal(response.headers.connection, 'close', what);
  assert.equal(response.headers['x-cache'], 'Error from cloudfront', what);
  assert.equal(response.headers.server, 'CloudFront', what);
  assert.equal(response.body, clientErrorPage(400), what);
  assert.equal(more.length, 0, `${what}: answered more than once`);
}

for (const engine of ENGINES) {
  describe(`--http-engine ${engine}`, () => {
    let edge: EdgeProcess;
    let origin: RecordingOrigin;
    let port: number;
    let cleanup: () => Promise<void>;

    before(async () => {
      origin = await startRecordingOrigin();
      const tmp = await tempDir();
      const config = await writeYaml(tmp.dir, 'edgefront.yaml', allMethodsConfig(origin.port));
      edge = await startEdgeProcess(['--config', config, '--http-engine', engine]);
      port = Number(edge.http.port);
      cleanup = () => Promise.all([edge.close(), origin.close(), tmp.remove()]).then(() => undefined);
    });
    after(() => cleanup());

    test('ambiguous framing, malformed heads and bodies are 400 with the same CloudFront page on both engines, then close; the origin sees none of them (#6)', async () => {
      for (const [what, text] of Object.entries(REFUSED)) {
        const { text: answer, closedByEdge } = await exchange(port, [text]);
        assertRefused(answer, closedByEdge, what);
      }
      await origin.settled();
      const reached = origin.seen.filter((s) => s.url.startsWith('/smuggle') || s.url === '/smuggled');
      assert.deepEqual(reached, []);
    });

    test('a good request pipelined before a malformed one is answered first, then the 400, in order', async () => {
      for (const first of ['/pipe/fast', '/pipe/slow']) {
        const { text, closedByEdge } = await exchange(port, [
          `GET ${first} HTTP/1.1\r\nHost: x\r\n\r\nPOST /smuggle/after HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
        ]);
        assert.ok(closedByEdge);
        const responses = readResponses(text);
        assert.deepEqual(
          responses.map((r) => r.status),
          [200, 400],
          first,
        );
        assert.equal(responses[0].body, `seen GET ${first} 0`);
        assert.equal(responses[1].body, clientErrorPage(400));
      }
    });

    test('nothing pipelined after a request that closes the connection is forwarded (RFC 9112 §9.6, #6)', async () => {
      for (const first of [
        `GET /closes/${'u'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, // 413, then close
        'GET /closes/http10 HTTP/1.0\r\n\r\n',
        'GET /closes/asked HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
        'POST /closes/body HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc',
      ]) {
        const { closedByEdge } = await exchange(port, [`${first}GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n`]);
        assert.ok(closedByEdge);
      }
      await origin.settled();
      assert.equal(origin.seen.filter((s) => s.url === '/smuggled').length, 0);
    });

    test('a viewer hanging up mid-body aborts the origin request, never leaves it waiting (#6)', async () => {
      for (const version of ['1.0', '1.1']) {
        await exchange(
          port,
          [`POST /hangup/${version} HTTP/${version}\r\nHost: x\r\nContent-Length: 2\r\n\r\nx`],
          {
            end: true,
          },
        );
      }
      await origin.settled(); // bounded: fails if an origin request still waits for its body
      for (const s of origin.seen.filter((r) => r.url.startsWith('/hangup/')))
        assert.equal(s.state, 'aborted');
    });

    test('a viewer hanging up mid-body behind a request still being answered: the cut one never leaves the origin waiting', async () => {
      // The GET is a miss, so the POST's head and part of its body wait in the edge while the
      // viewer's FIN arrives; once the GET is answered, the POST can never complete.
      const { text } = await exchange(
        port,
        [
          'GET /hangup-behind/first HTTP/1.1\r\nHost: x\r\n\r\nPOST /hangup-behind/cut HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nx',
        ],
        { end: true },
      );
      // node:http gives up on the connection at a FIN behind an unfinished request.
      if (engine === 'edgefront')
        assert.equal(readResponses(text, ['GET'], true)[0]?.status, 200, 'the whole request is answered');
      await origin.settled(); // bounded: fails if an origin request still waits for its body
      for (const s of origin.seen.filter((r) => r.url === '/hangup-behind/cut'))
        assert.equal(s.state, 'aborted');
    });

    test('nothing pipelined after a refused request is parsed or forwarded', async () => {
      const { text } = await exchange(port, [
        'GET /smuggle/x HTTP/2.0\r\nHost: x\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
      ]);
      assert.deepEqual(
        readResponses(text).map((r) => r.status),
        [400],
      );
      await origin.settled();
      assert.equal(origin.seen.filter((s) => s.url === '/smuggled').length, 0);
    });

    test('a head that can never become a request is refused at once, not after the headers timeout', async () => {
      // No blank line ever comes: without the early check the edge waits 60 s for the rest.
      for (const text of [
        'GET /smuggle/early HTTP/1.1\nHost: x\n',
        '\x16\x03\x01\x02\x00\x01',
        'GET /a\x00',
      ]) {
        const { text: answer, closedByEdge } = await exchange(port, [text], { idleMs: BOUND_IDLE_MS });
        assertRefused(answer, closedByEdge, JSON.stringify(text));
      }
    });

    test('Expect other than 100-continue is 417 and close', async () => {
      const { text, closedByEdge } = await exchange(port, [
        'GET /smuggle/expect HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n',
      ]);
      assert.ok(closedByEdge);
      const [response] = readResponses(text);
      assert.equal(response.status, 417);
      assert.equal(response.headers.connection, 'close');
    });

    test('a CONNECT behind a 417 still lets the responses before it out (found by the fuzz test)', async () => {
      // The 417 closes the connection, so the CONNECT after it is ignored; it must not cut the
      // connection before the GET's response and the 417 are written.
      const { text, closedByEdge } = await exchange(port, [
        'GET /good/before HTTP/1.1\r\nHost: x\r\n\r\n',
        'POST /smuggle/expect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continu\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
        'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n',
      ]);
      assert.ok(closedByEdge);
      const responses = readResponses(text);
      assert.deepEqual(
        responses.map((r) => r.status),
        [200, 417],
      );
      assert.equal(responses[0].body, 'seen GET /good/before 0');
    });

    test('good requests around the refusals are still served, and the edge is alive', async () => {
      const { text } = await exchange(port, [
        'POST /good/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n',
        // llhttp reads any number of leading zeros in a chunk size (#6, found by the fuzz test).
        'POST /good/zeros HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000000003\r\nabc\r\n0\r\n\r\n',
        'GET  /good/spaces  HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      ]);
      assert.deepEqual(
        readResponses(text).map((r) => r.body),
        ['seen POST /good/chunked 5', 'seen POST /good/zeros 3', 'seen GET /good/spaces 0'],
      );
      // Expectations are ignored on HTTP/1.0, as node:http does (#6, found by the fuzz test).
      const old = await exchange(port, ['GET /good/expect10 HTTP/1.0\r\nHost: x\r\nExpect: teapot\r\n\r\n']);
      assert.equal(readResponses(old.text)[0].body, 'seen GET /good/expect10 0');
      const health = await fetch(new URL('/healthz', edge.admin));
      assert.equal(health.status, 200);
    });
  });
}
