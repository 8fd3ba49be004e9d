/**
 * The control plane's file store (src/control/state-store.ts): whole-file replacement through a
 * temporary file, what a crash can leave behind (a temporary file beside the state, ignored), and
 * a state file that cannot be read refused with its name rather than replaced by an empty state.
 */
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { emptyState } from '../../../src/control/state.js';
import { FileStateStore, writeFileDurably } from '../../../src/control/state-store.js';
import { ConfigError } from '../../../src/errors.js';
import { tempDir } from '../../helpers/config.js';

async function storeIn(t: { after(fn: () => unknown): void }) {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const store = new FileStateStore(dir.dir);
  await mkdir(join(dir.dir, 'control'), { recursive: true });
  return { store, controlDir: join(dir.dir, 'control') };
}

const stateWith = (version: number) => ({ ...emptyState(), version });

test('writeFileDurably replaces the file whole and leaves no temporary file behind', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const file = join(dir.dir, 'nested', 'data.json');
  await writeFileDurably(file, 'first');
  await writeFileDurably(file, 'second, longer than the first');
  assert.equal(await readFile(file, 'utf8'), 'second, longer than the first');
  assert.deepEqual(await readdir(join(dir.dir, 'nested')), ['data.json']);
});

test('concurrent writes of one file each land whole: the file is one of them, never a mix', async (t) => {
  const dir = await tempDir();
  t.after(() => dir.remove());
  const file = join(dir.dir, 'data');
  const contents = Array.from({ length: 20 }, (_, i) => String(i).repeat(50_000 + i));
  await Promise.all(contents.map((c) => writeFileDurably(file, c)));
  assert.ok(contents.includes(await readFile(file, 'utf8')));
  assert.deepEqual(await readdir(dir.dir), ['data']);
});

test('a missing state file is a new, empty state', async (t) => {
  const { store } = await storeIn(t);
  assert.deepEqual(await store.load(), emptyState());
});

test('a saved state loads back as saved', async (t) => {
  const { store } = await storeIn(t);
  const state = stateWith(7);
  state.tags['arn:aws:cloudfront::123456789012:distribution/E1'] = { team: 'edge' };
  await store.save(state);
  assert.deepEqual(await store.load(), state);
});

test('a temporary file a crash left beside the state is ignored, and the next save still works', async (t) => {
  const { store, controlDir } = await storeIn(t);
  await store.save(stateWith(3));
  // What a crash between writing and renaming leaves: a half-written newer state.
  await writeFile(join(controlDir, '.4242-1.tmp'), '{"format":1,"version":4,"distri');
  await writeFile(join(controlDir, `.${process.pid}-999999.tmp`), '');
  assert.equal((await store.load()).version, 3);
  await store.save(stateWith(4));
  assert.equal((await store.load()).version, 4);
});

async function assertRefused(store: FileStateStore, why: RegExp): Promise<void> {
  await assert.rejects(store.load(), (err: unknown) => {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.issues[0].file, store.file);
    assert.ok(err.message.includes(store.file), err.message);
    assert.match(err.message, why);
    assert.match(err.message, /will not start/);
    return true;
  });
}

test('a corrupt state file is refused with an error naming it, never read as an empty state', async (t) => {
  const { store } = await storeIn(t);
  await writeFile(store.file, '{"format":1,"version":12,"distributions":{"E1":');
  await assertRefused(store, /is not valid JSON/);
  await writeFile(store.file, '');
  await assertRefused(store, /is not valid JSON/);
  await writeFile(store.file, 'null');
  await assertRefused(store, /does not hold a state object/);
  await writeFile(store.file, '[1]');
  await assertRefused(store, /does not hold a state object/);
});

test('a state file of another format is refused, naming the format', async (t) => {
  const { store } = await storeIn(t);
  await writeFile(store.file, JSON.stringify({ ...emptyState(), format: 2 }));
  await assertRefused(store, /state format 2/);
  await writeFile(store.file, JSON.stringify({ version: 1 }));
  await assertRefused(store, /state format undefined/);
});
