/**
 * Helpers for the large-object and collapsing tests: an in-process edge (createEdge with an
 * injected ManualClock) with a small memory tier and a disk tier in a temp state dir, over a
 * scriptable origin (distribution E1TEST); a gate an origin handler waits on; bounded reads of a web body.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TestContext } from 'node:test';
import { createEdge, type Edge, ManualClock } from '../../../src/index.js';
import { simpleConfig, tempDir } from '../../helpers/config.js';
import { startOrigin, type TestOrigin } from '../../helpers/origin.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

export const MIB = 1024 * 1024;

export interface DiskEdge {
  edge: Edge;
  origin: TestOrigin;
  clock: ManualClock;
  stateDir: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  /** A new edge on the same state dir: the in-process equivalent of a restart. */
  restart(): Promise<Edge>;
}

/**
 * `memoryBytes` 1 MiB makes the memory tier take entries up to 128 KiB, so a few MiB go to disk.
 * `policy` is the default behavior's cache policy (default CachingOptimized).
 */
export async function diskEdge(
  t: TestContext,
  handler: Handler,
  options: { memoryBytes?: number; diskBytes?: number; policy?: string } = {},
): Promise<DiskEdge> {
  const origin = await startOrigin(handler);
  const tmp = await tempDir();
  const clock = new ManualClock();
  const config = simpleConfig(origin.port, {
    DefaultCacheBehavior: {
      TargetOriginId: 'app',
      ViewerProtocolPolicy: 'allow-all',
      CachePolicyId: options.policy ?? 'CachingOptimized',
    },
  });
  const open = () =>
    createEdge({
      clock,
      config,
      stateDir: tmp.dir,
      cacheMemoryBytes: options.memoryBytes ?? MIB,
      cacheDiskBytes: options.diskBytes ?? 64 * MIB,
    });
  const edges: Edge[] = [await open()];
  t.after(async () => {
    await Promise.all([...edges.map((e) => e.close()), origin.close()]);
    // A write-through to disk may still be finishing: retry while files appear.
    await rm(tmp.dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 25 });
  });
  const current = () => edges[edges.length - 1];
  return {
    get edge() {
      return current();
    },
    origin,
    clock,
    stateDir: tmp.dir,
    get: (path, headers = {}) => current().fetch(`http://localhost${path}`, { headers }),
    async restart() {
      edges.push(await open());
      return current();
    },
  };
}

/** A promise an origin handler awaits, released by the test. */
export function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/** Runs `check` until it returns true, at most `tries` times, 10 ms apart (bounded, not a sleep). */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, tries = 500) {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`${what}: not within ${tries * 10} ms`);
}

/** Rejects after `ms` with `what`: bounds an await that a regression would leave hanging. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]);
}

/** Reads from a web body until at least `bytes` bytes arrived; keeps the reader for the rest. */
export async function readAtLeast(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  bytes: number,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < bytes) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(Buffer.from(value));
    got += value.byteLength;
  }
  return Buffer.concat(parts);
}

/** The rest of a web body. */
export async function readRest(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Buffer> {
  return readAtLeast(reader, Number.POSITIVE_INFINITY);
}

/** A body whose bytes depend on their position, so a wrong offset shows. */
export function payload(size: number): Buffer {
  const body = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) body[i] = (i * 7 + (i >> 10)) & 0xff;
  return body;
}
