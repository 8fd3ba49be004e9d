/**
 * `serve --watch`: reloads when a config file, a CloudFront Function's code, a KeyValueStore
 * import file or a Lambda@Edge code directory changes. Directories are watched rather than
 * files, so editors that save by writing a new file and renaming it over the old one are seen;
 * bursts of events within WATCH_SETTLE_MS become one reload. A reload is atomic (requests see
 * the old or the new config, never a mix) and one that fails keeps the old config serving.
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { EdgeModel } from '../model/types.js';

const WATCH_SETTLE_MS = 100;

/** Files and directories a model was built from, besides the config files themselves. */
export function watchedSources(model: EdgeModel): { files: string[]; dirs: string[] } {
  const files: string[] = [];
  const dirs: string[] = [];
  for (const fn of model.functions.values()) if (fn.codeFile) files.push(fn.codeFile);
  for (const kvs of model.keyValueStores.values()) if (kvs.dataFile) files.push(kvs.dataFile);
  for (const fn of model.lambdaFunctions.values()) if (fn.codePath) dirs.push(fn.codePath);
  return { files, dirs };
}

export interface Watcher {
  close(): void;
}

/**
 * Calls `reload` after changes settle; `sources` is asked again after each reload, since a new
 * config may name other files.
 */
export function watchForChanges(
  sources: () => { files: string[]; dirs: string[] },
  reload: () => Promise<void>,
): Watcher {
  let watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const fire = () => {
    timer = undefined;
    if (running) {
      again = true;
      return;
    }
    running = reload()
      .catch(() => {}) // the caller reports its own failures
      .finally(() => {
        running = undefined;
        if (closed) return;
        rewatch();
        if (again) {
          again = false;
          schedule();
        }
      });
  };
  const schedule = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(fire, WATCH_SETTLE_MS);
  };

  const rewatch = () => {
    for (const w of watchers) w.close();
    watchers = [];
    const { files, dirs } = sources();
    const byDir = new Map<string, Set<string>>();
    for (const file of files.map((f) => resolve(f))) {
      const names = byDir.get(dirname(file)) ?? new Set<string>();
      names.add(file.slice(dirname(file).length + 1));
      byDir.set(dirname(file), names);
    }
    for (const [dir, names] of byDir) {
      const w = tryWatch(dir, false, (name) => {
        if (name === null || names.has(name)) schedule();
      });
      if (w) watchers.push(w);
    }
    for (const dir of dirs.map((d) => resolve(d))) {
      let w = tryWatch(dir, true, () => schedule());
      if (w === undefined) {
        // Gone (a build deleted it): watch the parent for it to come back, then reload.
        const name = basename(dir);
        w = tryWatch(dirname(dir), false, (changed) => {
          if (changed === null || changed === name) schedule();
        });
      }
      if (w) watchers.push(w);
    }
  };

  rewatch();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}

function tryWatch(
  path: string,
  recursive: boolean,
  onChange: (name: string | null) => void,
): FSWatcher | undefined {
  try {
    const w = watch(path, { recursive, persistent: false }, (_event, name) =>
      onChange(name ? String(name) : null),
    );
    w.on('error', () => w.close()); // a removed directory: the next reload watches again
    return w;
  } catch {
    return undefined;
  }
}
