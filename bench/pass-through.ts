/**
 * Pass-through (no cache) benchmark: the origin directly, nginx `proxy_pass` without a cache,
 * and `edgefront serve` with the managed CachingDisabled policy, side by side on 127.0.0.1.
 * Servers are pinned to core SERVER_CPU, wrk (and this script) to CLIENT_CPU. See bench/README.md.
 *
 *   npm run bench
 *   DURATION=5 SIZES=1k RUNS=2 npm run bench
 *   PROFILE=1 npm run bench          # instead: a short --cpu-prof run of edgefront, then its top functions
 */
import { type ChildProcess, execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
const CLI = process.env.EDGEFRONT_CLI ?? join(REPO, 'dist', 'src', 'cli', 'main.js'); // another build, for A/B

const env = process.env;
const DURATION = Math.min(10, Math.max(1, Number(env.DURATION ?? 10)));
const WARMUP = Math.max(0, Number(env.WARMUP ?? 2));
const CONNS = Math.max(1, Number(env.CONNS ?? 64));
const RUNS = Math.max(1, Number(env.RUNS ?? 1));
const SIZES = (env.SIZES ?? '1k 100k').split(/\s+/).filter(Boolean);
const SERVER_CPU = env.SERVER_CPU ?? '0';
const CLIENT_CPU = env.CLIENT_CPU ?? '1';
const PROFILE = env.PROFILE === '1';
const BYTES: Record<string, number> = { '1k': 1024, '10k': 10240, '100k': 102400, '1m': 1048576 };
const ALL_TARGETS = ['direct', 'nginx', 'edgefront'] as const;
type Target = (typeof ALL_TARGETS)[number];
const TARGETS = ALL_TARGETS.filter((t) => (env.TARGETS ?? ALL_TARGETS.join(' ')).split(/\s+/).includes(t));

interface Row extends WrkResult {
  run: number;
  target: Target;
  size: string;
  conns: number;
  serverCpu: number; // % of one core: the target's process tree
  serverCore: number; // % busy of SERVER_CPU (includes the origin for proxies)
}

// ---- prerequisites -----------------------------------------------------------
const NGINX = which('nginx');
const WRK = which('wrk');
const TASKSET = which('taskset');
const missing = [NGINX ? null : 'nginx', WRK ? null : 'wrk', TASKSET ? null : 'util-linux'].filter(Boolean);
if (missing.length) {
  process.stderr.write(
    `bench: missing ${missing.join(', ')}. Install with:\n  sudo apt-get install -y ${missing.join(' ')}\n`,
  );
  process.exit(1);
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
// this script and the wrk it starts stay off the server core
execFileSync(TASKSET!, ['-cp', CLIENT_CPU, String(process.pid)], { stdio: 'ignore' });
initBench({ workPrefix: 'edgefront-bench-', serverCpu: SERVER_CPU, clientCpu: CLIENT_CPU });

// ---- formatting ----------------------------------------------------------------
const pad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

function table(rows: Row[]): string {
  const lines: string[] = [];
  const head = ['target', 'size', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'srv CPU', `cpu${SERVER_CPU}`, 'err'];
  const widths = [10, 5, 6, 9, 8, 8, 8, 6, 5];
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : pad(c, widths[i])));
  lines.push(fmt(head).join(' '));
  for (const conns of [...new Set(rows.map((r) => r.conns))]) {
    for (const size of SIZES) {
      for (const target of TARGETS) {
        const rs = rows.filter((r) => r.conns === conns && r.size === size && r.target === target);
        if (!rs.length) continue;
        lines.push(
          fmt([
            target,
            size,
            String(conns),
            median(rs.map((r) => r.rps)).toFixed(0),
            median(rs.map((r) => r.p50)).toFixed(3),
            median(rs.map((r) => r.p99)).toFixed(3),
            `${median(rs.map((r) => r.serverCpu)).toFixed(0)}%`,
            `${median(rs.map((r) => r.serverCore)).toFixed(0)}%`,
            String(rs.reduce((a, r) => a + r.errors + r.non2xx, 0)),
          ]).join(' '),
        );
      }
    }
  }
  return lines.join('\n');
}

