import assert from 'node:assert/strict';
import test from 'node:test';
import { formatOutcome, parseOutcome, type TierOutcome } from '../../../../src/edge/tier/outcome.js';

const outcome: TierOutcome = {
  result: 'Hit',
  layer: 'Origin Shield',
  fromCache: true,
  status: 404,
  cacheable: true,
  ageMs: 12_000,
  freshMs: 48_000,
  staleWhileRevalidateMs: 5_000,
  staleIfErrorMs: 0,
};

test('an outcome survives the header round trip', () => {
  assert.deepEqual(parseOutcome(formatOutcome(outcome)), outcome);
  const miss = {
    ...outcome,
    result: 'Miss' as const,
    layer: 'REC' as const,
    fromCache: false,
    cacheable: false,
  };
  assert.deepEqual(parseOutcome(formatOutcome(miss)), miss);
});

test('an expired copy keeps a negative remaining freshness; ages are never negative', () => {
  const stale = parseOutcome(formatOutcome({ ...outcome, freshMs: -3000, ageMs: -5 }));
  assert.ok(stale && !('error' in stale));
  assert.equal(stale.freshMs, -3000);
  assert.equal(stale.ageMs, 0);
});

test('a failure names a catalogued EdgeError code', () => {
  assert.deepEqual(parseOutcome(formatOutcome({ error: 'OriginConnectError' })), {
    error: 'OriginConnectError',
  });
  assert.equal(parseOutcome('error=NoSuchCode'), undefined);
});

test('anything else is no outcome (the child goes to the origin)', () => {
  for (const value of [
    undefined,
    '',
    ['result=Hit'],
    'result=Hit',
    'result=Bogus&layer=REC&from=cache&status=200&age=0&fresh=0&swr=0&sie=0',
    'result=Hit&layer=EDGE&from=cache&status=200&age=0&fresh=0&swr=0&sie=0',
    'result=Hit&layer=REC&from=somewhere&status=200&age=0&fresh=0&swr=0&sie=0',
    'result=Hit&layer=REC&from=cache&status=x&age=0&fresh=0&swr=0&sie=0',
  ]) {
    assert.equal(parseOutcome(value), undefined, String(value));
  }
});
