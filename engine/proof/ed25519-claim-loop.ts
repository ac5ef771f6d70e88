// The loop every thread of a Node signature batch runs (ed25519-node.ts nodeVerifyBatch): the
// worker threads (ed25519-node-worker.ts) and the calling thread once its own work is done. One
// function in one module, imported by both, so every thread has the same semantics.
//
// Shared layout: state = [next index to claim, items finished]; results[i] = 0 (pending), 1 (valid),
// 2 (invalid); item i's message is data[offsets[i] … offsets[i+1]), its signature sigs[64i … 64i+64).
// Imports node: builtins only: the worker runs this file without tsx or any loader.
import { verify, type KeyObject } from 'node:crypto';

/** Decides item i (1 valid, 2 invalid); a throwing verify counts as invalid, never as a crash. */
export function verifyItem(results: Uint8Array, data: Uint8Array, offsets: Int32Array, sigs: Uint8Array, key: KeyObject, i: number): void {
  let ok: boolean;
  try {
    ok = verify(null, data.subarray(offsets[i]!, offsets[i + 1]!), key, sigs.subarray(64 * i, 64 * i + 64)) === true;
  } catch {
    ok = false;
  }
  results[i] = ok ? 1 : 2;
}

export function claimLoop(state: Int32Array, results: Uint8Array, data: Uint8Array, offsets: Int32Array, sigs: Uint8Array, key: KeyObject): void {
  const n = results.length;
  for (;;) {
    const i = Atomics.add(state, 0, 1);
    if (i >= n) return;
    if (results[i] === 0) verifyItem(results, data, offsets, sigs, key, i);
    Atomics.add(state, 1, 1);
  }
}