interface Ratio {
  size: string;
  name: string;
  value: number;
  unit: string;
  target: string;
  ok: boolean;
}
function ratios(rows: Row[]): Ratio[] {
  const out: Ratio[] = [];
  const cell = (t: Target, size: string, conns: number, k: 'rps' | 'p50') =>
    median(rows.filter((r) => r.target === t && r.size === size && r.conns === conns).map((r) => r[k]));
  for (const size of SIZES) {
    const ef = cell('edgefront', size, CONNS, 'rps');
    const ng = cell('nginx', size, CONNS, 'rps');
    const di = cell('direct', size, CONNS, 'rps');
    out.push({
      size,
      name: `edgefront/nginx req/s (c${CONNS})`,
      value: ef / ng,
      unit: 'x',
      target: '>= 0.8x',
      ok: ef / ng >= 0.8,
    });
    out.push({
      size,
      name: `edgefront/direct req/s (c${CONNS})`,
      value: ef / di,
      unit: 'x',
      target: '',
      ok: true,
    });
    const added = cell('edgefront', size, 1, 'p50') - cell('direct', size, 1, 'p50');
    const addedNginx = cell('nginx', size, 1, 'p50') - cell('direct', size, 1, 'p50');
    out.push({
      size,
      name: 'edgefront p50 - direct p50 (c1)',
      value: added,
      unit: 'ms',
      target: '<= +0.3 ms',
      ok: added <= 0.3,
    });
    out.push({
      size,
      name: 'nginx p50 - direct p50 (c1)',
      value: addedNginx,
      unit: 'ms',
      target: '',
      ok: true,
    });
  }
  return out.filter((r) => Number.isFinite(r.value)); // targets left out with TARGETS give NaN
}
function ratioText(rs: Ratio[]): string {
  return rs
    .map((r) => {
      const v =
        r.unit === 'x' ? `${r.value.toFixed(2)}x` : `${r.value >= 0 ? '+' : ''}${r.value.toFixed(3)} ms`;
      const verdict = r.target ? `  (target ${r.target}: ${r.ok ? 'met' : 'NOT met'})` : '';
      return `${r.size.padEnd(5)} ${r.name.padEnd(36)} ${pad(v, 11)}${verdict}`;
    })
    .join('\n');
}

