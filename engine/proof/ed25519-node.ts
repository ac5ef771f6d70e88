// Ed25519 through node:crypto (OpenSSL): ~10× faster than @noble/ed25519 to sign, 15× to verify
// (docs/design.md §5). KeyObjects are cached per key. Verification goes through the callback form of
// crypto.verify so that it runs on the libuv thread pool and a manifest's signatures are checked
// on every core. Inputs pass the same strictness gate as the browser path (ed25519-rules.ts).
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fromHex, toHex } from './bytes.ts';
import { encodeStrKey } from './strkey.ts';
import { passesStrictRules } from './ed25519-rules.ts';
import { claimLoop, verifyItem } from './ed25519-claim-loop.ts';
import type { Ed25519Verify, Ed25519VerifyBatch, Ed25519VerifySync, SignatureBatch, SignatureItem, Signer } from '../base/signer.ts';

// RFC 8410 PKCS#8 wrapper for a raw Ed25519 seed: SEQUENCE { version 0, AlgorithmIdentifier
// { id-Ed25519 }, OCTET STRING { OCTET STRING (32) } }.
const PKCS8_PREFIX = fromHex('302e020100300506032b657004220420')!;
const MAX_CACHED_KEYS = 4096;
const publicKeys = new Map<string, KeyObject | null>();

function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function publicKeyObject(publicKey: Uint8Array): KeyObject | null {
  const id = toHex(publicKey);
  let key = publicKeys.get(id);
  if (key === undefined) {
    try {
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url(publicKey) }, format: 'jwk' });
    } catch {
      key = null;
    }
    if (publicKeys.size >= MAX_CACHED_KEYS) publicKeys.clear();
    publicKeys.set(id, key);
  }
  return key;
}

export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  const der = new Uint8Array(PKCS8_PREFIX.length + 32);
  der.set(PKCS8_PREFIX, 0);
  der.set(seed, PKCS8_PREFIX.length);
  return createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
}

export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  const jwk = createPublicKey(privateKeyFromSeed(seed)).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(String(jwk.x), 'base64url'));
}

/** A Signer over a raw 32-byte seed; the seed stays inside a KeyObject and is never exposed. */
export function nodeSigner(seed: Uint8Array): Signer {
  const privateKey = privateKeyFromSeed(seed);
  const keyid = encodeStrKey('public', publicKeyFromSeed(seed));
  return {
    keyid,
    // Synchronous sign: attestations are produced one after another along the chain, and a
    // thread-pool hop would cost more than the ~20 µs signature itself.
    sign: async (message) => new Uint8Array(sign(null, message, privateKey)),
  };
}

export const nodeVerify: Ed25519Verify = (publicKey, message, signature) => {
  if (!passesStrictRules(publicKey, signature)) return Promise.resolve(false);
  const key = publicKeyObject(publicKey);
  if (!key) return Promise.resolve(false);
  return new Promise((resolve) => startVerify(key, message, signature, resolve));
};

/**
 * nodeVerify on the calling thread: the same strictness gate, the same cached KeyObject, the same
 * OpenSSL check, without the thread-pool round trip (the verifier takes signatures here while the
 * pool is behind: verify-manifest.ts `verifySync`). ed25519.test.ts holds it to nodeVerify.
 */
export const nodeVerifySync: Ed25519VerifySync = (publicKey, message, signature) => {
  if (!passesStrictRules(publicKey, signature)) return false;
  const key = publicKeyObject(publicKey);
  if (!key) return false;
  try {
    return verify(null, message, key, signature) === true;
  } catch {
    return false;
  }
};

// crypto.verify copies the message into its job; the callback (settle) closes over `resolve` alone,
// so the caller's message is not kept alive while the job waits on the pool.
function startVerify(key: KeyObject, message: Uint8Array, signature: Uint8Array, resolve: (ok: boolean) => void): void {
  try {
    verify(null, message, key, signature, settle(resolve));
  } catch {
    resolve(false);
  }
}

function settle(resolve: (ok: boolean) => void): (err: Error | null, ok: boolean) => void {
  return (err, ok) => resolve(!err && ok === true);
}

