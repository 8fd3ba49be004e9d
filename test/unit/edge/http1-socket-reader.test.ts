/**
 * socket-reader.ts relies on how this node's net.Socket keeps its `onread` option. These tests
 * fail loudly if a node upgrade makes the `edgefront` engine fall back to 'data' events, which
 * still works but gives back the per-read ArrayBuffers the shared buffer removed.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import test from 'node:test';
import { RequestBody } from '../../../src/edge/http1/request-body.js';
import { attachSharedReader, isSharedView } from '../../../src/edge/http1/socket-reader.js';

async function serverSocketPair(): Promise<{ server: Socket; client: Socket; close(): void }> {
  const listener = createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'connection');
  const client = connect((listener.address() as AddressInfo).port, '127.0.0.1');
  const [server] = (await accepted) as [Socket];
  return {
    server,
    client,
    close() {
      client.destroy();
      server.destroy();
      listener.close();
    },
  };
}

test('accepted sockets read into the one shared buffer, in order, and still end and close', async () => {
  const pair = await serverSocketPair();
  try {
    const received: string[] = [];
    const shared: boolean[] = [];
    let gotAll: () => void = () => {};
    const all = new Promise<void>((resolve) => {
      gotAll = resolve;
    });
    const attached = attachSharedReader(pair.server, (chunk) => {
      shared.push(isSharedView(chunk));
      received.push(chunk.toString('latin1')); // a copy: the view is only lent
      if (received.join('') === 'first|second') gotAll();
    });
    assert.equal(attached, true, 'this node no longer lets the engine read into a shared buffer');
    pair.client.write('first|');
    pair.client.write('second');
    await all;
    assert.ok(shared.every(Boolean));
    assert.equal(pair.server.listenerCount('data'), 0);
    const closed = once(pair.server, 'close');
    pair.client.end();
    await closed; // the engine relies on 'close' after the viewer's FIN
    assert.equal(
      attachSharedReader(pair.server, () => {}),
      false,
      'a socket is taken over once',
    );
  } finally {
    pair.close();
  }
});

test('a socket that already reads through "data" events is left alone', async () => {
  const pair = await serverSocketPair();
  try {
    pair.server.on('data', () => {});
    assert.equal(
      attachSharedReader(pair.server, () => {}),
      false,
    );
  } finally {
    pair.close();
  }
});

test('request bodies fed from lent bytes are copies: overwriting the source changes nothing', async () => {
  const body = new RequestBody(10, false, () => {}, true);
  const lent = Buffer.from('0123456789');
  assert.equal(body.feed(lent, 0), 10);
  lent.fill(0x45);
  const chunks: Buffer[] = [];
  for await (const chunk of body.stream) chunks.push(chunk as Buffer);
  assert.equal(Buffer.concat(chunks).toString('latin1'), '0123456789');
});
