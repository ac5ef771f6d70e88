// RFC 9162 §2.1 against transparency-dev/merkle's RFC 6962 constants and every inclusion probe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, toHex } from './bytes.ts';
import { sha256Node } from './hash-node.ts';
import { sha256Portable } from './hash.ts';
import { leafHash, merkleRoot, merkleTree, merkleTreeIndex, verifyInclusion } from './merkle.ts';

const BASE = 'engine/testing/vectors/merkle-transparency-dev/';
const constants = JSON.parse(readFileSync(BASE + 'rfc6962-leaves-roots.json', 'utf8'));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

for (const [label, sha] of [
  ['node:crypto', sha256Node],
  ['@noble/hashes', sha256Portable],
] as const) {
  test(`RFC 6962 leaf hashes and roots for sizes 0..8 (${label})`, () => {
    const leaves = constants.leafInputsHex.map((hex: string) => leafHash(fromHex(hex)!, sha));
    assert.deepEqual(leaves.map(toHex), constants.nodeHashesByLevel[0]);
    for (let size = 0; size <= 8; size++) {
      assert.equal(toHex(merkleRoot(leaves.slice(0, size), sha)), constants.rootHashesBySize[size], `size ${size}`);
      const { root, proofs } = merkleTree(leaves.slice(0, size), sha);
      assert.equal(toHex(root), constants.rootHashesBySize[size]);
      for (const p of proofs) assert.ok(verifyInclusion(p.leafIndex, p.treeSize, leaves[p.leafIndex], p.hashes, root, sha), `size ${size} leaf ${p.leafIndex}`);
    }
  });

  test(`every transparency-dev inclusion probe gives its expected answer (${label})`, () => {
    const probes = files(BASE + 'testdata/inclusion');
    assert.equal(probes.length, 98);
    let good = 0;
    for (const path of probes) {
      const p = JSON.parse(readFileSync(path, 'utf8'));
      const b = (s: string) => new Uint8Array(Buffer.from(s ?? '', 'base64'));
      const ok = verifyInclusion(p.leafIdx, p.treeSize, b(p.leafHash), (p.proof ?? []).map(b), b(p.root), sha);
      assert.equal(ok, !p.wantErr, path);
      if (ok) good++;
    }
    assert.ok(good > 0 && good < probes.length);
  });
}

test('string leaves hash as their UTF-8 bytes', () => {
  assert.equal(toHex(leafHash('é{"a":1}', sha256Node)), toHex(leafHash(new TextEncoder().encode('é{"a":1}'), sha256Node)));
  assert.equal(toHex(leafHash('é{"a":1}', sha256Portable)), toHex(leafHash('é{"a":1}', sha256Node)));
});

test('proofs for every leaf of trees up to 70 leaves verify, and fail for any other leaf, index or path', () => {
  for (let n = 1; n <= 70; n++) {
    const leaves = Array.from({ length: n }, (_, i) => leafHash(`leaf ${i}`, sha256Node));
    const { root, proofs } = merkleTree(leaves, sha256Node);
    assert.equal(toHex(root), toHex(merkleRoot(leaves, sha256Node)));
    for (const p of proofs) {
      assert.ok(verifyInclusion(p.leafIndex, n, leaves[p.leafIndex]!, p.hashes, root, sha256Node));
      assert.ok(!verifyInclusion(p.leafIndex, n, leaves[(p.leafIndex + 1) % n]!, p.hashes, root, sha256Node) || n === 1);
      // (Another tree size is not always refused: RFC 9162 paths of leftmost leaves coincide across
      // sizes, which is why the manifest verifier pins treeSize to the number of steps.)
      if (p.hashes.length > 0) {
        const flipped = p.hashes.map((x, i) => (i === p.hashes.length - 1 ? Uint8Array.from(x, (b, j) => (j === 0 ? b ^ 1 : b)) : x));
        assert.ok(!verifyInclusion(p.leafIndex, n, leaves[p.leafIndex]!, flipped, root, sha256Node));
      }
      if (n > 1) assert.ok(!verifyInclusion((p.leafIndex + 1) % n, n, leaves[p.leafIndex]!, p.hashes, root, sha256Node));
    }
  }
});

test('merkleTreeIndex accepts a published path exactly when verifyInclusion does (one tree, no per-leaf walks)', () => {
  for (let n = 0; n <= 40; n++) {
    const leaves = Array.from({ length: n }, (_, i) => leafHash(`leaf ${i}`, sha256Node));
    const { root, proofs } = merkleTree(leaves, sha256Node);
    const index = merkleTreeIndex(leaves, sha256Node);
    assert.equal(toHex(index.root), toHex(root));
    for (const p of proofs) {
      const candidates: Uint8Array[][] = [
        p.hashes,
        p.hashes.slice(1),
        [...p.hashes, leaves[0]!],
        p.hashes.slice().reverse(),
        p.hashes.map((h) => Uint8Array.from(h, (b, j) => (j === 31 ? b ^ 0x80 : b))),
      ];
      if (n > 1) candidates.push(proofs[(p.leafIndex + 1) % n]!.hashes);
      for (const hashes of candidates) {
        for (const at of [p.leafIndex, (p.leafIndex + 1) % n]) {
          assert.equal(index.matchesAuditPath(at, hashes.map(toHex)), verifyInclusion(at, n, leaves[at]!, hashes, root, sha256Node), `n ${n} leaf ${at}`);
        }
      }
    }
  }
});
