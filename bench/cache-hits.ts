/**
 * Cache-hit benchmark: nginx proxy_cache, Varnish, a bare node:http server answering from memory
 * (node-baseline) and `edgefront serve` with the managed CachingOptimized policy, side by side on
 * 127.0.0.1, all in front of one nginx origin serving files with `Cache-Control: max-age=3600`.
 * Servers are pinned to core SERVER_CPU, wrk (and this script) to CLIENT_CPU. See bench/README.md.
 *
 *   node dist/bench/cache-hits.js
 *   DURATION=3 SIZES=1k TARGETS="nginx edgefront" node dist/bench/cache-hits.js
 *   PROFILE=1 SIZES=1k node dist/bench/cache-hits.js   # instead: --cpu-prof of edgefront's hit path
 *   TARGETS="nginx edgefront edgefront-node" node dist/bench/cache-hits.js   # both HTTP/1 engines
 *   EDGE_HTTP_ENGINE=node node dist/bench/cache-hits.js   # every edgefront on --http-engine node
 *   ROUNDS=5 SIZES=1k node dist/bench/cache-hits.js   # targets take turns 5 times; medians
 *
 * Also measured, on a fresh edgefront process: origin requests caused by 500 concurrent cold
 * requests for one new object (collapsed forwarding, target 1), and edgefront's RSS high-water
 * mark before/after one 1 GiB object streams through it; and on one with a disk tier, the RSS
 * growth while that object is written to disk as it streams, then while a range from its far end
 * is read back from the file (target < 64 MiB).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarizeProfile } from './cpuprofile-top.js';
import {
  benchDistributionYaml,
  CLK_TCK,
  cleanup,
  coreTicks,
  freePort,
  get,
  initBench,
  log,
  median,
  parseWrk,
  portOpen,
  procStatusKb,
  type Started,
  sleep,
  start,
  started,
  treeTicks,
  WORK,
  type WrkResult,
  which,
  wrk,
} from './lib.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CONF = join(REPO, 'bench', 'conf');
const CLI = process.env.EDGEFRONT_CLI ?? join(REPO, 'dist', 'src', 'cli', 'main.js');
const PEER_BASELINE = '/work/shared/bench/peers/node/baseline.mjs';

const env = process.env;
const DURATION = Math.min(10, Math.max(1, Number(env.DURATION ?? 5)));
const WARMUP = Math.max(0, Number(env.WARMUP ?? 2));
/**
 * Seconds of keep-alive hits each target gets once, before the first measured cell. A Node
 * server is still being optimized seconds after it starts: TurboFan compiles on V8's worker
 * threads, which share the pinned core, and `perf sched` showed each compile job preempting the
 * main thread for 1–3 ms during cells measured after 3 s; after 15 s the longest was 57 µs
 * (bench/README.md, "Warm-up"). The per-cell WARMUP alone measured that start-up as tail latency.
 */
const SETTLE = Math.max(0, Number(env.SETTLE ?? 15));
const CONNS = Math.max(1, Number(env.CONNS ?? 64));
/** Measured runs per cell and target, interleaved; the median is reported. */
const ROUNDS = Math.max(1, Math.min(9, Number(env.ROUNDS ?? 1)));
const SIZES = (env.SIZES ?? '1k 100k 1m').split(/\s+/).filter(Boolean);
const CLOSE_SIZES = (env.CLOSE_SIZES ?? '1k').split(/\s+/).filter((s) => s && SIZES.includes(s));
const SERVER_CPU = env.SERVER_CPU ?? '0';
const CLIENT_CPU = env.CLIENT_CPU ?? '1';
const PROFILE = env.PROFILE === '1';
const EXTRAS = env.EXTRAS !== '0'; // the stampede and 1 GiB RSS measurements
const STAMPEDE = Math.max(1, Number(env.STAMPEDE ?? 500));
const BIG_BYTES = Number(env.BIG_BYTES ?? 2 ** 30);
const BYTES: Record<string, number> = { '1k': 1024, '10k': 10240, '100k': 102400, '1m': 1048576 };
/**
 * edgefront-fn: edgefront with a viewer-request CloudFront Function (the SPA rewrite) on every hit.
 * edgefront-node: edgefront with `--http-engine node` (node:http instead of its own HTTP/1 engine),
 * only when named in TARGETS.
 */
const ALL_TARGETS = [
  'nginx',
  'varnish',
  'node-baseline',
  'edgefront',
  'edgefront-fn',
  'edgefront-node',
] as const;
type Target = (typeof ALL_TARGETS)[number];
const DEFAULT_TARGETS = 'nginx varnish node-baseline edgefront edgefront-fn';
let TARGETS: Target[] = ALL_TARGETS.filter((t) => (env.TARGETS ?? DEFAULT_TARGETS).split(/\s+/).includes(t));
/** `--http-engine` of the edgefront and edgefront-fn targets (and the extras); default: serve's. */
const EDGE_ENGINE_FLAGS = env.EDGE_HTTP_ENGINE ? ['--http-engine', env.EDGE_HTTP_ENGINE] : [];
type Mode = 'keep-alive' | 'close';

