/**
 * A closed viewer socket must not keep its `edgefront` HTTP/1 connection alive. Node keeps a
 * closed socket reachable until the next full GC, so anything the socket still references is
 * copied by every scavenge until then and promoted (connection.ts, `release`). These tests hold
 * the closed socket strongly, as node does until that full GC, and check that the connection is
 * collected anyway.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startConnection } from '../../../src/edge/http1/connection.js';
import { http1Settings } from '../../../src/edge/http1/timeouts.js';
import { testRuntime } from './test-runtime.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let origin: HttpServer;
let edge: Server;
let edgePort: number;
let closeRuntime: () => Promise<void>;
/** Every accepted socket, held strongly, with a weak reference to its connection. */
const accepted: { socket: Socket; connection: WeakRef<object> }[] = [];

before(async () => {
  origin = createHttpServer((_req, res) => res.end('hello'));
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const runtime = testRuntime((origin.address() as AddressInfo).port);
  closeRuntime = runtime.close;
  const settings = http1Settings();
  edge = createServer((socket) => {
    accepted.push({
      socket,
      connection: new WeakRef(startConnection(socket, () => runtime.runtime, settings)),
    });
  });
  await new Promise<void>((resolve) => edge.listen(0, '127.0.0.1', resolve));
  edgePort = (edge.address() as AddressInfo).port;
});

after(async () => {
  edge.close();
  origin.close();
  await closeRuntime();
});

/** Sends `request` on a new connection and returns everything the edge sent until it closed. */
async function exchange(request: string, hangUpAfter?: string): Promise<{ answer: string; socket: Socket }> {
  const acceptedNow = once(edge, 'connection');
  const client = connect(edgePort, '127.0.0.1');
  const [serverSocket] = (await acceptedNow) as [Socket];
  const serverClosed = once(serverSocket, 'close');
  let answer = '';
  client.on('data', (chunk: Buffer) => {
    answer += chunk.toString('latin1');
    if (hangUpAfter !== undefined && answer.endsWith(hangUpAfter)) client.end();
  });
  client.write(request);
  await serverClosed;
  client.destroy();
  return { answer, socket: serverSocket };
}

/** Whether the connection of `socket` was collected while the socket itself is still held. */
async function collectedWhileSocketHeld(socket: Socket): Promise<boolean> {
  const entry = accepted.find((a) => a.socket === socket);
  assert.ok(entry);
  // A WeakRef keeps its target until the job that made or read it ends: collect in later turns.
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  assert.equal(entry.socket.destroyed, true);
  return entry.connection.deref() === undefined;
}

test('a connection the edge closes (Connection: close) is not kept by its closed socket', async () => {
  const { answer, socket } = await exchange(
    'GET /a HTTP/1.1\r\nHost: a.example\r\nConnection: close\r\n\r\n',
  );
  assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(answer, /\r\nConnection: close\r\n/i);
  assert.ok(answer.endsWith('\r\n\r\nhello'));
  assert.equal(await collectedWhileSocketHeld(socket), true);
});

test('a keep-alive connection the viewer closes is not kept by its closed socket', async () => {
  const { answer, socket } = await exchange('GET /b HTTP/1.1\r\nHost: a.example\r\n\r\n', 'hello');
  assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
  assert.equal(await collectedWhileSocketHeld(socket), true);
});

test('a connection cut by a refused request head is not kept by its closed socket', async () => {
  const { answer, socket } = await exchange('NOT A REQUEST\r\n\r\n');
  assert.match(answer, /^HTTP\/1\.1 400 /);
  assert.equal(await collectedWhileSocketHeld(socket), true);
});
