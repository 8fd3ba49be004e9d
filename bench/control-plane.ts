/**
 * Control-plane benchmark (issue #5), all on 127.0.0.1 against real `edgefront serve` processes
 * driven through `@aws-sdk/client-cloudfront`. See bench/README.md "control plane".
 *
 *   (a) UpdateDistribution → served: UPDATES (≥ 50) updates, each changing the origin's
 *       OriginPath; the time from sending the update to the answer, and to the first viewer
 *       request that sees the new OriginPath (target p99 ≤ 100 ms with one distribution).
 *   (b) routing cost: cache-hit req/s of one distribution with 1 and with DISTRIBUTIONS (1,000)
 *       distributions in the config, same Host, alternated RUNS times (target: no measurable
 *       change). wrk when installed (servers on SERVER_CPU, wrk on CLIENT_CPU), else a bounded
 *       in-process keep-alive client.
 *   (c) with DISTRIBUTIONS loaded: UpdateDistribution (the whole model is rebuilt per change),
 *       CreateDistribution (refused TooManyDistributions past CloudFront's 500) and, on a server
 *       with 500 − CREATES distributions, CREATES CreateDistributions up to the quota.
 *
 *   npm run build && node dist/bench/control-plane.js
 *   UPDATES=50 RUNS=1 DURATION=3 node dist/bench/control-plane.js
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import { arch, cpus, release, type } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CloudFrontClient,
  CreateDistributionCommand,
  type DistributionConfig,
  GetDistributionConfigCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import { cleanup, initBench, log, parseWrk, type Started, sleep, started, WORK, which, wrk } from './lib.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = process.env.EDGEFRONT_CLI ?? join(REPO, 'dist', 'src', 'cli', 'main.js');
const env = process.env;
const UPDATES = Math.max(50, Number(env.UPDATES ?? 100));
const UPDATES_LARGE = Math.max(1, Number(env.UPDATES_LARGE ?? 20));
const DISTRIBUTIONS = Math.max(2, Number(env.DISTRIBUTIONS ?? 1000));
const CREATES = Math.min(100, Math.max(1, Number(env.CREATES ?? 20)));
const DURATION = Math.min(10, Math.max(1, Number(env.DURATION ?? 5)));
const WARMUP = Math.max(0, Number(env.WARMUP ?? 1));
const RUNS = Math.max(1, Number(env.RUNS ?? 3));
const CONNS = Math.max(1, Number(env.CONNS ?? 64));
const SERVER_CPU = env.SERVER_CPU ?? '0';
const CLIENT_CPU = env.CLIENT_CPU ?? '1';
/** The whole run stops by itself after this, whatever happens. */
const MAX_SECONDS = Number(env.MAX_SECONDS ?? 600);
/** CloudFront's default quota on distributions per account, which CreateDistribution enforces. */
const QUOTA = 500;
const KEYS = {
  accessKeyId: 'AKIDEDGEFRONTBENCH01',
  secretAccessKey: 'edgefront/bench/secret/key+0123456789ab',
};
const TARGET_HOST = 'target.cp.bench.test';

const TASKSET = which('taskset');
const WRK = TASKSET ? which('wrk') : null; // lib's wrk runs under taskset
// The SDK warns on Node < 22 about its own future releases; edgefront supports Node 20.
env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// ---- the origin: answers `<path>\n` padded to 1 KiB, cacheable ------------------------------
function startOrigin(): Promise<{ port: number; hits: () => number; close(): void }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    const body = Buffer.alloc(1024, '.');
    body.write(`${req.url}\n`);
    res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'max-age=3600' });
    res.end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as { port: number }).port,
        hits: () => hits,
        close: () => server.close(),
      }),
    ),
  );
}

// ---- configs -------------------------------------------------------------------------------
const distId = (i: number) => `E1CP${String(i).padStart(5, '0')}`;