/** The run with the median req/s (the lower middle one for an even count), kept whole. */
function medianRun(runs: Row[]): Row {
  const sorted = [...runs].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

interface Row extends WrkResult {
  target: Target;
  size: string;
  mode: Mode;
  conns: number;
  serverCpu: number; // % of one core: the target's process tree
  serverCore: number; // % busy of SERVER_CPU
  originRequests: number; // requests the origin saw during the measured run (must be 0)
}

// ---- prerequisites -----------------------------------------------------------
const NGINX = which('nginx');
const WRK = which('wrk');
const TASKSET = which('taskset');
const VARNISHD = which('varnishd');
const missing = [NGINX ? null : 'nginx', WRK ? null : 'wrk', TASKSET ? null : 'util-linux'].filter(Boolean);
if (missing.length) {
  process.stderr.write(
    `bench: missing ${missing.join(', ')}. Install with:\n  sudo apt-get install -y ${missing.join(' ')}\n`,
  );
  process.exit(1);
}
if (!VARNISHD && TARGETS.includes('varnish') && !PROFILE) {
  process.stderr.write(
    'bench: varnishd not found; skipping the varnish target. Install with:\n  sudo apt-get install -y varnish\n',
  );
  TARGETS = TARGETS.filter((t) => t !== 'varnish');
}
if (!existsSync(CLI)) {
  process.stderr.write(`bench: ${CLI} not found; run npm run build first\n`);
  process.exit(1);
}
for (const s of SIZES) {
  if (!BYTES[s]) {
    process.stderr.write(`bench: unknown size "${s}" (known: ${Object.keys(BYTES).join(' ')})\n`);
    process.exit(1);
  }
}
execFileSync(TASKSET!, ['-cp', CLIENT_CPU, String(process.pid)], { stdio: 'ignore' });
initBench({ workPrefix: 'edgefront-cache-bench-', serverCpu: SERVER_CPU, clientCpu: CLIENT_CPU });

// ---- HTTP checks -------------------------------------------------------------
async function originRequests(originPort: number): Promise<number> {
  const r = await get(originPort, '/__status');
  const m = /server accepts handled requests\s+\d+\s+\d+\s+(\d+)/.exec(r.body);
  if (!m) throw new Error(`origin /__status: unexpected body ${JSON.stringify(r.body)}`);
  return Number(m[1]);
}

function hitCheck(t: Target, h: Record<string, unknown>): { ok: boolean; shown: string } {
  switch (t) {
    case 'edgefront':
    case 'edgefront-fn':
    case 'edgefront-node': {
      const v = String(h['x-cache'] ?? '');
      return { ok: v === 'Hit from cloudfront', shown: `X-Cache: ${v}` };
    }
    case 'nginx': {
      const v = String(h['x-cache-status'] ?? '');
      return { ok: v === 'HIT', shown: `X-Cache-Status: ${v}` };
    }
    case 'varnish': {
      const v = String(h['x-varnish'] ?? '');
      return { ok: v.trim().split(/\s+/).length === 2, shown: `X-Varnish: ${v}` };
    }
    default:
      return { ok: true, shown: '(no cache)' };
  }
}

// ---- measuring ---------------------------------------------------------------
// ---- formatting ----------------------------------------------------------------
const pad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

function table(rows: Row[]): string {
  const head = [
    'target',
    'size',
    'conn',
    'req/s',
    'p50 ms',
    'p99 ms',
    'MiB/s',
    'srv CPU',
    `cpu${SERVER_CPU}`,
    'origin reqs',
    'err',
  ];
  const widths = [13, 5, 10, 9, 8, 8, 7, 8, 6, 11, 5];
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : pad(c, widths[i]))).join(' ');
  const lines = [fmt(head)];
  for (const r of rows) {
    lines.push(
      fmt([
        r.target,
        r.size,
        r.mode,
        r.rps.toFixed(0),
        r.p50.toFixed(3),
        r.p99.toFixed(3),
        ((r.rps * BYTES[r.size]) / 2 ** 20).toFixed(0),
        `${r.serverCpu.toFixed(0)}%`,
        `${r.serverCore.toFixed(0)}%`,
        String(r.originRequests),
        String(r.errors + r.non2xx),
      ]),
    );
  }
  return lines.join('\n');
}

interface Ratio {
  size: string;
  mode: Mode;
  name: string;
  value: number;
  /**
   * With ROUNDS > 1: the ratio within each round (the two cells measured seconds apart), and
   * their median, which a noisy stretch of the machine moves less than the ratio of medians.
   */
  rounds?: number[];
  paired?: number;
}

