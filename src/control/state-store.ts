/**
 * Where the control plane's state lives. The embedded store writes `<state-dir>/control/state.json`
 * atomically and durably: a temporary file is written and fsynced, renamed over the old one, and
 * the directory fsynced, all before the API answers, so a crash at any moment leaves either the
 * previous or the new state and never loses an acknowledged change. A Redis-backed store (issue #7)
 * implements the same interface for clusters.
 */
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';
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
  /**
   * Shared stores (src/cluster): undoes the file writes of a change that was not stored; true
   * when a file the live runtime may read was put back.
   */
  rollback?(): Promise<boolean>;
}

/**
 * A shared store refused a change because another node stored one first (its version moved on):
 * the writer catches up and runs the edit again on the newer state.
 */
export class StateConflict extends Error {
  constructor(readonly sharedVersion: number) {
    super(`the shared state moved on to version ${sharedVersion}`);
    this.name = 'StateConflict';
  }
}

let tempCounter = 0;

/** Write-fsync-rename-fsync: the file holds either its old or its new content, whole. */
export async function writeFileDurably(file: string, content: string): Promise<void> {
  const dir = dirname(file);
  const created = await mkdir(dir, { recursive: true });
  // A directory made here exists after a power cut only once its parent is synced too.
  if (created !== undefined) {
    for (let made = dir; ; made = dirname(made)) {
      await syncDirectory(dirname(made));
      if (made === created || dirname(made) === made) break;
    }
  }
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
  await syncDirectory(dir);
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
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
    let state: ControlState;
    try {
      state = JSON.parse(text) as ControlState;
    } catch (err) {
      throw this.unreadable(`is not valid JSON (${(err as Error).message})`);
    }
    if (typeof state !== 'object' || state === null || Array.isArray(state))
      throw this.unreadable('does not hold a state object');
    if (state.format !== 1)
      throw this.unreadable(
        `has state format ${JSON.stringify(state.format)}, which this edgefront does not know`,
      );
    return { ...emptyState(), ...state };
  }

  /**
   * The state file exists but cannot be read as state: starting empty would silently drop every
   * change acknowledged through the API, so the node refuses to start and says where to look.
   */
  private unreadable(why: string): ConfigError {
    return new ConfigError([
      {
        file: this.file,
        path: [],
        message: `the control plane's state ${why}; edgefront will not start without it rather than lose acknowledged API changes`,
        fix: 'restore the file from a backup, or move it away to start with an empty state',
      },
    ]);
  }

  save(state: ControlState): Promise<void> {
    return writeFileDurably(this.file, `${JSON.stringify(state)}\n`);
  }

  saveFile(file: string, content: string): Promise<void> {
    return writeFileDurably(file, content);
  }
}