/** `count` distributions over the origin, each with its own alias; the first is the target. */
function writeConfig(name: string, count: number, originPort: number): string {
  const distributions = Array.from({ length: count }, (_, i) => ({
    Id: distId(i),
    DistributionConfig: {
      Enabled: true,
      Aliases: [i === 0 ? TARGET_HOST : `d${i}.cp.bench.test`],
      Origins: [
        {
          Id: 'origin',
          DomainName: '127.0.0.1',
          CustomOriginConfig: { HTTPPort: originPort, OriginProtocolPolicy: 'http-only' },
        },
      ],
      DefaultCacheBehavior: {
        TargetOriginId: 'origin',
        ViewerProtocolPolicy: 'allow-all',
        CachePolicyId: 'CachingOptimized',
      },
    },
  }));
  const file = join(WORK, `${name}.yaml`);
  writeFileSync(file, JSON.stringify({ Distributions: distributions })); // JSON is YAML
  return file;
}

// ---- edgefront serve -------------------------------------------------------------------------
interface Serve {
  name: string;
  http: URL;
  admin: URL;
  cf: CloudFrontClient;
  startMs: number;
  pid: number;
}

async function startServe(name: string, config: string): Promise<Serve> {
  const args = [CLI, 'serve', '--config', config, '--port', '0', '--admin-port', '0'];
  args.push('--state-dir', join(WORK, `state-${name}`), '--cache-memory', '64MiB');
  const [cmd, argv] = TASKSET
    ? [TASKSET, ['-c', SERVER_CPU, process.execPath, ...args]]
    : [process.execPath, args];
  const t0 = performance.now();
  const child = spawn(cmd, argv, {
    cwd: WORK,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...env,
      EDGEFRONT_ACCESS_KEY_ID: KEYS.accessKeyId,
      EDGEFRONT_SECRET_ACCESS_KEY: KEYS.secretAccessKey,
    },
  });
  let output = '';
  const entry: Started = { name, child, kids: [], output: () => output };
  started.push(entry);
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not listen within 60 s:\n${output}`)),
      60_000,
    );
    const onData = (d: Buffer) => {
      output = (output + d.toString()).slice(-50_000);
      const m = /^edgefront: listening .*$/m.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${output}`));
    });
  });
  const startMs = performance.now() - t0;
  const field = (f: string) => new URL(new RegExp(`${f}=(\\S+)`).exec(line)![1]);
  const admin = field('admin');
  const cf = new CloudFrontClient({
    endpoint: admin.href.replace(/\/$/, ''),
    region: 'us-east-1',
    credentials: KEYS,
    maxAttempts: 1,
  });
  log(`started ${name} pid ${child.pid} in ${startMs.toFixed(0)} ms`);
  return { name, http: field('http'), admin, cf, startMs, pid: child.pid! };
}

// ---- viewer requests -------------------------------------------------------------------------
const agent = new Agent({ keepAlive: true, maxSockets: CONNS });

function viewerGet(
  port: number,
  host: string,
  path: string,
): Promise<{ status: number; body: string; xCache: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, xCache: String(res.headers['x-cache'] ?? '') }),
      );
      res.on('error', reject);
    });
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${host}${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls (bounded) until `host` serves `path` from the origin as `expected`; returns the attempts. */
async function untilServed(port: number, host: string, path: string, expected: string): Promise<number> {
  for (let attempt = 1; attempt <= 500; attempt++) {
    const r = await viewerGet(port, host, path);
    if (r.status === 200 && r.body.startsWith(`${expected}\n`)) return attempt;
    await sleep(2);
  }
  throw new Error(`${host}${path} never served ${expected}`);
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** The fallback without wrk: CONNS keep-alive loops of sequential GETs for `seconds`. */
async function inProcessLoad(port: number, host: string, path: string, seconds: number): Promise<Load> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        const r = await viewerGet(port, host, path);
        if (r.status !== 200) errors++;
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONNS }, loop));
  const s = stats(latencies);
  return { rps: latencies.length / seconds, p50: s.p50, p99: s.p99, errors };
}