// ---- Batches: a worker thread and the calling thread share one queue ------------------------
// A manifest's step signatures (10,000 for a large run) all become known at once, while the calling
// thread still has the structural checks to do. On the libuv pool every check is a job whose result
// only lands when the main thread returns to the event loop, and four pool threads crowd the main
// thread off a two-core machine. Here the messages go into shared memory, worker threads (one per
// spare core) take the next unclaimed index with an atomic counter and verify synchronously, and the
// calling thread joins the same loop once its own work is done (help), so both cores stay busy to
// the end. Same KeyObject semantics and the same strictness gate as nodeVerify.

/**
 * Below this many signatures a thread start (~30–60 ms, and ~10 MB for its isolate) costs more than
 * it saves: the pool does them (1,000 verifications are ~50 ms of one core, spread over both).
 */
const BATCH_MIN = 1024;

// The worker's module file: beside this one in the source tree, or the ed25519-node-worker.mjs that
// scripts/build.mjs writes beside every bundle file (it defines PCQ_NODE_WORKER there).
declare const PCQ_NODE_WORKER: string | undefined;
const WORKER_URL = new URL(typeof PCQ_NODE_WORKER === 'string' ? PCQ_NODE_WORKER : './ed25519-node-worker.ts', import.meta.url);

function poolBatch(publicKey: Uint8Array, items: readonly SignatureItem[]): SignatureBatch {
  return { results: Promise.all(items.map((it) => nodeVerify(publicKey, it.message, it.signature))), help: () => undefined };
}

export const nodeVerifyBatch: Ed25519VerifyBatch = (publicKey, items) => {
  const n = items.length;
  const key = publicKey.length === 32 ? publicKeyObject(publicKey) : null;
  if (n < BATCH_MIN || !key) return poolBatch(publicKey, items);
  let total = 0;
  for (const it of items) total += it.message.length;
  if (total > 0x7fffffff) return poolBatch(publicKey, items); // Int32 offsets
  const state = new Int32Array(new SharedArrayBuffer(8));
  const results = new Uint8Array(new SharedArrayBuffer(n));
  const data = new Uint8Array(new SharedArrayBuffer(total));
  const offsets = new Int32Array(new SharedArrayBuffer(4 * (n + 1)));
  const sigs = new Uint8Array(new SharedArrayBuffer(64 * n));
  let offset = 0;
  items.forEach((it, i) => {
    offsets[i] = offset;
    data.set(it.message, offset);
    offset += it.message.length;
    // Refused by the gate (wrong length, S ≥ L, small order): settled now, never verified.
    if (passesStrictRules(publicKey, it.signature)) sigs.set(it.signature, 64 * i);
    else results[i] = 2;
  });
  offsets[n] = offset;

  let settle!: (value: boolean[]) => void;
  const promise = new Promise<boolean[]>((resolve) => (settle = resolve));
  let settled = false;
  const workers: Worker[] = [];
  const finish = (): void => {
    if (settled) return;
    settled = true;
    for (const w of workers) void w.terminate();
    const out: boolean[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = results[i] === 1;
    settle(out);
  };
  // Everything is decided once every index is finished; a worker that stops early (it could not
  // start, or it died mid-item) leaves its items to the calling thread, checked once all are gone.
  let running = 0;
  const stopped = (): void => {
    if (settled) return;
    if (Atomics.load(state, 1) >= n) return finish();
    if (--running > 0) return;
    for (let i = 0; i < n; i++) if (results[i] === 0) verifyItem(results, data, offsets, sigs, key, i);
    finish();
  };
  const spare = Math.max(1, Math.min(4, availableParallelism() - 1));
  const workerData = { x: base64url(publicKey), state: state.buffer, results: results.buffer, data: data.buffer, offsets: offsets.buffer, sigs: sigs.buffer };
  for (let k = 0; k < spare; k++) {
    try {
      const w = new Worker(WORKER_URL, { execArgv: [], workerData });
      running++;
      workers.push(w);
      let done = false;
      const once = (): void => {
        if (done) return;
        done = true;
        stopped();
      };
      w.once('message', once);
      w.once('error', () => undefined); // 'exit' follows
      w.once('exit', once);
    } catch {
      // no worker: the calling thread's help() or the fallback below does the work
    }
  }
  if (running === 0) {
    running = 1;
    setImmediate(stopped);
  }
  return {
    results: promise,
    help() {
      if (settled) return;
      claimLoop(state, results, data, offsets, sigs, key);
      if (Atomics.load(state, 1) >= n) finish();
    },
  };
};
