import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import test from 'node:test';
import { allMethodsConfig, tempDir, writeYaml } from '../../helpers/config.js';
import { startEdgeProcess } from '../../helpers/edge-process.js';
import { startOrigin } from '../../helpers/origin.js';

const GiB = 1024 ** 3;
const CHUNK = Buffer.alloc(1024 * 1024, 'edgefront');

async function peakRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

test('a 1 GiB body streams through to the viewer, and a 256 MiB upload to the origin, with flat memory', async (t) => {
  const origin = await startOrigin(async (req, res) => {
    if (req.method === 'POST') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('stored');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(GiB) });
    for (let sent = 0; sent < GiB; sent += CHUNK.length) {
      if (!res.write(CHUNK)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  });
  const tmp = await tempDir();
  const config = await writeYaml(tmp.dir, 'edgefront.yaml', allMethodsConfig(origin.port));
  const edge = await startEdgeProcess(['--config', config]);
  t.after(() => Promise.all([edge.close(), origin.close(), tmp.remove()]));
  const rssBefore = await peakRssBytes(edge.pid);

  const received = await new Promise<number>((resolve, reject) => {
    request(edge.url('/big.bin'), (res) => {
      let n = 0;
      res.on('data', (d: Buffer) => {
        n += d.length;
      });
      res.on('end', () => resolve(n));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
  assert.equal(received, GiB);

  // Upload: the origin counts the bytes it got.
  const upload = await new Promise<number>((resolve, reject) => {
    const req = request(
      edge.url('/upload'),
      { method: 'POST', headers: { 'content-length': String(256 * CHUNK.length) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
      },
    );
    req.on('error', reject);
    let i = 0;
    const pump = () => {
      while (i < 256) {
        i++;
        if (!req.write(CHUNK)) return req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
  assert.equal(upload, 200);
  assert.equal(origin.requests.at(-1)!.bodyBytes, 256 * CHUNK.length);

  const growth = (await peakRssBytes(edge.pid)) - rssBefore;
  assert.ok(growth < 100 * 1024 * 1024, `edge peak RSS grew by ${Math.round(growth / 2 ** 20)} MiB`);
});
