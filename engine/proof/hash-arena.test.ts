// HashArena (the browser verifier's SHA-256 inputs per block): a copy keeps its bytes until its
// arena is released, whatever other arenas copy meanwhile; released buffers are reused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HashArena } from './hash-arena.ts';

test('copies keep their bytes until release, across arenas and buffer boundaries', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300_000 }), { maxLength: 12 }),
      fc.array(fc.uint8Array({ maxLength: 4096 }), { maxLength: 20 }),
      (big, small) => {
        const a = new HashArena();
        const b = new HashArena();
        const fromA = big.map((bytes) => a.copy(bytes));
        b.release();
        const fromB = small.map((bytes) => b.copy(bytes));
        assert.deepEqual(fromA, big);
        assert.deepEqual(fromB, small);
        a.release();
        b.release();
      },
    ),
    { numRuns: 30 },
  );
});

test('a released buffer is reused by the next arena', () => {
  const a = new HashArena();
  const first = a.copy(Uint8Array.of(1, 2, 3));
  a.release();
  const b = new HashArena();
  const second = b.copy(Uint8Array.of(9, 9));
  assert.equal(second.buffer, first.buffer);
  assert.deepEqual(second, Uint8Array.of(9, 9));
  b.release();
});
