/**
 * The shared state against a real redis-server (src/cluster/redis-state-store.ts, the writer's
 * retry in src/control/control-plane.ts): a compare-and-set commit, catching up from the stream
 * with the files the missed entries name, a trimmed stream or an empty Redis, and an edit run
 * again on the newer state when another node stored a change first.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { systemClock } from '../../../src/clock.js';
import { RedisStateStore } from '../../../src/cluster/redis-state-store.js';
import { clusterKeys } from '../../../src/cluster/scripts.js';
import {
  type ClusterLink,
  ControlPlane,
  type ControlPlaneHost,
  type SharedUpdate,
} from '../../../src/control/control-plane.js';
import { type ControlState, emptyState, kvsDataFile } from '../../../src/control/state.js';
import { StateConflict } from '../../../src/control/state-store.js';
import { ApiError } from '../../../src/errors.js';
import type { EdgeModel } from '../../../src/model/types.js';
import { tempDir } from '../../helpers/config.js';
import { type RedisProcess, startRedis } from '../../helpers/redis-server.js';

let redis: RedisProcess;
let client: Redis;
before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
});
after(async () => {
  client?.disconnect();
  await redis?.stop();
});

let prefixes = 0;
/** Two nodes' stores on one fresh prefix, each with its own state directory. */
async function twoNodes(t: { after(fn: () => unknown): void }) {
  const keys = clusterKeys(`unit-${++prefixes}`);
  const stores: RedisStateStore[] = [];
  for (const name of ['a', 'b']) {
    const dir = await tempDir();
    const store = new RedisStateStore(dir.dir, client, keys, name);
    // The local copy of the state is written in the background: done before the directory goes.
    t.after(async () => {
      await store.flush();
      await dir.remove();
    });
    stores.push(store);
  }
  const [a, b] = stores;
  // a seeds the empty Redis with its state (version 0); b catches up to it.
  assert.equal(await a.pull(emptyState()), undefined);
  const first = await b.pull(emptyState());
  assert.equal(first?.state.version, 0);
  return { a, b, keys };
}

const next = (state: ControlState, edit: (s: ControlState) => void = () => {}): ControlState => {
  const draft = structuredClone(state);
  draft.version = state.version + 1;
  edit(draft);
  return draft;
};

const storeRecord = (id: string) => ({
  Id: id,
  Name: `store-${id}`,
  Comment: '',
  ETag: 'E1',
  Created: '',
  LastModifiedTime: '',
  version: 1,
});

test('a commit on a stale version is a StateConflict and stores nothing', async (t) => {
  const { a, b, keys } = await twoNodes(t);
  const v1 = next(emptyState(), (s) => {
    s.tags.x = { k: 'a' };
  });
  await a.save(v1);
  await assert.rejects(b.save(next(emptyState())), (err: unknown) => {
    assert.ok(err instanceof StateConflict);
    assert.equal(err.sharedVersion, 1);
    return true;
  });
  assert.deepEqual(JSON.parse((await client.get(keys.state)) as string).tags, { x: { k: 'a' } });
});

test('catching up brings the newest state and exactly the files the missed entries wrote', async (t) => {
  const { a, b } = await twoNodes(t);
  let state = emptyState();
  for (const id of ['one', 'two']) {
    state = next(state, (s) => {
      s.keyValueStores[id] = storeRecord(id);
    });
    await a.saveFile(kvsDataFile(a.dir, id), `{"data":[],"n":"${id}"}`);
    await a.save(state);
  }
  const update = (await b.pull(emptyState())) as SharedUpdate;
  assert.equal(update.state.version, 2);
  assert.deepEqual([...update.files.keys()].sort(), [kvsDataFile(b.dir, 'one'), kvsDataFile(b.dir, 'two')]);
  await b.keepLocally(update);
  assert.equal(await readFile(kvsDataFile(b.dir, 'two'), 'utf8'), '{"data":[],"n":"two"}');
  // Nothing new: nothing to do.
  assert.equal(await b.pull(update.state), undefined);
  // One more change with no file: the state alone.
  state = next(state);
  await a.save(state);
  const third = (await b.pull(update.state)) as SharedUpdate;
  assert.equal(third.state.version, 3);
  assert.equal(third.files.size, 0);
});

