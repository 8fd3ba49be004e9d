/**
 * Runs a real `redis-server` (Debian package; .ci/run installs it when missing) on loopback for
 * the cluster suites: no persistence, its own temporary directory, stopped by PID.
 * Redis cannot listen on port 0, so a free port is found first and the start retried if another
 * process took it in between. Also the two other deployments `serve --redis` takes: a 3-master
 * Redis Cluster (`startRedisCluster`) and a master watched by one Sentinel (`startRedisSentinel`,
 * `redis-server --sentinel`, as the Debian package has no redis-sentinel binary); every wait is
 * bounded.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { eventually } from './eventually.js';

export interface RedisProcess {
  readonly port: number;
  /** `redis://127.0.0.1:PORT`, what `serve --redis` takes. */
  readonly url: string;
  readonly pid: number;
  readonly output: () => string;
  /** Stops the server (SIGKILL when `crash`); resolves once it has exited. */
  stop(options?: { crash?: boolean }): Promise<void>;
  /** Starts it again on the same port (after stop), with no data: a Redis that lost its memory. */
  restart(): Promise<void>;
}

export async function startRedis(
  options: { extraArgs?: string[]; timeoutMs?: number; port?: number } = {},
): Promise<RedisProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'edgefront-redis-'));
  let port = options.port ?? 0;
  let child: ChildProcess | undefined;
  let output = '';
  let lastError: unknown;
  for (let attempt = 0; attempt < 5 && child === undefined; attempt++) {
    const tryPort = port || (await freePort());
    try {
      const started = await launch(tryPort, dir, options.extraArgs ?? [], options.timeoutMs ?? 10_000);
      child = started.child;
      output = started.output;
      port = tryPort;
      child.stdout!.on('data', (d) => {
        output += d;
      });
    } catch (err) {
      lastError = err;
      if (options.port) break; // a fixed port that is taken will not free itself
    }
  }
  if (child === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw lastError;
  }
  let current: ChildProcess | undefined = child;
  const stop = async (stopOptions: { crash?: boolean } = {}) => {
    const running = current;
    current = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill(stopOptions.crash ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };
  const handle: RedisProcess = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return current?.pid ?? -1;
    },
    output: () => output,
    stop,
    restart: async () => {
      await stop();
      const started = await launch(port, dir, options.extraArgs ?? [], options.timeoutMs ?? 10_000);
      current = started.child;
      output += started.output;
      current.stdout!.on('data', (d) => {
        output += d;
      });
    },
  };
  process.once('exit', () => current?.kill('SIGKILL'));
  // The directory goes when the test process ends; a stopped server may still be restarted.
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return handle;
}

function launch(
  port: number,
  dir: string,
  extraArgs: string[],
  timeoutMs: number,
): Promise<{ child: ChildProcess; output: string }> {
  return spawnRedis(
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      ...extraArgs,
    ],
    timeoutMs,
  );
}

/**
 * Runs `redis-server ARGS` until it logs `ready` (bounded): a server logs that it accepts
 * connections, a sentinel only that it monitors its master.
 */
function spawnRedis(
  args: string[],
  timeoutMs: number,
  ready = 'Ready to accept connections',
): Promise<{ child: ChildProcess; output: string }> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not accept connections within ${timeoutMs} ms\n${output}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      output += d;
      if (output.includes(ready)) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve({ child, output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => {
      output += d;
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`redis-server could not start (${err.message}); install the redis-server package`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code} before accepting connections\n${output}`));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** A Redis deployment the cluster suites run `serve --redis` on: its URL, and a stop. */
export interface RedisBackend {
  /** What `serve --redis` takes. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface RedisClusterProcess extends RedisBackend {
  /** The three masters. */
  readonly nodes: readonly RedisProcess[];
}

/**
 * Three masters with `--cluster-enabled yes` (each with its own cluster bus port and
 * nodes.conf), joined by `redis-cli --cluster create … --cluster-replicas 0`; resolves once every
 * node's CLUSTER INFO says `cluster_state:ok`. URL: `redis+cluster://127.0.0.1:P1,…`.
 */
export async function startRedisCluster(options: { timeoutMs?: number } = {}): Promise<RedisClusterProcess> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const nodes: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    for (let i = 0; i < 3; i++) {
      nodes.push(
        await startRedis({
          timeoutMs,
          extraArgs: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-port',
            String(await freePort()),
            '--cluster-node-timeout',
            '5000',
          ],
        }),
      );
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run(
      'redis-cli',
      ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'],
      timeoutMs,
    );
    for (const node of nodes) {
      await eventually(
        `Redis Cluster node ${node.port} reports cluster_state:ok`,
        async () => {
          const info = await command(node.port, (c) => c.cluster('INFO'));
          return String(info).includes('cluster_state:ok') ? true : undefined;
        },
        timeoutMs,
        50,
      );
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes, url: `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`, stop };
}

export interface RedisSentinelProcess extends RedisBackend {
  readonly master: RedisProcess;
  readonly sentinelPort: number;
  readonly masterName: string;
}

/**
 * One master and one `redis-server SENTINEL.CONF --sentinel` monitoring it with quorum 1 (the
 * config file generated in its own directory, which Sentinel rewrites); resolves once the
 * sentinel answers the master's address. URL: `redis+sentinel://127.0.0.1:S/MASTER`.
 */
export async function startRedisSentinel(
  options: { timeoutMs?: number; masterName?: string } = {},
): Promise<RedisSentinelProcess> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const masterName = options.masterName ?? 'edgefront-master';
  const master = await startRedis({ timeoutMs });
  const dir = mkdtempSync(join(tmpdir(), 'edgefront-sentinel-'));
  let sentinel: ChildProcess | undefined;
  let sentinelPort = 0;
  const stop = async () => {
    const running = sentinel;
    sentinel = undefined;
    if (running && running.exitCode === null && running.signalCode === null) {
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill('SIGTERM');
      await exited;
    }
    await master.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let lastError: unknown;
    for (let attempt = 0; attempt < 5 && sentinel === undefined; attempt++) {
      const port = await freePort();
      const conf = join(dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1`,
          `sentinel down-after-milliseconds ${masterName} 5000`,
          `sentinel failover-timeout ${masterName} 10000`,
          '',
        ].join('\n'),
      );
      try {
        sentinel = (await spawnRedis([conf, '--sentinel'], timeoutMs, `+monitor master ${masterName} `))
          .child;
        sentinelPort = port;
      } catch (err) {
        lastError = err;
      }
    }
    if (sentinel === undefined) throw lastError;
    const child = sentinel;
    process.once('exit', () => child.kill('SIGKILL'));
    await eventually(
      `the sentinel on ${sentinelPort} knows master ${masterName}`,
      async () => {
        const addr = await command(sentinelPort, (c) =>
          c.call('SENTINEL', 'get-master-addr-by-name', masterName),
        );
        return Array.isArray(addr) && Number(addr[1]) === master.port ? true : undefined;
      },
      timeoutMs,
      50,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    master,
    sentinelPort,
    masterName,
    url: `redis+sentinel://127.0.0.1:${sentinelPort}/${masterName}`,
    stop,
  };
}

/** One command on a fresh connection to 127.0.0.1:port, closed after. */
async function command<T>(port: number, send: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await send(client);
  } finally {
    client.disconnect();
  }
}

/** Runs a command to its end (bounded); rejects with its output when it fails. */
function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}
