/**
 * What the benchmarks share: starting servers pinned to the server core and stopping them by
 * PID (also on error and Ctrl-C), free ports, a plain GET, wrk on the client core and its
 * output, and CPU/memory readings from /proc. Call `initBench()` once, first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = process.env;
export const log = (msg: string) =>
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function which(cmd: string): string | null {
  for (const dir of `${env.PATH ?? ''}:/usr/sbin:/sbin`.split(':')) {
    if (dir && existsSync(join(dir, cmd))) return join(dir, cmd);
  }
  return null;
}

let TASKSET: string | null = null;
let WRK: string | null = null;
let SERVER_CPU = '0';
let CLIENT_CPU = '1';
export let WORK = '';

/** Sets the cores and the work folder (a temp dir removed by cleanup() unless KEEP_WORK=1). */
export function initBench(options: { workPrefix: string; serverCpu: string; clientCpu: string }): string {
  TASKSET = which('taskset');
  WRK = which('wrk');
  SERVER_CPU = options.serverCpu;
  CLIENT_CPU = options.clientCpu;
  WORK = mkdtempSync(join(tmpdir(), options.workPrefix));
  return WORK;
}

export interface WrkResult {
  rps: number;
  p50: number; // ms
  p99: number; // ms
  errors: number;
  non2xx: number;
}
export interface Started {
  name: string;
  child: ChildProcess;
  kids: string[];
  output: () => string;
}
export const started: Started[] = [];

export function childrenOf(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(/\s+/).filter(Boolean),
    );
  } catch {
    return [];
  }
}
export function comm(pid: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

export async function stop(entry: Started): Promise<void> {
  const { child } = entry;
  const pid = child.pid!;
  const kids = childrenOf(pid).map((k) => `${k}:${comm(k)}`);
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    for (let i = 0; i < 50 && child.exitCode === null && child.signalCode === null; i++) await sleep(100);
    if (child.exitCode === null && child.signalCode === null) {
      log(`${entry.name} (pid ${pid}) ignored TERM; sending KILL`);
      child.kill('SIGKILL');
    }
  }
  for (const k of [...entry.kids, ...kids]) {
    const [kpid, kcomm] = k.split(':');
    if (comm(kpid) === kcomm) {
      try {
        process.kill(Number(kpid), 'SIGKILL');
      } catch {}
    }
  }
}

let cleaning: Promise<void> | null = null;
export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const entry of [...started].reverse()) await stop(entry);
    if (started.length) log(`stopped: ${started.map((s) => `${s.name}(${s.child.pid})`).join(' ')}`);
    if (env.KEEP_WORK === '1') log(`work dir kept: ${WORK}`);
    else rmSync(WORK, { recursive: true, force: true });
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    log(`${sig}: stopping`);
    cleanup().then(() => process.exit(sig === 'SIGINT' ? 130 : 143));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', method: 'HEAD', agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

export async function start(
  name: string,
  cmd: string,
  args: string[],
  ready: (output: string) => Promise<boolean>,
  extraEnv: Record<string, string> = {},
): Promise<Started> {
  const child = spawn(TASKSET!, ['-c', SERVER_CPU, cmd, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: WORK,
    env: { ...process.env, ...extraEnv },
  });
  let output = '';
  const entry: Started = { name, child, kids: [], output: () => output };
  started.push(entry);
  const keep = (d: Buffer) => {
    output += d.toString();
    if (output.length > 100_000) output = output.slice(-50_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${name} exited during start:\n${output}`);
    if (await ready(output)) {
      entry.kids = childrenOf(child.pid!).map((k) => `${k}:${comm(k)}`);
      log(`started ${name} pid ${child.pid}`);
      return entry;
    }
    await sleep(100);
  }
  throw new Error(`${name} did not become ready:\n${output}`);
}

export function get(port: number, path: string, timeoutMs = 5000) {
  return new Promise<{ status: number; bytes: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let bytes = 0;
        let body = '';
        res.on('data', (d: Buffer) => {
          bytes += d.length;
          if (body.length < 4096) body += d.toString('latin1');
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, headers: res.headers, body }));
        res.on('error', reject);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET 127.0.0.1:${port}${path} timed out`)));
      req.on('error', reject);
      req.end();
    },
  );
}

/** The origin nginx's request counter (stub_status); the status request itself is counted too. */
export function wrk(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(TASKSET!, ['-c', CLIENT_CPU, WRK!, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`wrk ${args.join(' ')} exited ${code}:\n${out}`));
    });
  });
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function toMs(s: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(s);
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000;
}

export function parseWrk(out: string): WrkResult {
  const pct = (p: string) => toMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '');
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/^Requests\/sec:\s+([\d.]+)/m.exec(out)?.[1] ?? Number.NaN),
    p50: pct('50'),
    p99: pct('99'),
    errors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
  };
}

export const CLK_TCK = 100;
export function treeTicks(pid: number): number {
  let total = 0;
  const seen = new Set<string>();
  const walk = (p: string) => {
    if (seen.has(p)) return;
    seen.add(p);
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total += Number(f[11]) + Number(f[12]);
    } catch {}
    for (const k of childrenOf(Number(p))) walk(k); // varnish: manager -> cache child
  };
  walk(String(pid));
  return total;
}
export function coreTicks(cpu: string): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`cpu${cpu} `))!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + v[4];
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
export function procStatusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

/**
 * The benchmarks' edgefront config: one distribution in front of a loopback origin, its default
 * behavior on the managed cache policy `cachePolicy` (CachingOptimized for hits, CachingDisabled
 * for pass-through). cache-hits.ts edits the text to add a function association.
 */
export function benchDistributionYaml(id: string, originPort: number, cachePolicy: string): string {
  return `Distributions:
  - Id: ${id}
    DistributionConfig:
      Enabled: true
      Origins:
        - Id: origin
          DomainName: 127.0.0.1
          CustomOriginConfig: { HTTPPort: ${originPort}, OriginProtocolPolicy: http-only }
      DefaultCacheBehavior: { TargetOriginId: origin, ViewerProtocolPolicy: allow-all, CachePolicyId: ${cachePolicy} }
`;
}
