import assert from 'node:assert/strict';
import test from 'node:test';
import {
  InvalidationLog,
  InvalidationPathError,
  type InvalidationSubject,
  matchesPattern,
  parseInvalidationPath,
} from '../../../src/cache/invalidate.js';
import { ManualClock } from '../../../src/clock.js';

const D = 'E1EXAMPLE';

function setup() {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const log = new InvalidationLog(clock);
  /** An entry stored now, with the sequence the store would record. */
  const stored = (
    path: string,
    extra: Partial<InvalidationSubject> = {},
  ): InvalidationSubject & { key: string } => ({
    key: `${extra.distributionId ?? D}:${path}`,
    distributionId: D,
    path,
    storedAtMs: clock.now(),
    storedSeq: log.sequence(),
    tags: [],
    ...extra,
  });
  return { clock, log, stored };
}

test('an exact path invalidates that path only, in every cached variant', () => {
  const { log, stored } = setup();
  const a = stored('/images/a.jpg');
  const aVariant = { ...stored('/images/a.jpg'), key: `${D}:/images/a.jpg:br,gzip` };
  const b = stored('/images/b.jpg');
  const sub = stored('/images/a.jpg/x');
  log.invalidatePaths(D, ['/images/a.jpg']);
  assert.equal(log.isInvalidated(a), true);
  assert.equal(log.isInvalidated(aVariant), true);
  assert.equal(log.isInvalidated(b), false);
  assert.equal(log.isInvalidated(sub), false);
});

test('a trailing * matches zero or more characters and crosses /', () => {
  const { log, stored } = setup();
  const dir = stored('/images');
  const dirSlash = stored('/images/');
  const deep = stored('/images/2026/a.jpg');
  const a = stored('/images/a.jpg');
  const ab = stored('/images/ab.png');
  const other = stored('/img/a.jpg');
  log.invalidatePaths(D, ['/images/*']);
  assert.equal(log.isInvalidated(dir), false, '/images/* does not match /images');
  assert.equal(log.isInvalidated(dirSlash), true);
  assert.equal(log.isInvalidated(deep), true);
  assert.equal(log.isInvalidated(a), true);
  assert.equal(log.isInvalidated(other), false);
  const { log: log2 } = setup();
  log2.invalidatePaths(D, ['/images/a*']);
  assert.equal(log2.isInvalidated({ ...a, storedSeq: 1 }), true);
  assert.equal(log2.isInvalidated({ ...ab, storedSeq: 1 }), true);
  assert.equal(log2.isInvalidated({ ...deep, storedSeq: 1 }), false);
  const { log: log3 } = setup();
  log3.invalidatePaths(D, ['/images*']);
  assert.equal(log3.isInvalidated({ ...dir, storedSeq: 1 }), true, '/dir* matches the directory itself');
  assert.equal(log3.isInvalidated({ ...deep, storedSeq: 1 }), true);
});

test('/* invalidates everything in the distribution and nothing elsewhere', () => {
  const { log, stored } = setup();
  const root = stored('/');
  const deep = stored('/a/b/c.css');
  const elsewhere = stored('/a/b/c.css', { distributionId: 'E2OTHER' });
  const record = log.invalidatePaths(D, ['/*']);
  assert.deepEqual(record.patterns, [{ kind: 'all', value: '/' }]);
  assert.equal(log.isInvalidated(root), true);
  assert.equal(log.isInvalidated(deep), true);
  assert.equal(log.isInvalidated(elsewhere), false);
});

test('* anywhere but last is a literal character', () => {
  const { log, stored } = setup();
  const literal = stored('/a*b.jpg');
  const other = stored('/aXb.jpg');
  assert.deepEqual(parseInvalidationPath('/a*b.jpg'), { kind: 'exact', value: '/a*b.jpg' });
  assert.deepEqual(parseInvalidationPath('/a**'), { kind: 'prefix', value: '/a*' });
  log.invalidatePaths(D, ['/a*b.jpg']);
  assert.equal(log.isInvalidated(literal), true);
  assert.equal(log.isInvalidated(other), false);
});

test('paths are case-sensitive', () => {
  const { log, stored } = setup();
  const lower = stored('/a.jpg');
  const upper = stored('/A.jpg');
  const upperDir = stored('/Images/x.jpg');
  log.invalidatePaths(D, ['/a.jpg', '/images/*']);
  assert.equal(log.isInvalidated(lower), true);
  assert.equal(log.isInvalidated(upper), false);
  assert.equal(log.isInvalidated(upperDir), false);
});

