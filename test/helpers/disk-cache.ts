/** What a node's disk cache (`--cache-disk`, under `<state-dir>/cache`) holds, counted from outside. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Entry files of the disk cache under `stateDir` (finished writes only: `tmp/` is skipped). */
export async function diskCacheEntries(stateDir: string): Promise<number> {
  const dir = join(stateDir, 'cache');
  let count = 0;
  for (const sub of await readdir(dir).catch(() => [] as string[])) {
    if (sub === 'tmp') continue;
    const files = await readdir(join(dir, sub)).catch(() => [] as string[]);
    count += files.filter((f) => f.endsWith('.entry')).length;
  }
  return count;
}