async function hitLoad(serve: Serve, seconds: number): Promise<Load> {
  const port = Number(serve.http.port);
  if (!WRK) return inProcessLoad(port, TARGET_HOST, '/1k.bin', seconds);
  const out = await wrk(
    [
      '-t1',
      `-c${CONNS}`,
      `-d${seconds}s`,
      '--latency',
      '-H',
      `Host: ${TARGET_HOST}`,
      `${serve.http.href}1k.bin`,
    ],
    (seconds + 20) * 1000,
  );
  const r = parseWrk(out);
  return { rps: r.rps, p50: r.p50, p99: r.p99, errors: r.errors + r.non2xx };
}

// ---- statistics ------------------------------------------------------------------------------
function stats(values: number[]): { n: number; p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  return { n: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? Number.NaN };
}
const median = (values: number[]) => stats(values).p50;

// ---- the measurements ------------------------------------------------------------------------
interface Timed {
  label: string;
  answered: ReturnType<typeof stats>;
  served?: ReturnType<typeof stats>;
  note?: string;
}

/** (a)/(c): `count` UpdateDistributions of the target, each a new OriginPath, timed to served. */
async function timeUpdates(serve: Serve, count: number, label: string): Promise<Timed> {
  const port = Number(serve.http.port);
  const current = await serve.cf.send(new GetDistributionConfigCommand({ Id: distId(0) }));
  const config = current.DistributionConfig as DistributionConfig;
  let etag = current.ETag as string;
  const answered: number[] = [];
  const served: number[] = [];
  let retries = 0;
  for (let i = 1; i <= count; i++) {
    const version = `/${serve.name}-v${i}`;
    (config.Origins?.Items ?? [])[0].OriginPath = version;
    const t0 = performance.now();
    const out = await serve.cf.send(
      new UpdateDistributionCommand({ Id: distId(0), IfMatch: etag, DistributionConfig: config }),
    );
    answered.push(performance.now() - t0);
    // A new path each time: a miss, so the origin shows which OriginPath the edge used.
    const attempts = await untilServed(port, TARGET_HOST, `/probe/${i}`, `${version}/probe/${i}`);
    served.push(performance.now() - t0);
    retries += attempts - 1;
    etag = out.ETag as string;
  }
  return {
    label,
    answered: stats(answered),
    served: stats(served),
    note: `${retries} viewer request(s) after an answer still saw the old OriginPath`,
  };
}

/** (c): CreateDistribution, each new distribution then requested at its generated domain. */
async function timeCreates(serve: Serve, count: number, originPort: number, label: string): Promise<Timed> {
  const port = Number(serve.http.port);
  const answered: number[] = [];
  const served: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const out = await serve.cf.send(
      new CreateDistributionCommand({ DistributionConfig: apiConfig(`bench-create-${i}`, originPort) }),
    );
    answered.push(performance.now() - t0);
    await untilServed(port, out.Distribution?.DomainName as string, `/new/${i}`, `/new/${i}`);
    served.push(performance.now() - t0);
  }
  return { label, answered: stats(answered), served: stats(served) };
}

/** (c): CreateDistribution past the quota: how long the refusal takes, and that it is one. */
async function timeRefusedCreates(
  serve: Serve,
  count: number,
  originPort: number,
  label: string,
): Promise<Timed> {
  const answered: number[] = [];
  let code = '';
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    try {
      await serve.cf.send(
        new CreateDistributionCommand({ DistributionConfig: apiConfig(`over-${i}`, originPort) }),
      );
      code = 'created (expected TooManyDistributions)';
    } catch (err) {
      code = (err as Error).name;
    }
    answered.push(performance.now() - t0);
  }
  return { label, answered: stats(answered), note: `answer: ${code}` };
}