test('the query string of an invalidation path is ignored; entries match by path (all query variants)', () => {
  const { log, stored } = setup();
  const plain = stored('/a.jpg');
  const withQuery = { ...stored('/a.jpg'), key: `${D}:/a.jpg?x=1` };
  const other = stored('/b.jpg');
  assert.deepEqual(parseInvalidationPath('/a.jpg?x=1'), { kind: 'exact', value: '/a.jpg' });
  assert.deepEqual(parseInvalidationPath('/a*?x=1'), { kind: 'prefix', value: '/a' });
  log.invalidatePaths(D, ['/a.jpg?x=1']);
  assert.equal(log.isInvalidated(plain), true);
  assert.equal(log.isInvalidated(withQuery), true);
  assert.equal(log.isInvalidated(other), false);
});

test('API path rules: leading / required (console form opt-in), no ~, at most 4,000 characters', () => {
  assert.throws(() => parseInvalidationPath('images/a.jpg'), InvalidationPathError);
  assert.deepEqual(parseInvalidationPath('images/a.jpg', { requireLeadingSlash: false }), {
    kind: 'exact',
    value: '/images/a.jpg',
  });
  assert.deepEqual(parseInvalidationPath('*', { requireLeadingSlash: false }), { kind: 'all', value: '/' });
  assert.throws(
    () => parseInvalidationPath('/~user/a'),
    (e: unknown) => {
      return e instanceof InvalidationPathError && e.code === 'InvalidArgument';
    },
  );
  assert.throws(() => parseInvalidationPath(''), InvalidationPathError);
  assert.doesNotThrow(() => parseInvalidationPath(`/${'a'.repeat(3999)}`));
  assert.throws(() => parseInvalidationPath(`/${'a'.repeat(4000)}`), InvalidationPathError);
});

test('a batch with one bad path records nothing', () => {
  const { log, stored } = setup();
  const a = stored('/a.jpg');
  assert.throws(() => log.invalidatePaths(D, ['/a.jpg', 'b.jpg']), InvalidationPathError);
  assert.equal(log.isInvalidated(a), false);
  assert.equal(log.hasRecords, false);
});

test('non-ASCII characters are matched in their percent-encoded form; other characters are not re-encoded', () => {
  const { log, stored } = setup();
  const encoded = stored('/caf%C3%A9.html');
  const spaced = stored('/a%20b.html');
  assert.deepEqual(parseInvalidationPath('/café.html'), { kind: 'exact', value: '/caf%C3%A9.html' });
  log.invalidatePaths(D, ['/café.html', '/a b.html']);
  assert.equal(log.isInvalidated(encoded), true);
  assert.equal(log.isInvalidated(spaced), true);
  // Encoding a character that needs none makes the invalidation miss (caching.md §6).
  assert.equal(matchesPattern(parseInvalidationPath('/%61.html'), '/a.html'), false);
});

test('objects stored after the invalidation survive it, even within the same millisecond', () => {
  const { log, stored } = setup();
  const before = stored('/a.jpg');
  log.invalidatePaths(D, ['/a.jpg', '/images/*']);
  const afterSameMs = stored('/a.jpg');
  const afterSameMsPrefix = stored('/images/x.png');
  assert.equal(log.isInvalidated(before), true);
  assert.equal(log.isInvalidated(afterSameMs), false);
  assert.equal(log.isInvalidated(afterSameMsPrefix), false);
});

test('a response whose origin fetch began before the invalidation is dead even if stored after it', () => {
  const { clock, log } = setup();
  const fetchStartedSeq = log.sequence(); // taken when the origin request is sent
  clock.advance(1);
  log.invalidatePaths(D, ['/a.jpg']);
  clock.advance(1);
  const entry = {
    distributionId: D,
    path: '/a.jpg',
    storedAtMs: clock.now(),
    storedSeq: fetchStartedSeq,
    tags: [],
  };
  assert.equal(log.isInvalidated(entry), true);
});

test('without storedSeq, storedAtMs is compared conservatively: same millisecond is dead, later survives', () => {
  const { clock, log } = setup();
  const at = clock.now();
  log.invalidatePaths(D, ['/a.jpg']);
  const meta = (ms: number) => ({ distributionId: D, path: '/a.jpg', storedAtMs: ms, tags: [] });
  assert.equal(log.isInvalidated(meta(at - 1)), true);
  assert.equal(log.isInvalidated(meta(at)), true);
  assert.equal(log.isInvalidated(meta(at + 1)), false);
  // storedSeq 0 is an unset field (sequence() never returns 0): the time is used instead.
  assert.equal(log.isInvalidated({ ...meta(at + 1), storedSeq: 0 }), false);
  assert.equal(log.isInvalidated({ ...meta(at), storedSeq: 0 }), true);
});

