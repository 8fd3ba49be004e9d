import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  RECORD_CALLER_BYTES,
  RECORD_HEADER_BYTES,
  recordBytesFor,
  recordCharge,
  Slab,
  SlabArena,
  type SlabRecordOwner,
  slabBytesFor,
} from '../../../src/cache/slab-arena.js';

const NOWHERE: Slab<Owner> = new Slab<Owner>(RECORD_HEADER_BYTES);

/** A record owner that writes a recognisable pattern into its record and can check it. */
class Owner implements SlabRecordOwner<Owner> {
  slab: Slab<Owner> = NOWHERE;
  at = 0;
  moves = 0;
  constructor(
    readonly id: number,
    readonly bodyBytes: number,
  ) {}

  write(): void {
    const from = this.at << 3;
    this.slab.bytes.fill(this.id & 0xff, from, from + RECORD_CALLER_BYTES);
    this.slab.bytes.fill((this.id * 7 + 1) & 0xff, from + RECORD_HEADER_BYTES, from + this.bytes);
  }

  /** The record as it reads now: caller header bytes and body. */
  read(): Buffer {
    const from = this.at << 3;
    return Buffer.concat([
      this.slab.bytes.subarray(from, from + RECORD_CALLER_BYTES),
      this.slab.bytes.subarray(from + RECORD_HEADER_BYTES, from + this.bytes),
    ]);
  }

  expected(): Buffer {
    return Buffer.concat([
      Buffer.alloc(RECORD_CALLER_BYTES, this.id & 0xff),
      Buffer.alloc(this.bytes - RECORD_HEADER_BYTES, (this.id * 7 + 1) & 0xff),
    ]);
  }

  get bytes(): number {
    return recordBytesFor(this.bodyBytes);
  }

  moved(): void {
    this.moves++;
  }
}

const SLAB = 16 * 1024;

function allocate(arena: SlabArena<Owner>, id: number, bodyBytes: number): Owner {
  const owner = new Owner(id, bodyBytes);
  arena.allocate(owner, owner.bytes);
  owner.write();
  return owner;
}

test('records are packed one after another, 8-byte aligned, and a full slab is followed by a new one', () => {
  const arena = new SlabArena<Owner>(SLAB);
  const a = allocate(arena, 1, 100);
  const b = allocate(arena, 2, 3);
  assert.equal(a.slab, b.slab);
  assert.equal(a.at, 0);
  assert.equal(b.at, recordBytesFor(100) / 8);
  assert.equal(recordBytesFor(100), 152);
  assert.equal(recordBytesFor(3), 56);
  assert.equal(arena.liveBytes, 152 + 56);
  const owners = [a, b];
  while (owners.at(-1)!.slab === a.slab) owners.push(allocate(arena, owners.length + 1, 400));
  assert.equal(arena.slabCount, 2);
  for (const o of owners) assert.deepEqual(o.read(), o.expected());
});

test('a record larger than 1/32 of a slab is refused', () => {
  const arena = new SlabArena<Owner>(SLAB);
  assert.throws(() => arena.allocate(new Owner(1, 0), SLAB / 32 + 8), RangeError);
  assert.throws(() => arena.allocate(new Owner(1, 0), 52), RangeError, 'not a multiple of 8');
});

test('a sealed slab whose records are all freed is dropped without copying', () => {
  const arena = new SlabArena<Owner>(SLAB);
  const first: Owner[] = [];
  // Ten slabs' worth, so that one slab's records are less than the 1/8 of dead bytes allowed.
  for (let i = 0; i < 400; i++) first.push(allocate(arena, i, 400));
  const firstSlab = first[0].slab;
  const slabs = arena.slabCount;
  assert.ok(slabs >= 10);
  for (const o of first) if (o.slab === firstSlab) arena.free(o);
  assert.equal(arena.slabCount, slabs - 1);
  assert.equal(arena.movedRecords, 0);
  assert.equal(firstSlab.owners.length, 0, 'the dropped slab no longer refers to its owners');
});

test('compaction copies live records to a survivors slab and leaves the old region as it was', () => {
  const arena = new SlabArena<Owner>(SLAB);
  const owners: Owner[] = [];
  for (let i = 0; i < 200; i++) owners.push(allocate(arena, i, 200));
  const old = owners[0].slab;
  const keep = owners.filter((o, i) => o.slab === old && i % 4 === 0);
  // A reader's view of a record that will be moved: it must never change.
  const view = Buffer.from(old.bytes.buffer, keep[1].at << 3, keep[1].bytes);
  const before = Buffer.from(view);
  for (const [i, o] of owners.entries()) if (o.slab === old && i % 4 !== 0) arena.free(o);
  assert.ok(arena.movedRecords >= keep.length, 'the mostly dead slab was compacted');
  for (const o of keep) {
    assert.notEqual(o.slab, old);
    assert.equal(o.moves, 1);
    assert.deepEqual(o.read(), o.expected());
  }
  assert.deepEqual(view, before);
  // Moved owners can still be freed (their index in the new slab is right).
  const live = arena.liveBytes;
  for (const o of keep) arena.free(o);
  assert.equal(arena.liveBytes, live - keep.length * recordBytesFor(200));
});

test('freeing twice, or an owner the arena never saw, changes nothing', () => {
  const arena = new SlabArena<Owner>(SLAB);
  const a = allocate(arena, 1, 10);
  arena.free(a);
  const live = arena.liveBytes;
  arena.free(a);
  arena.free(new Owner(2, 10));
  assert.equal(arena.liveBytes, live);
});

test('under random allocation and frees, dead bytes stay bounded and every record reads back intact', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ free: fc.boolean(), pick: fc.nat(), size: fc.integer({ min: 0, max: 400 }) }), {
        maxLength: 600,
      }),
      (ops) => {
        const arena = new SlabArena<Owner>(SLAB);
        const live: Owner[] = [];
        let id = 0;
        for (const op of ops) {
          if (op.free && live.length > 0) {
            const [o] = live.splice(op.pick % live.length, 1);
            arena.free(o);
          } else live.push(allocate(arena, ++id, op.size));
          const liveBytes = live.reduce((sum, o) => sum + o.bytes, 0);
          assert.equal(arena.liveBytes, liveBytes);
          // The bound the charge relies on: slabs hold at most live × 8/7 plus three slabs.
          assert.ok(
            arena.memoryBytes <= (liveBytes * 8) / 7 + 3 * SLAB,
            `${arena.memoryBytes} B of slabs for ${liveBytes} B live`,
          );
        }
        for (const o of live) assert.deepEqual(o.read(), o.expected());
      },
    ),
    { numRuns: 150 },
  );
});

test('a record is charged 8/7 of its bytes; slabs grow from 256 KiB to 1 MiB with the budget', () => {
  assert.equal(recordCharge(56), 64);
  assert.equal(recordCharge(304), 348);
  assert.equal(slabBytesFor(1024 * 1024), 256 * 1024);
  assert.equal(slabBytesFor(16 * 1024 * 1024), 256 * 1024);
  assert.equal(slabBytesFor(512 * 1024 * 1024), 512 * 1024);
  assert.equal(slabBytesFor(64 * 1024 * 1024 * 1024), 1024 * 1024);
});
