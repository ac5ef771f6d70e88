// sha256Sync (the browser verifier's synchronous SHA-256) gives node:crypto's digest on every
// length across the one- and two-block padding boundaries, on random bytes and views, and on
// strings as their UTF-8 (as sha256Portable), and is not disturbed by a previous call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sha256Sync } from './hash-sync.ts';
import { sha256Portable } from './hash.ts';

const node = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

test('sha256Sync equals node:crypto on every length 0..300 (every padding case)', () => {
  for (let n = 0; n <= 300; n++) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n * 7) & 0xff);
    assert.equal(hex(sha256Sync(data)), node(data), `length ${n}`);
  }
  assert.equal(hex(sha256Sync('')), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'); // FIPS 180-4 example
  assert.equal(hex(sha256Sync('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('sha256Sync equals node:crypto and sha256Portable on random bytes, views and strings', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 5000 }), fc.nat(16), fc.string({ unit: 'binary' }), (bytes, cut, text) => {
      const view = bytes.subarray(Math.min(cut, bytes.length));
      assert.equal(hex(sha256Sync(bytes)), node(bytes));
      assert.equal(hex(sha256Sync(view)), node(view)); // only the view's bytes count
      assert.equal(hex(sha256Sync(text)), hex(sha256Portable(text)));
      assert.equal(hex(sha256Sync(text)), node(Buffer.from(new TextEncoder().encode(text))));
    }),
    { numRuns: 400 },
  );
});

test('sha256Sync: each digest is its own array, and a large input does not disturb the next', () => {
  const a = sha256Sync(new Uint8Array(65));
  const big = new Uint8Array(1 << 20).fill(7);
  assert.equal(hex(sha256Sync(big)), node(big));
  const b = sha256Sync(new Uint8Array(65));
  assert.notEqual(a, b);
  assert.equal(hex(a), hex(b));
});