test('sequence() is strictly increasing and tracks the clock', () => {
  const { clock, log } = setup();
  const a = log.sequence();
  const b = log.sequence();
  assert.ok(b > a);
  clock.advance(1);
  const c = log.sequence();
  assert.ok(c >= clock.now() * 1024);
  clock.set(clock.now() - 10_000); // the clock runs backwards: still increasing
  assert.ok(log.sequence() > c);
});

test('purge by tag kills entries stored before it that carry any of the tags, compared exactly', () => {
  const { log, stored } = setup();
  const product = stored('/p/1', { tags: ['product-1', 'catalog'] });
  const other = stored('/p/2', { tags: ['product-2'] });
  const caseDiff = stored('/p/3', { tags: ['Product-1'] });
  const untagged = stored('/p/4');
  const elsewhere = stored('/p/1', { distributionId: 'E2OTHER', tags: ['product-1'] });
  log.invalidateTags(D, ['product-1', 'nothing']);
  const after = stored('/p/1', { tags: ['product-1'] });
  assert.equal(log.isInvalidated(product), true);
  assert.equal(log.isInvalidated(other), false);
  assert.equal(log.isInvalidated(caseDiff), false);
  assert.equal(log.isInvalidated(untagged), false);
  assert.equal(log.isInvalidated(elsewhere), false);
  assert.equal(log.isInvalidated(after), false);
  assert.throws(() => log.invalidateTags(D, ['']), InvalidationPathError);
});

test('purgeAll(distributionId) empties one distribution; purgeAll() every one', () => {
  const { log, stored } = setup();
  const a = stored('/a');
  const b = stored('/b', { distributionId: 'E2OTHER' });
  log.purgeAll(D);
  assert.equal(log.isInvalidated(a), true);
  assert.equal(log.isInvalidated(b), false);
  log.purgeAll();
  assert.equal(log.isInvalidated(b), true);
  const later = stored('/b', { distributionId: 'E2OTHER' });
  assert.equal(log.isInvalidated(later), false);
});

test('sweep removes exactly the dead entries, yielding between slices, then compacts the log', async () => {
  const { log, stored } = setup();
  const store = new Map<string, InvalidationSubject & { key: string }>();
  const put = (e: InvalidationSubject & { key: string }) => store.set(e.key, e);
  for (let i = 0; i < 100; i++) put(stored(`/images/${i}.jpg`));
  for (let i = 0; i < 100; i++) put(stored(`/css/${i}.css`, { tags: i % 2 === 0 ? ['even'] : [] }));
  put(stored('/exact.html'));
  log.invalidatePaths(D, ['/images/*', '/exact.html']);
  log.invalidateTags(D, ['even']);
  put(stored('/images/new.jpg'));
  const expectedDead = [...store.values()].filter((e) => log.isInvalidated(e)).map((e) => e.key);
  assert.equal(expectedDead.length, 100 + 50 + 1);

  let immediateRan = false;
  setImmediate(() => {
    immediateRan = true;
  });
  const progress: number[] = [];
  const removed: string[] = [];
  const result = await log.sweep(
    store.values(),
    (key) => {
      removed.push(key);
      store.delete(key);
    },
    {
      budget: 25,
      sliceMs: Number.POSITIVE_INFINITY,
      compact: true,
      onSlice: (p) => {
        progress.push(p.scanned);
        if (p.scanned === 50) assert.equal(immediateRan, true, 'the event loop ran between slices');
      },
    },
  );
  assert.deepEqual(removed.sort(), expectedDead.sort());
  assert.equal(result.scanned, 202);
  assert.equal(result.removed, 151);
  assert.equal(result.slices, Math.ceil(202 / 25));
  assert.deepEqual(progress, [25, 50, 75, 100, 125, 150, 175, 200]);
  assert.equal(store.size, 51);
  assert.ok(store.has(`${D}:/images/new.jpg`));
  assert.equal(log.hasRecords, false, 'compacted');
  for (const e of store.values()) assert.equal(log.isInvalidated(e), false);
});

