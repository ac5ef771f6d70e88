// sha256Node (hash-node.ts) against an independent SHA-256 (@noble/hashes): every input form the
// proof code hands it (strings, whole byte arrays, views into larger buffers), and each digest is
// its own 32 bytes although it is carved from Node's shared Buffer pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { sha256Node } from './hash-node.ts';

test('sha256Node equals @noble/hashes for strings, byte arrays and views into larger buffers', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.uint8Array({ maxLength: 3000 }), fc.nat(40), fc.nat(40), (text, bytes, a, b) => {
      assert.deepEqual([...sha256Node(text)], [...nobleSha256(new TextEncoder().encode(text))]);
      assert.deepEqual([...sha256Node(bytes)], [...nobleSha256(bytes)]);
      const view = bytes.subarray(Math.min(a, bytes.length), Math.max(Math.min(a, bytes.length), bytes.length - b));
      assert.deepEqual([...sha256Node(view)], [...nobleSha256(view)]);
    }),
    { numRuns: 300 },
  );
});

test('each sha256Node digest is its own 32 bytes: writing into one changes no other', () => {
  const digests = Array.from({ length: 600 }, (_, i) => sha256Node(String(i)));
  const copies = digests.map((d) => Uint8Array.from(d));
  for (const d of digests) assert.equal(d.length, 32);
  digests[0]!.fill(0);
  digests[300]!.fill(0xff);
  for (let i = 1; i < digests.length; i++) if (i !== 300) assert.deepEqual([...digests[i]!], [...copies[i]!], `digest ${i}`);
  assert.deepEqual([...sha256Node('0')], [...copies[0]!], 'a later call is not affected either');
});
