// RFC 9162 §2.1 Merkle Tree Hash over the attestations in chain order:
//   MTH({}) = SHA-256(), leaf hash = SHA-256(0x00 ‖ d), node = SHA-256(0x01 ‖ left ‖ right),
// with the left subtree holding the largest power of two below n (§2.1.1). Building bottom-up and
// promoting an unpaired last node unchanged yields exactly that tree, with n−1 node hashes.
// Inclusion proofs: generation per §2.1.3.1 (the same bottom-up walk), verification per §2.1.3.2.
import { bytesEqual, toHex } from './bytes.ts';
import type { Sha256 } from './hash.ts';

export interface InclusionProof {
  leafIndex: number;
  treeSize: number;
  hashes: Uint8Array[];
}

const HASH_SIZE = 32;

/** RFC 9162 leaf hash. A string leaf is hashed as its UTF-8 bytes ('\0' + text avoids a copy). */
export function leafHash(leaf: Uint8Array | string, sha256: Sha256): Uint8Array {
  if (typeof leaf === 'string') return sha256('\u0000' + leaf);
  const input = new Uint8Array(leaf.length + 1);
  input.set(leaf, 1);
  return sha256(input);
}

/** Hashes two children with one reusable 65-byte buffer (one hash call, no allocation per node). */
function nodeHasher(sha256: Sha256): (left: Uint8Array, right: Uint8Array) => Uint8Array {
  const scratch = new Uint8Array(1 + 2 * HASH_SIZE);
  scratch[0] = 1;
  return (left, right) => {
    scratch.set(left, 1);
    scratch.set(right, 1 + HASH_SIZE);
    return sha256(scratch);
  };
}

/** All levels of the tree, leaves first, root level last (length 1). */
function levels(leafHashes: readonly Uint8Array[], sha256: Sha256): Uint8Array[][] {
  const node = nodeHasher(sha256);
  const out: Uint8Array[][] = [leafHashes.slice()];
  let level = out[0]!;
  while (level.length > 1) {
    const next: Uint8Array[] = new Array(Math.ceil(level.length / 2));
    for (let i = 0; i + 1 < level.length; i += 2) next[i >> 1] = node(level[i]!, level[i + 1]!);
    if (level.length % 2 === 1) next[next.length - 1] = level[level.length - 1]!;
    out.push(next);
    level = next;
  }
  return out;
}

export function merkleRoot(leafHashes: readonly Uint8Array[], sha256: Sha256): Uint8Array {
  if (leafHashes.length === 0) return sha256(new Uint8Array(0));
  const node = nodeHasher(sha256);
  const level: Uint8Array[] = leafHashes.slice();
  while (level.length > 1) {
    const count = level.length;
    let write = 0;
    for (let i = 0; i + 1 < count; i += 2) level[write++] = node(level[i]!, level[i + 1]!);
    if (count % 2 === 1) level[write++] = level[count - 1]!;
    level.length = write;
  }
  return level[0]!;
}

/** The root and every leaf's inclusion proof, in O(n log n) from one pass over the tree. */
export function merkleTree(leafHashes: readonly Uint8Array[], sha256: Sha256): { root: Uint8Array; proofs: InclusionProof[] } {
  if (leafHashes.length === 0) return { root: sha256(new Uint8Array(0)), proofs: [] };
  const tree = levels(leafHashes, sha256);
  const treeSize = leafHashes.length;
  const proofs: InclusionProof[] = [];
  for (let leafIndex = 0; leafIndex < treeSize; leafIndex++) {
    const hashes: Uint8Array[] = [];
    let index = leafIndex;
    for (let depth = 0; depth < tree.length - 1; depth++) {
      const level = tree[depth]!;
      const sibling = index % 2 === 1 ? index - 1 : index + 1;
      if (sibling < level.length) hashes.push(level[sibling]!);
      index = Math.floor(index / 2);
    }
    proofs.push({ leafIndex, treeSize, hashes });
  }
  return { root: tree[tree.length - 1]![0]!, proofs };
}

/** A tree computed once, with its root and a check of published audit paths against it. */
export interface MerkleTreeIndex {
  root: Uint8Array;
  /** True when `hashes` (64 lowercase hex each) is exactly leaf `leafIndex`'s audit path in this tree. */
  matchesAuditPath(leafIndex: number, hashes: readonly string[]): boolean;
}

/**
 * Builds the tree once (n−1 node hashes) so that a verifier can check n published audit paths by
 * comparison instead of n independent O(log n) walks. For a tree whose root equals the published
 * root, a path verifies under §2.1.3.2 exactly when it equals the tree's own path (its length is
 * fixed by leafIndex and treeSize; any other path reaching the root would be a SHA-256 collision).
 */
export function merkleTreeIndex(leafHashes: readonly Uint8Array[], sha256: Sha256): MerkleTreeIndex {
  if (leafHashes.length === 0) return { root: sha256(new Uint8Array(0)), matchesAuditPath: () => false };
  const tree = levels(leafHashes, sha256);
  const hex = tree.map((level) => level.map(toHex));
  return {
    root: tree[tree.length - 1]![0]!,
    matchesAuditPath(leafIndex, hashes) {
      if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= leafHashes.length) return false;
      let k = 0;
      let index = leafIndex;
      for (let depth = 0; depth < hex.length - 1; depth++) {
        const level = hex[depth]!;
        const sibling = index % 2 === 1 ? index - 1 : index + 1; // as merkleTree() generates paths
        if (sibling < level.length && (k >= hashes.length || hashes[k++] !== level[sibling])) return false;
        index = Math.floor(index / 2);
      }
      return k === hashes.length;
    },
  };
}