test('a stream trimmed past the node, or a Redis that lost the state, still converges', async (t) => {
  const { a, b, keys } = await twoNodes(t);
  const v1 = next(emptyState(), (s) => {
    s.keyValueStores.kept = storeRecord('kept');
  });
  await a.saveFile(kvsDataFile(a.dir, 'kept'), 'kept-data');
  await a.save(v1);
  await client.del(keys.changes); // the entry b last saw is gone
  const update = (await b.pull(emptyState())) as SharedUpdate;
  assert.equal(update.state.version, 1);
  assert.deepEqual(
    [...update.files.values()],
    ['kept-data'],
    'every file, since b cannot tell which it missed',
  );
  await b.keepLocally(update);

  // Redis restarted empty: the first node to look re-seeds it with its state and files…
  await client.del(keys.version, keys.state, keys.files, keys.changes);
  assert.equal(await b.pull(update.state), undefined);
  assert.equal(await client.get(keys.version), '1');
  assert.equal(await client.hget(keys.files, 'control/kvs/kept.json'), 'kept-data');
  // …and a node with a newer state replaces an older seed; an older one never replaces a newer.
  const v2 = next(v1);
  assert.equal(await a.pull(v2), undefined);
  assert.equal(await client.get(keys.version), '2');
  assert.equal((await b.pull(update.state))?.state.version, 2);
});

test('a change that is not stored puts the files it wrote back', async (t) => {
  const { a, b } = await twoNodes(t);
  const file = kvsDataFile(b.dir, 'x');
  await b.saveFile(file, 'acknowledged');
  await b.save(next(emptyState()));
  await a.save(next(next(emptyState()))); // wrong expected version on purpose: conflict below
  await b.saveFile(file, 'never stored');
  await assert.rejects(b.save(next(next(emptyState()))), StateConflict);
  assert.equal(await b.rollback(), true);
  assert.equal(await readFile(file, 'utf8'), 'acknowledged');
});

/** A control plane over a store that conflicts `conflicts` times, each time with a newer state. */
function planeWithConflicts(conflicts: ControlState[]) {
  const saved: ControlState[] = [];
  const store = {
    dir: join('/nonexistent'),
    load: async () => emptyState(),
    saveFile: async () => {},
    save: async (state: ControlState) => {
      if (conflicts.length > 0 && conflicts[0].version >= state.version)
        throw new StateConflict(conflicts[0].version);
      saved.push(state);
    },
  };
  const link: ClusterLink = {
    checkWritable: () => {},
    pull: async () => {
      const state = conflicts.shift();
      return state && { state, files: new Map() };
    },
    keepLocally: async () => {},
    serving: () => {},
    deploymentStatus: () => 'Deployed',
    refresh: async () => {},
  };
  const host: ControlPlaneHost = {
    stage: async () => async () => {},
    model: () => ({}) as EdgeModel,
    purge: () => {},
    keyValueStore: () => undefined,
    clock: systemClock,
    accountId: '123456789012',
  };
  const cp = new ControlPlane(store, host, emptyState());
  cp.cluster = link;
  return { cp, saved };
}

test('on a conflict the edit runs again on the newer state, so its checks see the other node’s change', async () => {
  const theirs = next(emptyState(), (s) => {
    s.tags.arn = { theirs: '1' };
  });
  const { cp, saved } = planeWithConflicts([theirs]);
  const seen: number[] = [];
  await cp.change(
    (draft) => {
      seen.push(draft.version);
      draft.tags.arn = { ...draft.tags.arn, mine: '1' };
    },
    { rebuild: false },
  );
  assert.deepEqual(seen, [1, 2], 'first on version 0, again on their version 1');
  assert.deepEqual(saved.at(-1)?.tags.arn, { theirs: '1', mine: '1' }, 'their tag is kept');
  assert.equal(cp.servingVersion, 2);
});

test('an If-Match that held on the stale state fails on the newer one: PreconditionFailed, nothing stored', async () => {
  const theirs = next(emptyState(), (s) => {
    s.tags.arn = { etag: 'E2' };
  });
  const { cp, saved } = planeWithConflicts([theirs]);
  await assert.rejects(
    cp.change(
      (draft) => {
        if ((draft.tags.arn?.etag ?? 'E1') !== 'E1') throw new ApiError('PreconditionFailed', 'stale');
        draft.tags.arn = { etag: 'E3' };
      },
      { rebuild: false },
    ),
    (err: ApiError) => err.code === 'PreconditionFailed',
  );
  assert.equal(saved.length, 0);
  assert.equal(cp.state.version, 1, 'the node took the other change');
});
