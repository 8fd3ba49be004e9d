import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { request } from 'node:http';
import test from 'node:test';
import { simpleConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { startEdgeProcess } from '../../helpers/edge-process.js';
import { startOrigin } from '../../helpers/origin.js';

/** Resolves when the origin's response is closed, or rejects after a bounded wait. */
function closedWithin(res: ServerResponse, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (res.destroyed) return resolve();
    const timer = setTimeout(() => reject(new Error(`origin response still open after ${ms} ms`)), ms);
    res.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** An origin that streams 1 MiB chunks until the edge stops reading. */
async function endlessOrigin(headersGate: Promise<void>) {
  const responses: ServerResponse[] = [];
  const origin = await startOrigin(async (_req, res) => {
    responses.push(res);
    await headersGate;
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(1 << 20);
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) {
        /* fill until backpressure */
      }
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  return { origin, responses };
}

async function edgeFor(port: number) {
  const tmp = await tempDir();
  const config = await writeYaml(tmp.dir, 'edgefront.yaml', simpleConfig(port));
  const edge = await startEdgeProcess(['--config', config]);
  return { edge, tmp };
}

test('a viewer that hangs up mid-body makes the edge stop reading the origin', async (t) => {
  const { origin, responses } = await endlessOrigin(Promise.resolve());
  const { edge, tmp } = await edgeFor(origin.port);
  t.after(() => Promise.all([edge.close(), origin.close(), tmp.remove()]));
  await new Promise<void>((resolve) => {
    const req = request(edge.url('/stream'), (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
    });
    req.on('error', () => {});
    req.on('close', resolve);
    req.end();
  });
  await closedWithin(responses[0], 10_000);
});

test('a viewer that hangs up before the origin answers does not leave the origin transfer open', async (t) => {
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  const { origin, responses } = await endlessOrigin(gate);
  const { edge, tmp } = await edgeFor(origin.port);
  t.after(() => Promise.all([edge.close(), origin.close(), tmp.remove()]));
  const req = request(edge.url('/late'));
  req.on('error', () => {});
  req.end();
  for (let i = 0; i < 200 && responses.length === 0; i++) await new Promise((r) => setTimeout(r, 25)); // bounded
  assert.equal(responses.length, 1);
  req.destroy(); // the viewer leaves while the origin is still thinking
  await new Promise((r) => setTimeout(r, 100));
  openGate();
  await closedWithin(responses[0], 10_000);
});
