/**
 * Runs a real `redis-server` (Debian package; .ci/run installs it when missing) on loopback for
 * the cluster suites: no persistence, its own temporary directory, stopped by PID.
 * Redis cannot listen on port 0, so a free port is found first and the start retried if another
 * process took it in between.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
  const child = spawn(
    'redis-server',
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
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not accept connections within ${timeoutMs} ms\n${output}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      output += d;
      if (output.includes('Ready to accept connections')) {
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