// ---- main ------------------------------------------------------------------------
async function main(): Promise<number> {
  for (const d of ['www', 'origin/tmp', 'proxy/tmp', 'state']) mkdirSync(join(WORK, d), { recursive: true });
  chmodSync(WORK, 0o755); // nginx workers may run as another user (nobody / www-data)
  for (const s of SIZES) writeFileSync(join(WORK, 'www', `${s}.bin`), randomBytes(BYTES[s]), { mode: 0o644 });
  const [originPort, nginxPort, edgePort, adminPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const render = (tpl: string, out: string, port: number) =>
    writeFileSync(
      out,
      readFileSync(join(CONF, tpl), 'utf8')
        .replaceAll('@WORK@', WORK)
        .replaceAll('@ORIGIN_PORT@', String(originPort))
        .replaceAll('@PORT@', String(port)),
    );
  render('origin-nginx.conf', join(WORK, 'origin', 'nginx.conf'), originPort);
  render('proxy-nginx.conf', join(WORK, 'proxy', 'nginx.conf'), nginxPort);
  writeFileSync(
    join(WORK, 'edgefront.yaml'),
    benchDistributionYaml('E1BENCH', originPort, 'CachingDisabled'),
  );

  const ports: Record<Target, number> = { direct: originPort, nginx: nginxPort, edgefront: edgePort };
  const pids: Partial<Record<Target, number>> = {};
  const origin = await start(
    'origin',
    NGINX!,
    ['-p', `${WORK}/origin/`, '-e', `${WORK}/origin/error.log`, '-c', `${WORK}/origin/nginx.conf`],
    () => portOpen(originPort),
  );
  pids.direct = origin.child.pid;
  if (!PROFILE && TARGETS.includes('nginx')) {
    const proxy = await start(
      'nginx',
      NGINX!,
      ['-p', `${WORK}/proxy/`, '-e', `${WORK}/proxy/error.log`, '-c', `${WORK}/proxy/nginx.conf`],
      () => portOpen(nginxPort),
    );
    pids.nginx = proxy.child.pid;
  }
  const profDir = join(WORK, 'prof');
  const nodeFlags = PROFILE ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [];
  let edgeChild: ChildProcess | undefined;
  if (PROFILE || TARGETS.includes('edgefront')) {
    const edge = await start(
      'edgefront',
      process.execPath,
      [
        ...nodeFlags,
        CLI,
        'serve',
        '--config',
        join(WORK, 'edgefront.yaml'),
        '--port',
        String(edgePort),
        '--admin-port',
        String(adminPort),
        '--state-dir',
        join(WORK, 'state'),
      ],
      async (output) =>
        /edgefront: listening http=/.test(output) &&
        (await get(adminPort, '/healthz').catch(() => null))?.status === 200,
    );
    pids.edgefront = edge.child.pid;
    edgeChild = edge.child;
  }

  // verify: 200, right byte count, edgefront is a miss
  const targets = PROFILE ? (['edgefront'] as Target[]) : [...TARGETS];
  for (const t of targets) {
    for (const s of SIZES) {
      const r = await get(ports[t], `/${s}.bin`);
      const xCache = String(r.headers['x-cache'] ?? '');
      if (r.status !== 200 || r.bytes !== BYTES[s])
        throw new Error(`${t} /${s}.bin: status ${r.status}, ${r.bytes} bytes (want 200, ${BYTES[s]})`);
      if (t === 'edgefront' && xCache !== 'Miss from cloudfront')
        throw new Error(`${t} /${s}.bin: X-Cache "${xCache}" (want "Miss from cloudfront")`);
      log(`check ${t} /${s}.bin: 200, ${r.bytes} bytes${t === 'edgefront' ? `, X-Cache: ${xCache}` : ''}`);
    }
  }

  if (PROFILE) return profile(ports.edgefront, edgeChild!, profDir);

  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const RESULTS = env.RESULTS ?? join(REPO, 'bench', 'results', stamp);
  mkdirSync(join(RESULTS, 'raw'), { recursive: true });
  const version = (cmd: string) => {
    const r = spawnSync(cmd, ['-v'], { encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`.split('\n')[0].trim();
  };
  const meta = {
    date: new Date().toISOString(),
    host: `${execFileSync('uname', ['-srm'], { encoding: 'utf8' }).trim()}; ${readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? '?'}; ${readdirSync('/sys/devices/system/cpu').filter((d) => /^cpu\d+$/.test(d)).length} cpus`,
    node: process.version,
    nginx: version(NGINX!),
    wrk: version(WRK!),
    commit: execFileSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim(),
    settings: { DURATION, WARMUP, CONNS, RUNS, SIZES, SERVER_CPU, CLIENT_CPU },
  };

  const rows: Row[] = [];
  const total = RUNS * SIZES.length * TARGETS.length * (CONNS === 1 ? 1 : 2);
  log(`measuring ${total} cells, ~${Math.ceil((total * (DURATION + WARMUP + 1)) / 60)} min`);
  for (let run = 1; run <= RUNS; run++) {
    for (const conns of CONNS === 1 ? [1] : [CONNS, 1]) {
      for (const size of SIZES) {
        for (const target of TARGETS) {
          const url = `http://127.0.0.1:${ports[target]}/${size}.bin`;
          if (WARMUP > 0) await wrk(['-t1', `-c${conns}`, `-d${WARMUP}s`, url], 30_000);
          await sleep(500);
          const t0 = treeTicks(pids[target]!);
          const c0 = coreTicks(SERVER_CPU);
          const started = process.hrtime.bigint();
          const out = await wrk(['-t1', `-c${conns}`, `-d${DURATION}s`, '--latency', url], 30_000);
          const secs = Number(process.hrtime.bigint() - started) / 1e9;
          const t1 = treeTicks(pids[target]!);
          const c1 = coreTicks(SERVER_CPU);
          writeFileSync(join(RESULTS, 'raw', `r${run}-${target}-${size}-c${conns}.txt`), out);
          const row: Row = {
            run,
            target,
            size,
            conns,
            ...parseWrk(out),
            serverCpu: ((t1 - t0) / CLK_TCK / secs) * 100,
            serverCore: c1.total > c0.total ? ((c1.busy - c0.busy) / (c1.total - c0.total)) * 100 : 0,
          };
          rows.push(row);
          log(
            `run ${run} ${target.padEnd(9)} ${size.padEnd(4)} c${conns}: ${row.rps.toFixed(0)} req/s, p50 ${row.p50.toFixed(3)} ms, p99 ${row.p99.toFixed(3)} ms, srv ${row.serverCpu.toFixed(0)}%`,
          );
        }
      }
    }
  }

  const rs = ratios(rows);
  const text = [
    `edgefront pass-through benchmark  ${meta.date}  (${meta.host}; node ${meta.node}; commit ${meta.commit})`,
    `wrk -t1 -c${CONNS} and -c1, ${DURATION}s, keep-alive; servers on cpu${SERVER_CPU}, wrk on cpu${CLIENT_CPU}; ${RUNS} run(s), medians`,
    '',
    table(rows),
    '',
    ratioText(rs),
    '',
  ].join('\n');
  process.stdout.write(`\n${text}`);
  writeFileSync(join(RESULTS, 'table.txt'), text);
  writeFileSync(join(RESULTS, 'results.json'), `${JSON.stringify({ meta, rows, ratios: rs }, null, 2)}\n`);
  log(`results: ${RESULTS}`);
  return 0;
}