function apiConfig(callerReference: string, originPort: number): DistributionConfig {
  return {
    CallerReference: callerReference,
    Comment: 'control-plane bench',
    Enabled: true,
    Origins: {
      Quantity: 1,
      Items: [
        {
          Id: 'origin',
          DomainName: '127.0.0.1',
          CustomOriginConfig: { HTTPPort: originPort, HTTPSPort: 443, OriginProtocolPolicy: 'http-only' },
        },
      ],
    },
    DefaultCacheBehavior: {
      TargetOriginId: 'origin',
      ViewerProtocolPolicy: 'allow-all',
      CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6', // CachingOptimized
    },
  };
}

// ---- report ----------------------------------------------------------------------------------
const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '-');
function timedRow(t: Timed): string {
  const served = t.served
    ? `${ms(t.served.p50).padStart(8)} ${ms(t.served.p99).padStart(8)} ${ms(t.served.max).padStart(8)}`
    : `${'-'.padStart(8)} ${'-'.padStart(8)} ${'-'.padStart(8)}`;
  return `${t.label.padEnd(46)} ${String(t.answered.n).padStart(4)} ${ms(t.answered.p50).padStart(8)} ${ms(t.answered.p99).padStart(8)} ${served}${t.note ? `  ${t.note}` : ''}`;
}