test('compaction keeps records newer than the sweep and honours fetches still in flight', async () => {
  const { clock, log, stored } = setup();
  const inFlight = log.sequence(); // an origin fetch that started before the invalidation
  const store = new Map([['k', stored('/a.jpg')]]);
  clock.advance(1);
  log.invalidatePaths(D, ['/a.jpg']);
  const result = await log.sweep(store.values(), (k) => void store.delete(k), {
    compact: true,
    oldestInFlightSeq: () => inFlight,
  });
  assert.equal(result.removed, 1);
  assert.equal(result.coveredBeforeSeq, inFlight);
  assert.equal(log.hasRecords, true, 'the record is kept while the older fetch may still store');
  const late = { distributionId: D, path: '/a.jpg', storedAtMs: clock.now(), storedSeq: inFlight, tags: [] };
  assert.equal(log.isInvalidated(late), true);
  log.compact(log.sequence());
  assert.equal(log.hasRecords, false);
});

test('compact drops only old records, and prunes the prefix trie', () => {
  const { log, stored } = setup();
  const old = stored('/images/a.jpg');
  log.invalidatePaths(D, ['/images/*', '/img/*', '/x.html']);
  const cut = log.sequence();
  log.invalidatePaths(D, ['/img/*']);
  log.compact(cut);
  assert.deepEqual(log.stats(), { distributions: 1, exactPaths: 0, prefixes: 1, tags: 0, purgeAll: 0 });
  assert.equal(log.isInvalidated(old), false, 'the /images/* record is gone');
  assert.equal(log.isInvalidated({ ...old, path: '/img/1.png' }), true);
});

test('sweep accepts async stores (the disk tier)', async () => {
  const { log, stored } = setup();
  const entries = [stored('/a'), stored('/b')];
  log.invalidatePaths(D, ['/a']);
  async function* iterate() {
    yield* entries;
  }
  const removed: string[] = [];
  const result = await log.sweep(iterate(), async (k) => {
    removed.push(k);
  });
  assert.deepEqual(removed, [`${D}:/a`]);
  assert.equal(result.scanned, 2);
});

test('invalidating a wildcard over 1,000,000 cached objects does no per-object work', async () => {
  const { log } = setup();
  const N = 1_000_000;
  const seq = log.sequence();
  const metas: InvalidationSubject[] = new Array(N);
  for (let i = 0; i < N; i++) {
    metas[i] = {
      distributionId: D,
      path: i % 2 === 0 ? `/images/${i}.jpg` : `/css/${i}.css`,
      storedAtMs: 0,
      storedSeq: seq,
      tags: i % 10 === 0 ? ['t10'] : [],
    };
  }
  let pulled = 0;
  let removals = 0;
  const store = {
    *entries() {
      for (const m of metas) {
        pulled++;
        yield { ...m, key: m.path };
      }
    },
  };
  log.invalidatePaths(D, ['/images/*']);
  log.invalidateTags(D, ['t10']);
  log.invalidatePaths(D, ['/*']);
  log.purgeAll(D);
  log.purgeAll();
  assert.equal(pulled, 0, 'invalidation never iterates the store');
  assert.equal(removals, 0);
  assert.deepEqual(log.stats(), { distributions: 1, exactPaths: 0, prefixes: 1, tags: 1, purgeAll: 2 });

  // Every entry is now dead; a lazy check says so without any store work.
  let dead = 0;
  for (const m of metas) if (log.isInvalidated(m)) dead++;
  assert.equal(dead, N);

  // The sweep reclaims them in bounded slices.
  let slices = 0;
  const result = await log.sweep(store.entries(), () => void removals++, {
    budget: 50_000,
    sliceMs: Number.POSITIVE_INFINITY,
    compact: true,
    onSlice: () => void slices++,
  });
  assert.equal(pulled, N);
  assert.equal(removals, N);
  assert.equal(result.slices, N / 50_000);
  assert.equal(slices, N / 50_000);
  assert.equal(log.hasRecords, false);
});

test('a check with no records is a no-op and an entry stored after every record skips the index', () => {
  const { log, stored } = setup();
  const a = stored('/images/a.jpg');
  assert.equal(log.isInvalidated(a), false);
  log.invalidatePaths(D, ['/images/*']);
  const fresh = stored('/images/a.jpg');
  // A Proxy that fails on any tag read proves the fast path returns before the tag lookup.
  const tags = new Proxy([] as string[], {
    get() {
      throw new Error('tags read');
    },
  });
  assert.equal(log.isInvalidated({ ...fresh, tags }), false);
});