async function profile(port: number, child: ChildProcess, profDir: string): Promise<number> {
  const secs = Math.min(DURATION, 5);
  for (const s of SIZES) {
    log(`profiling: wrk -c${CONNS} ${secs}s /${s}.bin against edgefront`);
    const out = await wrk(['-t1', `-c${CONNS}`, `-d${secs}s`, `http://127.0.0.1:${port}/${s}.bin`], 30_000);
    const r = parseWrk(out);
    log(`  ${r.rps.toFixed(0)} req/s (under the profiler)`);
  }
  // the profile is written when edgefront exits normally (SIGTERM -> close -> exit)
  child.kill('SIGTERM');
  for (let i = 0; i < 100 && child.exitCode === null; i++) await sleep(100);
  const file = existsSync(profDir) ? readdirSync(profDir).find((f) => f.endsWith('.cpuprofile')) : undefined;
  if (!file) throw new Error(`no .cpuprofile written in ${profDir} (edgefront exit ${child.exitCode})`);
  const dest = join(
    REPO,
    'bench',
    'results',
    `profile-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`,
  );
  mkdirSync(dest, { recursive: true });
  const prof = readFileSync(join(profDir, file), 'utf8');
  writeFileSync(join(dest, 'edgefront.cpuprofile'), prof);
  const summary = summarizeProfile(JSON.parse(prof), 40);
  writeFileSync(join(dest, 'top.txt'), summary);
  process.stdout.write(`${summary}\n`);
  log(`profile: ${dest}/edgefront.cpuprofile (open in Chrome DevTools > Performance)`);
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
