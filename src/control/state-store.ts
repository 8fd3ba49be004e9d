/**
 * Where the control plane's state lives. The embedded store writes `<state-dir>/control/state.json`
 * atomically and durably: a temporary file is written and fsynced, renamed over the old one, and
 * the directory fsynced, all before the API answers, so a crash at any moment leaves either the
 * previous or the new state and never loses an acknowledged change. A Redis-backed store (issue #7)
 * implements the same interface for clusters.
 */
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type ControlState, emptyState } from './state.js';

export interface StateStore {
  /** The persisted state, or an empty one on first start. */
  load(): Promise<ControlState>;
  /** Persists the whole state; resolves once it survives a crash. */
  save(state: ControlState): Promise<void>;
  /** Writes one file beside the state (key value store data), with the same guarantees. */
  saveFile(file: string, content: string): Promise<void>;
  /** The state directory: key value store data files live under it. */
  readonly dir: string;
}

let tempCounter = 0;

/** Write-fsync-rename-fsync: the file holds either its old or its new content, whole. */
export async function writeFileDurably(file: string, content: string): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${process.pid}-${++tempCounter}.tmp`);
  const handle = await open(temp, 'w', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  await rename(temp, file);
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

export class FileStateStore implements StateStore {
  readonly file: string;
  constructor(readonly dir: string) {
    this.file = join(dir, 'control', 'state.json');
  }

  async load(): Promise<ControlState> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw err;
    }
    const state = JSON.parse(text) as ControlState;
    if (state.format !== 1) throw new Error(`${this.file}: unknown state format ${String(state.format)}`);
    return { ...emptyState(), ...state };
  }

  save(state: ControlState): Promise<void> {
    return writeFileDurably(this.file, `${JSON.stringify(state)}\n`);
  }

  saveFile(file: string, content: string): Promise<void> {
    return writeFileDurably(file, content);
  }
}