/**
 * RFC 9162 §2.1.3.2: true when `hash` is leaf `leafIndex` of a tree of `treeSize` leaves with the
 * given root. Division is arithmetic, not `>>`, so sizes beyond 2^31 stay correct.
 */
export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  hash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
  sha256: Sha256,
): boolean {
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex < 0 || leafIndex >= treeSize) return false;
  if (hash.length !== HASH_SIZE || root.length !== HASH_SIZE) return false;
  const node = nodeHasher(sha256);
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = hash;
  for (const p of proof) {
    if (p.length !== HASH_SIZE || sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = node(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = node(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesEqual(r, root);
}

/**
 * The RFC 9162 root folded leaf by leaf in O(log n) memory: the roots of the perfect subtrees the
 * leaves so far decompose into (largest first), as a binary counter. root() equals merkleRoot of
 * the same leaves (§2.1.1: MTH splits at the largest power of two below n).
 */
export class MerkleFrontier {
  private readonly nodes: Uint8Array[] = [];
  private readonly sizes: number[] = [];
  private readonly node: (left: Uint8Array, right: Uint8Array) => Uint8Array;
  private readonly sha256: Sha256;
  size = 0;

  constructor(sha256: Sha256) {
    this.sha256 = sha256;
    this.node = nodeHasher(sha256);
  }

  add(leaf: Uint8Array): void {
    let hash = leaf;
    let size = 1;
    while (this.sizes.length > 0 && this.sizes[this.sizes.length - 1] === size) {
      hash = this.node(this.nodes.pop()!, hash);
      this.sizes.pop();
      size *= 2;
    }
    this.nodes.push(hash);
    this.sizes.push(size);
    this.size++;
  }

  root(): Uint8Array {
    if (this.nodes.length === 0) return this.sha256(new Uint8Array(0));
    let r = this.nodes[this.nodes.length - 1]!;
    for (let i = this.nodes.length - 2; i >= 0; i--) r = this.node(this.nodes[i]!, r);
    return r;
  }
}

/**
 * verifyInclusion for many leaves of one tree, in leaf order, against one root: the same verdicts,
 * but the §2.1.3.2 walk stops hashing where it reaches the state (fn, sn, r) of the previous walk
 * with the same rest of the path (hex compared): from there the result is the previous one. Adjacent
 * leaves share all but their lowest ancestors, so a chain costs ~2 node hashes a leaf, not log2 n.
 */
export class InclusionVerifier {
  private previous: { fn: number[]; sn: number[]; r: Uint8Array[]; path: readonly string[]; ok: boolean } | undefined;
  private readonly node: (left: Uint8Array, right: Uint8Array) => Uint8Array;
  private readonly root: Uint8Array;

  constructor(root: Uint8Array, sha256: Sha256) {
    this.root = root;
    this.node = nodeHasher(sha256); // a fresh digest per call (the Sha256 port's contract)
  }

  /** `path`: the audit path as lowercase hex (the schema shape pinned it to 64 hex each). */
  verify(leafIndex: number, treeSize: number, hash: Uint8Array, path: readonly string[], hexToBytes: (hex: string) => Uint8Array | undefined): boolean {
    if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex < 0 || leafIndex >= treeSize) return false;
    if (hash.length !== HASH_SIZE) return false;
    const prev = this.previous;
    const state = { fn: [] as number[], sn: [] as number[], r: [] as Uint8Array[], path, ok: false };
    let fn = leafIndex;
    let sn = treeSize - 1;
    let r = hash;
    for (let k = 0; k < path.length; k++) {
      state.fn.push(fn);
      state.sn.push(sn);
      state.r.push(r);
      if (prev && prev.fn[k] === fn && prev.sn[k] === sn && prev.path.length === path.length && bytesEqual(prev.r[k]!, r) && sameTail(prev.path, path, k)) {
        state.ok = prev.ok;
        this.previous = mergeState(state, prev, k);
        return state.ok;
      }
      const p = hexToBytes(path[k]!);
      if (!p || p.length !== HASH_SIZE || sn === 0) return this.remember(state, false);
      if (fn % 2 === 1 || fn === sn) {
        r = this.node(p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) {
            fn = Math.floor(fn / 2);
            sn = Math.floor(sn / 2);
          }
        }
      } else {
        r = this.node(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return this.remember(state, sn === 0 && bytesEqual(r, this.root));
  }

  private remember(state: NonNullable<InclusionVerifier['previous']>, ok: boolean): boolean {
    state.ok = ok;
    // Only a walk that ran to its end can serve as the next one's shortcut.
    this.previous = state.fn.length === state.path.length ? state : undefined;
    return ok;
  }
}

function sameTail(a: readonly string[], b: readonly string[], from: number): boolean {
  for (let i = from; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The new walk's states up to k, then the previous walk's (identical from k on). */
function mergeState<T extends { fn: number[]; sn: number[]; r: Uint8Array[]; path: readonly string[]; ok: boolean }>(state: T, prev: T, k: number): T {
  for (let i = k + 1; i < prev.fn.length; i++) {
    state.fn.push(prev.fn[i]!);
    state.sn.push(prev.sn[i]!);
    state.r.push(prev.r[i]!);
  }
  return state;
}