/** `allRuns`: every round's row, in round order per target. */
function ratios(rows: Row[], allRuns: Row[] = []): Ratio[] {
  const out: Ratio[] = [];
  const rowOf = (t: Target, size: string, mode: Mode) =>
    rows.find((r) => r.target === t && r.size === size && r.mode === mode);
  const cell = (t: Target, size: string, mode: Mode) => rowOf(t, size, mode)?.rps ?? Number.NaN;
  const runsOf = (t: Target, size: string, mode: Mode) =>
    allRuns.filter((r) => r.target === t && r.size === size && r.mode === mode);
  const paired = (a: Target, b: Target, size: string, mode: Mode, of: (r: Row) => number) => {
    const ra = runsOf(a, size, mode);
    const rb = runsOf(b, size, mode);
    if (ra.length < 2 || ra.length !== rb.length) return {};
    const rounds = ra.map((r, i) => of(r) / of(rb[i]));
    return { rounds, paired: median(rounds) };
  };
  for (const mode of ['keep-alive', 'close'] as Mode[]) {
    for (const size of SIZES) {
      const ef = cell('edgefront', size, mode);
      for (const peer of ['nginx', 'varnish', 'node-baseline'] as Target[]) {
        const v = ef / cell(peer, size, mode);
        if (Number.isFinite(v))
          out.push({
            size,
            mode,
            name: `edgefront/${peer} req/s`,
            value: v,
            ...paired('edgefront', peer, size, mode, (r) => r.rps),
          });
      }
      // Req/s per busy second of the server's core: when wrk's core is the limit (1 MiB here, every
      // server at wrk's ceiling with its own core partly idle) req/s cannot tell the servers
      // apart, and this is what one core of each would serve (bench/README.md, "Closed
      // connections, and a faster host").
      const perCore = (r: Row) => r.rps / Math.max(r.serverCore, 1);
      for (const peer of ['nginx', 'varnish'] as Target[]) {
        const mine = rowOf('edgefront', size, mode);
        const theirs = rowOf(peer, size, mode);
        if (mine && theirs)
          out.push({
            size,
            mode,
            name: `edgefront/${peer} req/s per core`,
            value: perCore(mine) / perCore(theirs),
            ...paired('edgefront', peer, size, mode, perCore),
          });
      }
      // p99 against nginx's (issue #3: at most nginx's, i.e. ≤ 1.00x); lower is better.
      const p99 = (t: Target) => rowOf(t, size, mode)?.p99 ?? Number.NaN;
      const p99Ratio = p99('edgefront') / p99('nginx');
      if (Number.isFinite(p99Ratio))
        out.push({
          size,
          mode,
          name: 'edgefront/nginx p99',
          value: p99Ratio,
          ...paired('edgefront', 'nginx', size, mode, (r) => r.p99),
        });
      const onNode = cell('edgefront-node', size, mode);
      for (const peer of ['nginx', 'edgefront'] as Target[]) {
        const v = onNode / cell(peer, size, mode);
        if (Number.isFinite(v)) out.push({ size, mode, name: `edgefront-node/${peer} req/s`, value: v });
      }
      // The cost of a viewer-request function on hits (issue #4 target: ≥ 0.90x).
      const withFn = cell('edgefront-fn', size, mode) / ef;
      if (Number.isFinite(withFn))
        out.push({ size, mode, name: 'edgefront-fn/edgefront req/s', value: withFn });
    }
  }
  return out;
}
const ratioText = (rs: Ratio[]) =>
  rs
    .map(
      (r) =>
        `${r.size.padEnd(5)} ${r.mode.padEnd(10)} ${r.name.padEnd(36)} ${pad(r.value.toFixed(2), 6)}x` +
        (r.paired === undefined
          ? ''
          : `   paired median ${r.paired.toFixed(2)}x (rounds ${r.rounds!.map((v) => v.toFixed(2)).join(' ')})`),
    )
    .join('\n');

