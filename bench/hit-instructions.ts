/**
 * Instructions per 1 KiB keep-alive cache hit, counted by valgrind's callgrind on the edgefront
 * process's main thread: a figure that does not move with the load of the rest of the machine,
 * where req/s on this shared 2-core host varies by ±30 % between runs (bench/README.md,
 * "Instructions per hit"). Use it to compare builds of the hit path; the side-by-side req/s runs
 * against nginx and Varnish stay in cache-hits.ts.
 *
 *   node dist/bench/hit-instructions.js                       # this checkout
 *   node dist/bench/hit-instructions.js /other/checkout/dist  # and other builds, same run
 *   REQUESTS=5000 WARMUP=20000 RUNS=2 node dist/bench/hit-instructions.js
 *
 * Each run starts `edgefront serve` under callgrind with instrumentation off, warms it with
 * WARMUP hits (so the JIT has tiered up), switches instrumentation on for exactly REQUESTS hits
 * sent by a fixed-count client over 8 connections (Host, User-Agent and Accept, as a browser's
 * fetch sends at least), dumps, and divides the main thread's instruction count by REQUESTS.
 * Compiler threads are reported apart ("all threads"): under valgrind they run late.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDistributionYaml, cleanup, freePort, initBench, log, sleep, WORK, which } from './lib.js';

const env = process.env;
const REQUESTS = Math.max(1000, Number(env.REQUESTS ?? 5000));
const WARMUP = Math.max(1000, Number(env.WARMUP ?? 20000));
const RUNS = Math.max(1, Number(env.RUNS ?? 2));
const OWN_DIST = fileURLToPath(new URL('../', import.meta.url));
const BODY = Buffer.alloc(1024, 'x');

interface Count {
  mainThread: number;
  allThreads: number;
}

async function main(): Promise<void> {
  if (!which('valgrind') || !which('callgrind_control')) {
    log('valgrind (callgrind) is not installed: nothing measured');
    return;
  }
  initBench({ workPrefix: 'edgefront-hit-instr-', serverCpu: '0', clientCpu: '1' });
  const dists = [OWN_DIST, ...process.argv.slice(2).map((d) => resolve(d))];
  const origin = createServer((socket) => {
    socket.on('data', () => {
      socket.write(
        `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nCache-Control: max-age=3600\r\nETag: "a"\r\nDate: ${new Date().toUTCString()}\r\nContent-Length: ${BODY.length}\r\n\r\n`,
      );
      socket.write(BODY);
    });
  });
  await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
  const originPort = (origin.address() as { port: number }).port;
  const config = join(WORK, 'edgefront.yaml');
  writeFileSync(config, benchDistributionYaml('EBENCH', originPort, 'CachingOptimized'));
  const results: [string, Count[]][] = dists.map((d) => [d, []]);
  try {
    // Alternating builds, so a drift in the machine's state shows up in all of them alike.
    for (let run = 0; run < RUNS; run++) {
      for (const [dist, counts] of results) {
        const count = await measure(dist, config, run);
        counts.push(count);
        log(
          `${dist}: ${count.mainThread} instructions per hit (main thread), ${count.allThreads} all threads`,
        );
      }
    }
  } finally {
    origin.close();
    await cleanup();
  }
  console.log('\nbuild                                              main thread / hit   all threads / hit');
  for (const [dist, counts] of results) {
    const avg = (f: (c: Count) => number) => Math.round(counts.reduce((s, c) => s + f(c), 0) / counts.length);
    console.log(
      `${dist.padEnd(50)} ${String(avg((c) => c.mainThread)).padStart(18)} ${String(avg((c) => c.allThreads)).padStart(19)}`,
    );
  }
}

async function measure(dist: string, config: string, run: number): Promise<Count> {
  const port = await freePort();
  const out = join(WORK, `callgrind-${run}-${port}.out`);
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      '--separate-threads=yes',
      `--callgrind-out-file=${out}`,
      process.execPath,
      join(dist, 'src', 'cli', 'main.js'),
      'serve',
      '--config',
      config,
      '--port',
      String(port),
      '--admin-port',
      '0',
      '--state-dir',
      join(WORK, `state-${port}`),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: WORK },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr = (stderr + d).slice(-20_000);
  });
  try {
    await waitForHit(port, child.pid!, () => stderr);
    await hits(port, WARMUP);
    execFileSync('callgrind_control', ['-i', 'on', String(child.pid)], { stdio: 'ignore' });
    await hits(port, REQUESTS);
    execFileSync('callgrind_control', ['-d', String(child.pid)], { stdio: 'ignore' });
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
  // The dump is part 1; one file per thread, -01 the main thread.
  const parts = readdirSync(WORK).filter((f) => f.startsWith(`callgrind-${run}-${port}.out.1-`));
  const total = (file: string) =>
    Number(/^totals: (\d+)/m.exec(readFileSync(join(WORK, file), 'utf8'))?.[1] ?? 0);
  const main = parts.find((f) => f.endsWith('-01'));
  if (!main) throw new Error(`callgrind wrote no main-thread dump for ${dist}\n${stderr}`);
  return {
    mainThread: Math.round(total(main) / REQUESTS),
    allThreads: Math.round(parts.reduce((s, f) => s + total(f), 0) / REQUESTS),
  };
}

/** Polls (bounded) until the edge answers; under valgrind a start takes tens of seconds. */
async function waitForHit(port: number, pid: number, stderr: () => string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      await hits(port, 1);
      return;
    } catch {
      await sleep(500);
    }
  }
  throw new Error(`edgefront (pid ${pid}) did not answer under valgrind within 300 s\n${stderr()}`);
}

const REQUEST = Buffer.from(
  'GET /1k.bin HTTP/1.1\r\nHost: bench.local\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n',
  'latin1',
);

/** Exactly `n` GETs over up to 8 keep-alive connections, each waiting for its whole response. */
async function hits(port: number, n: number): Promise<void> {
  let sent = 0;
  const connection = () =>
    new Promise<void>((resolveConnection, reject) => {
      const socket = connect(port, '127.0.0.1');
      let pending: Buffer = Buffer.alloc(0);
      const next = () => {
        if (sent >= n) {
          socket.end();
          resolveConnection();
          return;
        }
        sent++;
        socket.write(REQUEST);
      };
      socket.on('connect', next);
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        for (;;) {
          const end = pending.indexOf('\r\n\r\n');
          if (end === -1) return;
          const head = pending.toString('latin1', 0, end);
          if (!head.startsWith('HTTP/1.1 200')) {
            reject(new Error(`not a 200: ${head.split('\r\n')[0]}`));
            socket.destroy();
            return;
          }
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
          if (pending.length < end + 4 + length) return;
          pending = pending.subarray(end + 4 + length);
          next();
        }
      });
    });
  await Promise.all(Array.from({ length: Math.min(8, n) }, connection));
}

main().catch(async (err) => {
  console.error(err);
  await cleanup();
  process.exit(1);
});
