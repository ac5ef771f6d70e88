import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRandom, randomInt, seedFromInputs, xoshiro128StarStar } from './random.ts';
import { PcqError } from '../base/errors.ts';

test('xoshiro128** matches the reference C implementation (prng.di.unimi.it), compiled and run here', () => {
  const a = xoshiro128StarStar([1, 2, 3, 4]);
  assert.deepEqual(Array.from({ length: 8 }, a), [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
  const b = xoshiro128StarStar([0xdeadbeef, 0x01234567, 0x89abcdef, 0xfedcba98]);
  for (let i = 0; i < 1000; i++) b();
  assert.deepEqual(Array.from({ length: 4 }, b), [2483714400, 82715090, 3409181688, 269470536]);
});

test('the same seed gives the same sequence; a different seed a different one', () => {
  const seed = seedFromInputs({ runbookId: 'R1', asOf: '2026-03-01T00:00:00Z', params: { limit: 10 } });
  assert.match(seed, /^[0-9a-f]{64}$/);
  const draw = (s: string): number[] => {
    const r = createRandom(s);
    return Array.from({ length: 50 }, r);
  };
  assert.deepEqual(draw(seed), draw(seed));
  assert.deepEqual(draw(seed), draw(`sha256:${seed}`));
  assert.notDeepEqual(draw(seed), draw(seedFromInputs({ runbookId: 'R1', asOf: '2026-03-02T00:00:00Z', params: { limit: 10 } })));
  // Key order does not matter: the seed comes from RFC 8785 canonical JSON.
  assert.equal(seedFromInputs({ b: 1, a: 2 }), seedFromInputs({ a: 2, b: 1 }));
});

test('draws are in [0, 1) and roughly uniform', () => {
  const r = createRandom('00');
  const buckets = new Array<number>(10).fill(0);
  for (let i = 0; i < 20_000; i++) {
    const x = r();
    assert.ok(x >= 0 && x < 1);
    buckets[Math.floor(x * 10)]!++;
  }
  for (const count of buckets) assert.ok(count > 1800 && count < 2200, `bucket ${count}`);
  const ints = new Set(Array.from({ length: 500 }, () => randomInt(r, 3, 6)));
  assert.deepEqual([...ints].sort(), [3, 4, 5, 6]);
});

test('a malformed seed is a coded error', () => {
  for (const bad of ['', 'abc', 'zz', 'sha256:']) {
    assert.throws(
      () => createRandom(bad),
      (err: unknown) => err instanceof PcqError && err.code === 'PCQ_SEED_INVALID',
    );
  }
});