// ---- main ------------------------------------------------------------------------
async function main(): Promise<number> {
  for (const d of ['www', 'origin/tmp', 'proxy/tmp', 'proxy/cache', 'state', 'state2', 'varnish'])
    mkdirSync(join(WORK, d), { recursive: true });
  chmodSync(WORK, 0o755); // nginx workers may run as another user
  for (const s of SIZES) writeFileSync(join(WORK, 'www', `${s}.bin`), randomBytes(BYTES[s]), { mode: 0o644 });
  writeFileSync(join(WORK, 'www', 'cold.bin'), randomBytes(1024), { mode: 0o644 });
  writeFileSync(join(WORK, 'www', 'big.bin'), '', { mode: 0o644 });
  truncateSync(join(WORK, 'www', 'big.bin'), BIG_BYTES); // sparse: no disk, nginx still sends every byte

  const [
    originPort,
    nginxPort,
    varnishPort,
    basePort,
    edgePort,
    adminPort,
    edge2Port,
    admin2Port,
    edge3Port,
    admin3Port,
    fnPort,
    fnAdminPort,
    h1Port,
    h1AdminPort,
  ] = await Promise.all(Array.from({ length: 14 }, () => freePort()));
  const render = (tpl: string, out: string, port: number) =>
    writeFileSync(
      out,
      readFileSync(join(CONF, tpl), 'utf8')
        .replaceAll('@WORK@', WORK)
        .replaceAll('@ORIGIN_PORT@', String(originPort))
        .replaceAll('@PORT@', String(port)),
    );
  render('cache-origin-nginx.conf', join(WORK, 'origin', 'nginx.conf'), originPort);
  render('cache-nginx.conf', join(WORK, 'proxy', 'nginx.conf'), nginxPort);
  writeFileSync(
    join(WORK, 'edgefront.yaml'),
    benchDistributionYaml('E1CACHEBENCH', originPort, 'CachingOptimized'),
  );
  // The same distribution with the canonical SPA-rewrite viewer-request function on every request.
  writeFileSync(
    join(WORK, 'edgefront-fn.yaml'),
    `Functions:
  - Name: spa-rewrite
    FunctionConfig: { Runtime: cloudfront-js-1.0 }
    Code: ${join(REPO, 'examples', 'functions', 'spa-rewrite.js')}
${readFileSync(join(WORK, 'edgefront.yaml'), 'utf8').replace(
  'CachePolicyId: CachingOptimized }',
  'CachePolicyId: CachingOptimized, FunctionAssociations: [{ EventType: viewer-request, FunctionARN: spa-rewrite }] }',
)}`,
  );
  // node-baseline: the peer kit's baseline.mjs if present, else the same thing inline
  let baselineScript = PEER_BASELINE;
  if (!existsSync(baselineScript)) {
    baselineScript = join(WORK, 'baseline.mjs');
    writeFileSync(
      baselineScript,
      `import http from 'node:http';
const mk = (n) => { const b = Buffer.allocUnsafe(n); for (let i = 0; i < n; i++) b[i] = 97 + (i % 26); return b; };
const oneK = mk(1024);
const bodies = new Map([['/1k.bin', oneK], ['/10k.bin', mk(10240)], ['/100k.bin', mk(102400)], ['/1m.bin', mk(1048576)]]);
http.createServer((req, res) => {
  const body = bodies.get(req.url) ?? oneK;
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, 'cache-control': 'max-age=3600' });
  res.end(body);
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('node-baseline listening'));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => process.exit(0));
`,
    );
  }

  const ports: Record<Target, number> = {
    nginx: nginxPort,
    varnish: varnishPort,
    'node-baseline': basePort,
    edgefront: edgePort,
    'edgefront-fn': fnPort,
    'edgefront-node': h1Port,
  };
  const pids: Partial<Record<Target, number>> = {};
  await start(
    'origin',
    NGINX!,
    ['-p', `${WORK}/origin/`, '-e', `${WORK}/origin/error.log`, '-c', `${WORK}/origin/nginx.conf`],
    () => portOpen(originPort),
  );
  const startEdge = (
    name: string,
    port: number,
    admin: number,
    state: string,
    flags: string[] = [],
    serveFlags: string[] = [],
    config = 'edgefront.yaml',
  ) =>
    start(
      name,
      process.execPath,
      [
        ...flags,
        CLI,
        'serve',
        '--config',
        join(WORK, config),
        '--port',
        String(port),
        '--admin-port',
        String(admin),
        '--state-dir',
        join(WORK, state),
        ...EDGE_ENGINE_FLAGS,
        ...serveFlags,
      ],
      async (output) =>
        /edgefront: listening http=/.test(output) &&
        (await get(admin, '/healthz').catch(() => null))?.status === 200,
    );

  if (PROFILE) return profile(originPort, edgePort, adminPort, startEdge);

  if (TARGETS.includes('nginx'))
    pids.nginx = (
      await start(
        'nginx',
        NGINX!,
        ['-p', `${WORK}/proxy/`, '-e', `${WORK}/proxy/error.log`, '-c', `${WORK}/proxy/nginx.conf`],
        () => portOpen(nginxPort),
      )
    ).child.pid;
  if (TARGETS.includes('varnish'))
    pids.varnish = (
      await start(
        'varnish',
        VARNISHD!,
        [
          '-F',
          '-n',
          join(WORK, 'varnish'),
          '-a',
          `127.0.0.1:${varnishPort}`,
          '-b',
          `127.0.0.1:${originPort}`,
          '-s',
          'malloc,256m',
          '-T',
          'none',
        ],
        () => portOpen(varnishPort),
      )
    ).child.pid;
  if (TARGETS.includes('node-baseline'))
    pids['node-baseline'] = (
      await start('node-baseline', process.execPath, [baselineScript], () => portOpen(basePort), {
        PORT: String(basePort),
      })
    ).child.pid;
  if (TARGETS.includes('edgefront'))
    pids.edgefront = (await startEdge('edgefront', edgePort, adminPort, 'state')).child.pid;
  if (TARGETS.includes('edgefront-fn'))
    pids['edgefront-fn'] = (
      await startEdge('edgefront-fn', fnPort, fnAdminPort, 'state-fn', [], [], 'edgefront-fn.yaml')
    ).child.pid;
  if (TARGETS.includes('edgefront-node'))
    pids['edgefront-node'] = (
      await startEdge('edgefront-node', h1Port, h1AdminPort, 'state-node', [], ['--http-engine', 'node'])
    ).child.pid;

  // warm + verify: 200, right byte count, second request is a hit
  for (const t of TARGETS) {
    for (const s of SIZES) {
      await get(ports[t], `/${s}.bin`);
      const r = await get(ports[t], `/${s}.bin`);
      const hit = hitCheck(t, r.headers);
      if (r.status !== 200 || r.bytes !== BYTES[s])
        throw new Error(`${t} /${s}.bin: status ${r.status}, ${r.bytes} bytes (want 200, ${BYTES[s]})`);
      if (!hit.ok) throw new Error(`${t} /${s}.bin: second request is not a hit (${hit.shown})`);
      log(`check ${t} /${s}.bin: 200, ${r.bytes} bytes, ${hit.shown}`);
    }
  }

  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const RESULTS = env.RESULTS ?? join(REPO, 'bench', 'results', `cache-${stamp}`);
  mkdirSync(join(RESULTS, 'raw'), { recursive: true });
  const version = (cmd: string, flag = '-v') => {
    const r = spawnSync(cmd, [flag], { encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`.split('\n')[0].trim();
  };
  const meta = {
    date: new Date().toISOString(),
    host: `${execFileSync('uname', ['-srm'], { encoding: 'utf8' }).trim()}; ${readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? '?'}; ${readdirSync('/sys/devices/system/cpu').filter((d) => /^cpu\d+$/.test(d)).length} cpus`,
    node: process.version,
    nginx: version(NGINX!),
    varnish: VARNISHD ? version(VARNISHD, '-V') : 'not installed (skipped)',
    wrk: version(WRK!),
    commit: execFileSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(),
    settings: {
      DURATION,
      WARMUP,
      SETTLE,
      CONNS,
      ROUNDS,
      SIZES,
      CLOSE_SIZES,
      TARGETS,
      SERVER_CPU,
      CLIENT_CPU,
      STAMPEDE,
      BIG_BYTES,
    },
  };

  const rows: Row[] = [];
  const allRuns: Row[] = [];
  const cells: [Mode, string][] = [
    ...SIZES.map((s) => ['keep-alive', s] as [Mode, string]),
    ...CLOSE_SIZES.map((s) => ['close', s] as [Mode, string]),
  ];
  if (SETTLE > 0) {
    const size = SIZES.includes('1k') ? '1k' : SIZES[0];
    log(`settling: ${SETTLE} s of /${size}.bin hits per target before measuring`);
    for (const target of TARGETS)
      await wrk(
        ['-t1', `-c${CONNS}`, `-d${SETTLE}s`, `http://127.0.0.1:${ports[target]}/${size}.bin`],
        (SETTLE + 30) * 1000,
      );
  }
  log(
    `measuring ${cells.length * TARGETS.length} cells × ${ROUNDS} rounds, ~${Math.ceil((ROUNDS * cells.length * TARGETS.length * (DURATION + WARMUP + 1)) / 60)} min`,
  );
  for (const [mode, size] of cells) {
    // ROUNDS > 1: the targets take turns, round after round, and each keeps its median run, so a
    // noisy stretch of the machine hits every target alike instead of deciding one ratio.
    const runs = new Map<Target, Row[]>();
    for (let round = 0; round < ROUNDS; round++)
      for (const target of TARGETS) {
        const url = `http://127.0.0.1:${ports[target]}/${size}.bin`;
        const extra = mode === 'close' ? ['-H', 'Connection: close'] : [];
        if (WARMUP > 0) await wrk(['-t1', `-c${CONNS}`, `-d${WARMUP}s`, ...extra, url], 30_000);
        await sleep(500);
        const o0 = await originRequests(originPort);
        const t0 = treeTicks(pids[target]!);
        const c0 = coreTicks(SERVER_CPU);
        const began = process.hrtime.bigint();
        const out = await wrk(['-t1', `-c${CONNS}`, `-d${DURATION}s`, '--latency', ...extra, url], 30_000);
        const secs = Number(process.hrtime.bigint() - began) / 1e9;
        const t1 = treeTicks(pids[target]!);
        const c1 = coreTicks(SERVER_CPU);
        const o1 = await originRequests(originPort);
        writeFileSync(
          join(RESULTS, 'raw', `${target}-${size}-${mode}${ROUNDS > 1 ? `-${round + 1}` : ''}.txt`),
          out,
        );
        const row: Row = {
          target,
          size,
          mode,
          conns: CONNS,
          ...parseWrk(out),
          serverCpu: ((t1 - t0) / CLK_TCK / secs) * 100,
          serverCore: c1.total > c0.total ? ((c1.busy - c0.busy) / (c1.total - c0.total)) * 100 : 0,
          originRequests: o1 - o0 - 1, // minus the second /__status request itself
        };
        runs.set(target, [...(runs.get(target) ?? []), row]);
        log(
          `${target.padEnd(13)} ${size.padEnd(4)} ${mode.padEnd(10)}: ${row.rps.toFixed(0)} req/s, p50 ${row.p50.toFixed(3)} ms, p99 ${row.p99.toFixed(3)} ms, srv ${row.serverCpu.toFixed(0)}%, origin reqs ${row.originRequests}${ROUNDS > 1 ? ` (round ${round + 1})` : ''}`,
        );
      }
    for (const target of TARGETS) {
      rows.push(medianRun(runs.get(target)!));
      allRuns.push(...runs.get(target)!);
    }
  }

  // ---- extras, on a fresh edgefront process (idle peers stay up) ----
  const extras: Record<string, unknown> = {};
  const extraLines: string[] = [];
  if (EXTRAS && TARGETS.includes('edgefront')) {
    const edge2 = await startEdge('edgefront-extras', edge2Port, admin2Port, 'state2');
    const pid2 = edge2.child.pid!;
    // 1) stampede: STAMPEDE concurrent cold requests for one object never requested before
    const before = await originRequests(originPort);
    const url = `http://127.0.0.1:${edge2Port}/cold.bin`;
    const t0 = Date.now();
    const results = await Promise.allSettled(
      Array.from({ length: STAMPEDE }, async () => {
        const r = await fetch(url);
        const b = await r.arrayBuffer();
        return { status: r.status, bytes: b.byteLength, xCache: r.headers.get('x-cache') ?? '' };
      }),
    );
    const ms = Date.now() - t0;
    const after = await originRequests(originPort);
    const ok = results.filter(
      (r) => r.status === 'fulfilled' && r.value.status === 200 && r.value.bytes === 1024,
    ).length;
    const xc: Record<string, number> = {};
    for (const r of results) {
      const k =
        r.status === 'fulfilled' ? r.value.xCache || '(none)' : `error: ${String(r.reason).slice(0, 60)}`;
      xc[k] = (xc[k] ?? 0) + 1;
    }
    const stampedeOrigin = after - before - 1;
    extras.stampede = { requests: STAMPEDE, ok, originRequests: stampedeOrigin, ms, xCache: xc };
    extraLines.push(
      `stampede: ${STAMPEDE} concurrent cold GETs of /cold.bin through edgefront -> ${stampedeOrigin} origin request(s) (target 1: ${stampedeOrigin === 1 ? 'met' : 'NOT met'}); ${ok}/${STAMPEDE} ok 200 1024 B, ${ms} ms; X-Cache: ${Object.entries(
        xc,
      )
        .map(([k, v]) => `${k} x${v}`)
        .join(', ')}`,
    );
    log(extraLines.at(-1)!);

    // 2) RSS while one BIG_BYTES object streams through
    await sleep(500);
    const {
      result: big,
      ms: bigMs,
      hwm0,
      hwm1,
      rss0,
      rss1,
      rssPeakSampled,
    } = await sampled(pid2, () => get(edge2Port, '/big.bin', 120_000));
    const bigMiB = BIG_BYTES / 2 ** 20;
    extras.bigObject = {
      bytes: BIG_BYTES,
      status: big.status,
      received: big.bytes,
      xCache: String(big.headers['x-cache'] ?? ''),
      ms: bigMs,
      vmHWMBeforeKb: hwm0,
      vmHWMAfterKb: hwm1,
      vmRSSBeforeKb: rss0,
      vmRSSAfterKb: rss1,
      vmRSSPeakSampledKb: rssPeakSampled,
    };
    extraLines.push(
      `1 object of ${bigMiB} MiB through edgefront: ${big.status}, ${big.bytes === BIG_BYTES ? 'all bytes' : `${big.bytes} bytes (WRONG)`}, X-Cache: ${String(big.headers['x-cache'] ?? '')}, ${bigMs} ms (${((bigMiB * 1000) / bigMs).toFixed(0)} MiB/s); VmHWM ${(hwm0 / 1024).toFixed(0)} -> ${(hwm1 / 1024).toFixed(0)} MiB (+${((hwm1 - hwm0) / 1024).toFixed(0)} MiB), VmRSS ${(rss0 / 1024).toFixed(0)} -> ${(rss1 / 1024).toFixed(0)} MiB`,
    );
    log(extraLines.at(-1)!);

    // 3) the same object on an edgefront with a disk tier (an object may take 1/4 of its budget):
    //    written to disk while it streams, then the last MiB read back as a range from the file.
    const diskMiB = Math.ceil((4 * BIG_BYTES) / 2 ** 20) + 64;
    const edge3 = await startEdge(
      'edgefront-disk',
      edge3Port,
      admin3Port,
      'state3',
      [],
      ['--cache-disk', `${diskMiB}MiB`],
    );
    const pid3 = edge3.child.pid!;
    await sleep(500);
    const fill = await sampled(pid3, () => get(edge3Port, '/big.bin', 300_000));
    const storedMs = await untilOnDisk(admin3Port, 300_000);
    const tailBytes = Math.min(2 ** 20, BIG_BYTES);
    const range = `bytes=${BIG_BYTES - tailBytes}-`;
    await sleep(300);
    const far = await sampled(pid3, () => getRange(edge3Port, '/big.bin', range, 60_000));
    const growthKb = Math.max(far.rss1, far.rssPeakSampled) - far.rss0;
    const fillGrowthKb = Math.max(fill.hwm1 - fill.hwm0, fill.rssPeakSampled - fill.rss0);
    const rangeOk =
      far.result.status === 206 &&
      far.result.bytes === tailBytes &&
      far.result.contentRange === `bytes ${BIG_BYTES - tailBytes}-${BIG_BYTES - 1}/${BIG_BYTES}`;
    extras.diskRange = {
      bytes: BIG_BYTES,
      fill: {
        status: fill.result.status,
        received: fill.result.bytes,
        xCache: String(fill.result.headers['x-cache'] ?? ''),
        ms: fill.ms,
        committedAfterMs: storedMs,
        vmHWMBeforeKb: fill.hwm0,
        vmHWMAfterKb: fill.hwm1,
        vmRSSBeforeKb: fill.rss0,
        vmRSSPeakSampledKb: fill.rssPeakSampled,
      },
      range,
      status: far.result.status,
      received: far.result.bytes,
      contentRange: far.result.contentRange,
      xCache: far.result.xCache,
      ms: far.ms,
      vmRSSBeforeKb: far.rss0,
      vmRSSAfterKb: far.rss1,
      vmRSSPeakSampledKb: far.rssPeakSampled,
      vmRSSGrowthKb: growthKb,
    };
    extraLines.push(
      `1 object of ${bigMiB} MiB into a disk tier while it streams: ${fill.result.status}, ${fill.result.bytes === BIG_BYTES ? 'all bytes' : `${fill.result.bytes} bytes (WRONG)`}, X-Cache: ${String(fill.result.headers['x-cache'] ?? '')}, ${fill.ms} ms (${((bigMiB * 1000) / fill.ms).toFixed(0)} MiB/s), on disk ${storedMs} ms after; RSS +${(fillGrowthKb / 1024).toFixed(0)} MiB. Last ${tailBytes / 2 ** 20} MiB as a range from disk: ${far.result.status} ${rangeOk ? 'right bytes' : `${far.result.bytes} bytes, ${far.result.contentRange} (WRONG)`}, X-Cache: ${far.result.xCache}, ${far.ms} ms; VmRSS ${(far.rss0 / 1024).toFixed(0)} -> ${(Math.max(far.rss1, far.rssPeakSampled) / 1024).toFixed(0)} MiB (+${(growthKb / 1024).toFixed(0)} MiB, target < 64 MiB: ${growthKb < 64 * 1024 && rangeOk ? 'met' : 'NOT met'})`,
    );
    log(extraLines.at(-1)!);
  }

  const rs = ratios(rows, allRuns);
  const text = [
    `edgefront cache-hit benchmark  ${meta.date}  (${meta.host}; node ${meta.node}; commit ${meta.commit})`,
    `wrk -t1 -c${CONNS} ${DURATION}s --latency after ${WARMUP} s unmeasured (and ${SETTLE} s per target before the first cell) (keep-alive; "close" = -H 'Connection: close'); servers on cpu${SERVER_CPU}, wrk on cpu${CLIENT_CPU}; varnish: ${meta.varnish}`,
    '',
    table(rows),
    '',
    ratioText(rs),
    '',
    ...extraLines,
    '',
  ].join('\n');
  process.stdout.write(`\n${text}`);
  writeFileSync(join(RESULTS, 'table.txt'), text);
  writeFileSync(
    join(RESULTS, 'results.json'),
    `${JSON.stringify({ meta, rows, ratios: rs, extras }, null, 2)}\n`,
  );
  log(`results: ${RESULTS}`);
  const bad = rows.filter((r) => r.target !== 'node-baseline' && r.originRequests > 0);
  if (bad.length)
    log(`WARNING: origin requests during measured hit runs: ${bad.map((r) => r.target).join(' ')}`);
  return 0;
}

/** Runs `fn` while sampling `pid`'s VmRSS every 50 ms; VmHWM/VmRSS before and 300 ms after. */
async function sampled<T>(pid: number, fn: () => Promise<T>) {
  const hwm0 = procStatusKb(pid, 'VmHWM');
  const rss0 = procStatusKb(pid, 'VmRSS');
  const began = Date.now();
  let rssPeakSampled = rss0;
  const sampler = setInterval(() => {
    try {
      rssPeakSampled = Math.max(rssPeakSampled, procStatusKb(pid, 'VmRSS'));
    } catch {}
  }, 50);
  const result = await fn().finally(() => clearInterval(sampler));
  const ms = Date.now() - began;
  await sleep(300);
  return {
    result,
    ms,
    hwm0,
    hwm1: procStatusKb(pid, 'VmHWM'),
    rss0,
    rss1: procStatusKb(pid, 'VmRSS'),
    rssPeakSampled,
  };
}

/** A GET with a Range header; the body is counted, not kept. */
function getRange(port: number, path: string, range: string, timeoutMs: number) {
  return new Promise<{ status: number; bytes: number; contentRange: string; xCache: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { range } }, (res) => {
        let bytes = 0;
        res.on('data', (d: Buffer) => {
          bytes += d.length;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            bytes,
            contentRange: String(res.headers['content-range'] ?? ''),
            xCache: String(res.headers['x-cache'] ?? ''),
          }),
        );
        res.on('error', reject);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${path} (${range}) timed out`)));
      req.on('error', reject);
      req.end();
    },
  );
}

/** Waits (bounded) until /debug/cache lists a disk-tier entry; returns how long that took. */
async function untilOnDisk(adminPort: number, timeoutMs: number): Promise<number> {
  const began = Date.now();
  while (Date.now() - began < timeoutMs) {
    const r = await get(adminPort, '/debug/cache?distribution=E1CACHEBENCH');
    if (/"tier":\s*"disk"/.test(r.body)) return Date.now() - began;
    await sleep(100);
  }
  throw new Error(`the large object was not on the disk tier within ${timeoutMs} ms`);
}

async function profile(
  originPort: number,
  edgePort: number,
  adminPort: number,
  startEdge: (n: string, p: number, a: number, s: string, f?: string[]) => Promise<Started>,
): Promise<number> {
  const profDir = join(WORK, 'prof');
  const edge = await startEdge('edgefront', edgePort, adminPort, 'state', [
    '--cpu-prof',
    '--cpu-prof-dir',
    profDir,
  ]);
  const secs = Math.min(DURATION, 5);
  for (const s of SIZES) {
    await get(edgePort, `/${s}.bin`);
    const h = hitCheck('edgefront', (await get(edgePort, `/${s}.bin`)).headers);
    if (!h.ok) throw new Error(`edgefront /${s}.bin: not a hit (${h.shown})`);
    const o0 = await originRequests(originPort);
    log(`profiling: wrk -c${CONNS} ${secs}s /${s}.bin (hits) against edgefront`);
    const r = parseWrk(
      await wrk(['-t1', `-c${CONNS}`, `-d${secs}s`, `http://127.0.0.1:${edgePort}/${s}.bin`], 30_000),
    );
    log(
      `  ${r.rps.toFixed(0)} req/s under the profiler, origin reqs ${(await originRequests(originPort)) - o0 - 1}`,
    );
  }
  const child = edge.child;
  child.kill('SIGTERM');
  for (let i = 0; i < 100 && child.exitCode === null; i++) await sleep(100);
  const file = existsSync(profDir) ? readdirSync(profDir).find((f) => f.endsWith('.cpuprofile')) : undefined;
  if (!file) throw new Error(`no .cpuprofile written in ${profDir} (edgefront exit ${child.exitCode})`);
  const dest = join(
    REPO,
    'bench',
    'results',
    `cache-profile-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`,
  );
  mkdirSync(dest, { recursive: true });
  const prof = readFileSync(join(profDir, file), 'utf8');
  writeFileSync(join(dest, 'edgefront.cpuprofile'), prof);
  const summary = summarizeProfile(JSON.parse(prof), 40);
  writeFileSync(join(dest, 'top.txt'), summary);
  process.stdout.write(`${summary}\n`);
  log(`profile: ${dest}/edgefront.cpuprofile`);
  return 0;
}

main().then(
  async (code) => {
    await cleanup();
    process.exit(code);
  },
  async (err) => {
    log(`ERROR: ${err instanceof Error ? err.message : String(err)}`);
    for (const s of started) {
      if (s.child.exitCode !== null || s.child.signalCode !== null)
        log(
          `${s.name} exited (${s.child.exitCode ?? s.child.signalCode}); its last output:\n${s.output().slice(-3000)}`,
        );
    }
    await cleanup();
    process.exit(1);
  },
);
