/**
 * A viewer that hangs up mid-body is ClientHungUpRequest on both HTTP/1 engines, never an
 * internal error (issue #6, found by the viewer fuzz suite at 10,000 batches per engine: the
 * `edgefront` engine logged `internal error … ERR_STREAM_PREMATURE_CLOSE` when the origin
 * request began reading a body already cut short). The origin fetcher here waits for the cut
 * before it starts, so the race the fuzz suite hit is the only order there is.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import { type AddressInfo, connect, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createHttp1Server } from '../../../src/edge/http1/server.js';
import { createNodeViewerServer } from '../../../src/edge/server.js';
import type { OriginFetcher, OriginRequest } from '../../../src/origin/types.js';
import { testRuntime } from './test-runtime.js';

const BOUND_MS = 10_000;

let origin: HttpServer;
const originSaw: string[] = [];
/** What the origin fetcher threw, request by request: the lifecycle decides what it means. */
const fetchFailures: unknown[] = [];

before(async () => {
  origin = createServer((req, res) => {
    req.resume();
    req.on('error', () => {});
    req.on('end', () => {
      originSaw.push(`${req.method} ${req.url}`);
      res.end('whole');
    });
  });
  origin.listen(0, '127.0.0.1');
  await once(origin, 'listening');
});
after(() => {
  origin.closeAllConnections();
  origin.close();
});

/** Starts fetching only once the viewer's body is cut short, as a slow origin connection would. */
function afterTheCut(fetcher: OriginFetcher): OriginFetcher {
  return {
    async fetch(request: OriginRequest) {
      const body = request.body;
      // Not `once()`: its error listener would change how the engine ends the stream.
      if (body && !Buffer.isBuffer(body) && !body.destroyed)
        await new Promise((resolve) => body.once('close', resolve));
      try {
        return await fetcher.fetch(request);
      } catch (err) {
        fetchFailures.push(err);
        throw err;
      }
    },
    close: () => fetcher.close(),
  };
}

const ENGINES = {
  edgefront: (runtime: Parameters<typeof createHttp1Server>[0]) => createHttp1Server(runtime),
  node: (runtime: Parameters<typeof createHttp1Server>[0]) =>
    createNodeViewerServer(runtime, {
      keepAliveTimeout: 5000,
      headersTimeout: 60_000,
      requestTimeout: 300_000,
      connectionsCheckingInterval: 5000,
    }),
} as const;

for (const [engine, createServerFor] of Object.entries(ENGINES)) {
  describe(`${engine} engine`, () => {
    let edge: Server;
    let closeRuntime: () => Promise<void>;
    before(async () => {
      const { runtime, close } = testRuntime((origin.address() as AddressInfo).port, afterTheCut);
      closeRuntime = close;
      edge = createServerFor(() => runtime);
      edge.listen(0, '127.0.0.1');
      await once(edge, 'listening');
    });
    after(async () => {
      await new Promise((resolve) => edge.close(resolve));
      await closeRuntime();
    });

    test('a POST whose viewer hangs up mid-body fails as the viewer’s doing: nothing logged, nothing forwarded whole', async (t) => {
      const logged: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
        logged.push(String(chunk));
        return write(chunk, ...rest);
      }) as typeof process.stderr.write;
      t.after(() => {
        process.stderr.write = write;
      });
      const failuresBefore = fetchFailures.length;
      const socket = connect((edge.address() as AddressInfo).port, '127.0.0.1');
      await once(socket, 'connect');
      socket.end('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly part of it');
      socket.resume();
      await once(socket, 'close');
      // The lifecycle has failed the request once the fetcher has (bounded, polled).
      const deadline = Date.now() + BOUND_MS;
      while (fetchFailures.length === failuresBefore) {
        if (Date.now() > deadline) assert.fail('the origin fetch never failed');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await new Promise((resolve) => setImmediate(resolve)); // the lifecycle's catch runs next
      assert.deepEqual(
        logged.filter((line) => line.includes('internal error')),
        [],
        'no internal error is logged',
      );
      assert.ok(!originSaw.includes('POST /upload'), 'the origin never got the body whole');
    });
  });
}
