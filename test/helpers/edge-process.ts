/**
 * Runs the real `edgefront` binary (dist/src/cli/main.js) as a child process, the way users
 * do: `serve` on port 0, waiting (bounded) for its machine-readable "listening" line.
 * Stops only the process it started, by PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface EdgeProcess {
  readonly http: URL;
  readonly https?: URL;
  readonly admin?: URL;
  readonly pid: number;
  readonly stdout: () => string;
  readonly stderr: () => string;
  url(path: string): string;
  close(): Promise<void>;
}

export async function startEdgeProcess(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<EdgeProcess> {
  // EDGEFRONT_TEST_HTTP_ENGINE=node runs every black-box suite on node:http (default: edgefront's engine).
  const engine = process.env.EDGEFRONT_TEST_HTTP_ENGINE;
  const engineArgs = engine && !args.includes('--http-engine') ? ['--http-engine', engine] : [];
  // Each process gets its own state directory unless the test brings one: API state never leaks.
  const ownStateDir = args.includes('--state-dir')
    ? undefined
    : mkdtempSync(join(tmpdir(), 'edgefront-test-state-'));
  if (ownStateDir) engineArgs.push('--state-dir', ownStateDir);
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--port', '0', '--admin-port', '0', ...engineArgs, ...args],
    {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
  });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`edgefront serve did not report listening within ${options.timeoutMs ?? 15000} ms\n${err}`),
      );
    }, options.timeoutMs ?? 15000);
    const onData = () => {
      const match = out.match(/^edgefront: listening .*$/m);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(match[0]);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`edgefront serve exited with ${code} before listening\n${err}`));
    });
  });
  const field = (name: string) => {
    const m = line.match(new RegExp(`${name}=(\\S+)`));
    return m ? new URL(m[1]) : undefined;
  };
  const http = field('http')!;
  return {
    http,
    https: field('https'),
    admin: field('admin'),
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    url: (path) => new URL(path, http).href,
    close: async () => {
      await stop(child);
      if (ownStateDir) rmSync(ownStateDir, { recursive: true, force: true });
    },
  };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Runs `edgefront ARGS…` to completion (bounded) and returns its exit code and output. `env` is
 * laid over this process's environment; a variable set to undefined is left out.
 */
export function runCli(
  args: string[],
  options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`edgefront ${args.join(' ')} did not finish in time`));
    }, options.timeoutMs ?? 20000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