async function main(): Promise<number> {
  const origin = await startOrigin();
  const small = await startServe('one', writeConfig('one', 1, origin.port));
  const large = await startServe(`all-${DISTRIBUTIONS}`, writeConfig('all', DISTRIBUTIONS, origin.port));

  // (b) first, while both targets are as the config files say.
  for (const serve of [small, large]) {
    const port = Number(serve.http.port);
    await viewerGet(port, TARGET_HOST, '/1k.bin');
    const r = await viewerGet(port, TARGET_HOST, '/1k.bin');
    if (r.status !== 200 || r.body.length !== 1024 || r.xCache !== 'Hit from cloudfront')
      throw new Error(
        `${serve.name}: /1k.bin is ${r.status}, ${r.body.length} B, X-Cache "${r.xCache}" (want a 1 KiB Hit)`,
      );
  }
  const originBefore = origin.hits();
  const loads: Record<string, Load[]> = { [small.name]: [], [large.name]: [] };
  log(
    `routing: ${RUNS} alternated run(s) of ${DURATION} s per config, ${WRK ? 'wrk' : 'in-process client'}, c${CONNS}`,
  );
  for (let run = 1; run <= RUNS; run++) {
    for (const serve of run % 2 ? [small, large] : [large, small]) {
      if (WARMUP) await hitLoad(serve, WARMUP);
      const load = await hitLoad(serve, DURATION);
      loads[serve.name].push(load);
      log(
        `run ${run} ${serve.name}: ${load.rps.toFixed(0)} req/s, p50 ${load.p50.toFixed(3)} ms, p99 ${load.p99.toFixed(3)} ms, errors ${load.errors}`,
      );
    }
  }
  const originDuringLoad = origin.hits() - originBefore;

  // (a) and (c)
  log(`(a) ${UPDATES} UpdateDistributions with 1 distribution`);
  const timed: Timed[] = [await timeUpdates(small, UPDATES, 'UpdateDistribution, 1 distribution')];
  log(`(c) ${UPDATES_LARGE} UpdateDistributions with ${DISTRIBUTIONS} distributions`);
  timed.push(await timeUpdates(large, UPDATES_LARGE, `UpdateDistribution, ${DISTRIBUTIONS} distributions`));
  if (DISTRIBUTIONS >= QUOTA)
    timed.push(
      await timeRefusedCreates(large, 5, origin.port, `CreateDistribution, ${DISTRIBUTIONS} present`),
    );
  const below = await startServe(
    `below-${QUOTA - CREATES}`,
    writeConfig('below', QUOTA - CREATES, origin.port),
  );
  timed.push(
    await timeCreates(
      below,
      CREATES,
      origin.port,
      `CreateDistribution, ${QUOTA - CREATES}→${QUOTA - 1} present`,
    ),
  );

  // ---- print and save
  const rps = (name: string) => median(loads[name].map((l) => l.rps));
  const ratio = rps(large.name) / rps(small.name);
  const host = `${type()} ${release()} ${arch()}; ${cpus()[0]?.model ?? '?'}; ${cpus().length} cpus`;
  let commit = '?';
  try {
    commit = execFileSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {}
  const lines = [
    `edgefront control-plane benchmark  ${new Date().toISOString()}  (${host}; node ${process.version}; commit ${commit})`,
    '',
    `startup: 1 distribution ${small.startMs.toFixed(0)} ms, ${DISTRIBUTIONS} distributions ${large.startMs.toFixed(0)} ms, ${QUOTA - CREATES} distributions ${below.startMs.toFixed(0)} ms`,
    '',
    `${'ms from sending the call'.padEnd(46)} ${'n'.padStart(4)} ${'answer50'.padStart(8)} ${'answer99'.padStart(8)} ${'served50'.padStart(8)} ${'served99'.padStart(8)} ${'servedMx'.padStart(8)}`,
    ...timed.map(timedRow),
    '',
    `cache hits, Host ${TARGET_HOST}, /1k.bin, c${CONNS}, ${DURATION} s x ${RUNS} alternated (${WRK ? 'wrk -t1' : 'in-process client'}${TASKSET ? `; servers on cpu${SERVER_CPU}, client on cpu${CLIENT_CPU}` : ''}), origin requests during load: ${originDuringLoad}`,
    ...[small, large].map(
      (s) =>
        `  ${s.name.padEnd(10)} median ${rps(s.name).toFixed(0).padStart(7)} req/s   runs: ${loads[s.name].map((l) => l.rps.toFixed(0)).join(' ')}   p99 ${loads[s.name].map((l) => l.p99.toFixed(2)).join(' ')} ms`,
    ),
    `  ${DISTRIBUTIONS} / 1 distributions, req/s: ${ratio.toFixed(2)}x (target: no measurable change)`,
    '',
    `(a) UpdateDistribution → served p99 ${ms(timed[0].served?.p99 ?? Number.NaN)} ms with 1 distribution (target ≤ 100 ms: ${(timed[0].served?.p99 ?? Number.POSITIVE_INFINITY) <= 100 ? 'met' : 'NOT met'})`,
  ];
  const text = `${lines.join('\n')}\n`;
  process.stdout.write(`\n${text}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const results = env.RESULTS ?? join(REPO, 'bench', 'results', `control-plane-${stamp}`);
  mkdirSync(results, { recursive: true });
  writeFileSync(join(results, 'table.txt'), text);
  writeFileSync(
    join(results, 'results.json'),
    `${JSON.stringify({ settings: { UPDATES, UPDATES_LARGE, DISTRIBUTIONS, CREATES, DURATION, WARMUP, RUNS, CONNS, wrk: Boolean(WRK) }, timed, loads, ratio }, null, 2)}\n`,
  );
  log(`results: ${results}`);
  for (const s of [small, large, below]) s.cf.destroy();
  agent.destroy();
  origin.close();
  return 0;
}

if (TASKSET) execFileSync(TASKSET, ['-cp', CLIENT_CPU, String(process.pid)], { stdio: 'ignore' });
initBench({ workPrefix: 'edgefront-control-bench-', serverCpu: SERVER_CPU, clientCpu: CLIENT_CPU });
const watchdog = setTimeout(() => {
  log(`stopping: the run took over MAX_SECONDS=${MAX_SECONDS}`);
  cleanup().then(() => process.exit(1));
}, MAX_SECONDS * 1000);
watchdog.unref();
main().then(
  async (code) => {
    await cleanup();
    process.exit(code);
  },
  async (err) => {
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    await cleanup();
    process.exit(1);
  },
);
