// Ed25519 verification where node:crypto is absent (the browser verifier): WebCrypto's Ed25519
// when the platform has it, else @noble/ed25519. Both sit behind the same strictness gate as the
// Node path (ed25519-rules.ts) so every verdict agrees.
// noble's verify is cofactored ([8][S]B = [8]R + [8][k]A) while OpenSSL and BoringSSL are
// cofactorless and compare encodings (RFC 8032 §5.1.7 "check the group equation [S]B = R + [k]A"
// as encode([S]B − [k]A) == R). The mixed-order vectors in noble's edge cases tell them apart, so
// the noble path runs the cofactorless byte comparison with noble's point arithmetic.
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { passesStrictRules } from './ed25519-rules.ts';
import type { Ed25519Verify, Ed25519VerifyBatch, SignatureBatch } from '../base/signer.ts';
import { STEAL_CHUNK, nextTask } from './ed25519-share-worker.ts';
import type { StepJobPort } from './verify-step-job.ts';
import { workerStepJobs } from './ed25519-browser-steps.ts';

ed.hashes.sha512 = sha512;

const L = ed.Point.CURVE().n;

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export const nobleVerify: Ed25519Verify = async (publicKey, message, signature) => {
  if (!passesStrictRules(publicKey, signature)) return false;
  try {
    const A = ed.Point.fromBytes(publicKey, false); // RFC 8032 decoding: y < p, x = 0 needs sign 0
    const r = signature.subarray(0, 32);
    const S = littleEndian(signature.subarray(32, 64)); // < L, checked by the gate
    const input = new Uint8Array(64 + message.length);
    input.set(r, 0);
    input.set(publicKey, 32);
    input.set(message, 64);
    const k = ed.etc.mod(littleEndian(sha512(input)), L);
    const expectedR = ed.Point.BASE.multiply(S, false).subtract(A.multiply(k, false));
    return sameBytes(expectedR.toBytes(), r);
  } catch {
    return false;
  }
};

type Subtle = {
  importKey(format: 'raw', key: Uint8Array, alg: { name: string }, extractable: boolean, usages: string[]): Promise<unknown>;
  verify(alg: { name: string }, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
  digest?(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
};

/**
 * A verifier over WebCrypto's Ed25519; caller must know the platform supports it. Imported keys are
 * cached per public key (a manifest has one runner key for all its signatures, and importKey is an
 * asynchronous round trip of its own); a key WebCrypto refuses stays refused.
 */
export function webCryptoVerify(subtle: Subtle): Ed25519Verify {
  const keys = new Map<string, Promise<unknown>>();
  const importKey = (publicKey: Uint8Array): Promise<unknown> => {
    let hex = '';
    for (let i = 0; i < publicKey.length; i++) hex += (publicKey[i]! < 16 ? '0' : '') + publicKey[i]!.toString(16);
    let key = keys.get(hex);
    if (key === undefined) {
      if (keys.size >= 4096) keys.clear();
      key = subtle.importKey('raw', publicKey.slice(), { name: 'Ed25519' }, false, ['verify']);
      key.catch(() => undefined); // observed here; each caller still sees the rejection
      keys.set(hex, key);
    }
    return key;
  };
  return async (publicKey, message, signature) => {
    if (!passesStrictRules(publicKey, signature)) return false;
    try {
      return await subtle.verify({ name: 'Ed25519' }, await importKey(publicKey), signature, message);
    } catch {
      return false;
    }
  };
}

// RFC 8032 §7.1 TEST 1: a probe that the platform's WebCrypto really verifies Ed25519.
const PROBE_KEY = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const PROBE_SIG = 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';
const fromHex = (h: string) => new Uint8Array(h.match(/../g)!.map((b) => parseInt(b, 16)));

/** WebCrypto Ed25519 when available and working, else noble. */
export async function browserVerify(subtle: Subtle | undefined = globalThis.crypto?.subtle as unknown as Subtle | undefined): Promise<Ed25519Verify> {
  if (!subtle) return nobleVerify;
  try {
    const probe = webCryptoVerify(subtle);
    if (await probe(fromHex(PROBE_KEY), new Uint8Array(0), fromHex(PROBE_SIG))) return probe;
  } catch {
    // fall through to noble
  }
  return nobleVerify;
}

// ---- Batches on Web Workers --------------------------------------------------------------------
// Chromium runs crypto.subtle.verify for Ed25519 synchronously inside the call, on the calling
// thread (measured: issuing 1,000 verifications takes as long as awaiting them). On the page's main
// thread a manifest's signatures would then queue behind the structural checks, so a batch goes to
// dedicated workers (one per spare core, at most two), each verifying its share with WebCrypto in
// its own thread. The workers are created once and kept; they import the key themselves (an
// import here would only resolve after the main thread's work). Same gate and same WebCrypto call
// as webCryptoVerify, so the same verdicts; without workers the batch falls back to webCryptoVerify.
// Once the main thread has done its own work (help), it takes items from the end of each share,
// a chunk at a time, telling the worker where to stop, while the worker goes on from the front:
// the two meet wherever their speeds put them, so neither core idles while the other still has
// signatures (a fixed split would be wrong whenever the page's work or the machine's load varies).

/** Below this many signatures a worker round trip is not worth it. */
const WORKER_BATCH_MIN = 64;

export type WorkerLike = {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: { data?: unknown }) => void): void;
};
export type WorkerFactory = () => WorkerLike;

type ShareItem = { index: number; message: Uint8Array; signature: Uint8Array };

/** One share in flight on a worker: its verdicts (undefined if the worker failed), and a way to tell it where to stop. */
interface ShareRun {
  results: Promise<Uint8Array | undefined>;
  limit(index: number): void;
}

/**
 * A share as three views over one buffer, transferred rather than cloned: the offsets, the 64-byte
 * signatures (the gate let only those through) and the messages end to end. Structured clone would
 * serialize, and the worker allocate, two ArrayBuffers per signature. The buffer comes from `spare`
 * (the worker sends each one back with its results): freshly allocated memory costs its page faults
 * on first touch, ~100× the copy itself (measured in Chromium: 13–36 ms to fill a new 3 MB buffer,
 * 0.2 ms to refill a used one). The items themselves stay with the caller (a worker that fails hands
 * its share back to be verified here).
 */
function pack(items: ShareItem[], spare: ArrayBuffer[]): { data: Uint8Array; offsets: Uint32Array; signatures: Uint8Array; buffer: ArrayBuffer } {
  let total = 0;
  for (const it of items) total += it.message.length;
  const head = 4 * (items.length + 1) + 64 * items.length;
  const buffer = spareBuffer(spare, head + total);
  const offsets = new Uint32Array(buffer, 0, items.length + 1);
  const signatures = new Uint8Array(buffer, 4 * (items.length + 1), 64 * items.length);
  const data = new Uint8Array(buffer, head, total);
  let at = 0;
  items.forEach((it, i) => {
    offsets[i] = at;
    data.set(it.message, at);
    at += it.message.length;
    signatures.set(it.signature, 64 * i);
  });
  offsets[items.length] = at;
  return { data, offsets, signatures, buffer };
}

/** Buffers kept for reuse by pack(): a few, the largest first out of the way of small shares. */
const SPARE_BUFFERS = 6;

/**
 * A buffer of at least `size` bytes: the smallest that fits from `spare` (the workers' returned
 * buffers), else a new one a quarter larger, rounded up to 64 KiB, so that the next share, a little
 * larger or smaller, fits in it when it comes back. A block's share is rarely the size of the one
 * before (steps differ in length), and a buffer that fits none of them is a fresh one per share:
 * its page faults cost ~30 ms a 1,000-step manifest (measured in Chromium's profile, issue 16).
 */
export function spareBuffer(spare: ArrayBuffer[], size: number): ArrayBuffer {
  let best = -1;
  for (let k = 0; k < spare.length; k++) if (spare[k]!.byteLength >= size && (best < 0 || spare[k]!.byteLength < spare[best]!.byteLength)) best = k;
  if (best >= 0) return spare.splice(best, 1)[0]!;
  return new ArrayBuffer(Math.ceil((size * 1.25) / 65536) * 65536);
}

/** Workers created once; each share is one message out (plus limits) and one back, matched by id. */
export class WorkerPool {
  private readonly workers: WorkerLike[] = [];
  private readonly pending = new Map<
    number,
    { worker: WorkerLike; settle: (data: Record<string, unknown> | undefined) => void; partial?: (data: Record<string, unknown>) => void }
  >();
  private next = 0;
  readonly spare: ArrayBuffer[] = [];

  constructor(create: WorkerFactory, count: number) {
    for (let k = 0; k < count; k++) {
      const worker = create();
      // A worker that errs hands every share it holds back to the main thread (undefined results).
      const fail = (): void => {
        for (const [id, share] of this.pending) {
          if (share.worker !== worker) continue;
          this.pending.delete(id);
          share.settle(undefined);
        }
      };
      worker.addEventListener('message', (event) => {
        const data = event.data as { id?: unknown; results?: unknown; recycle?: unknown } | undefined;
        if (data?.recycle instanceof ArrayBuffer && this.spare.length < SPARE_BUFFERS) this.spare.push(data.recycle);
        const share = typeof data?.id === 'number' ? this.pending.get(data.id) : undefined;
        if (!share) return;
        // A partial answer (a step share's progress, ed25519-step-share.ts) leaves the share open.
        if ((data as { partial?: unknown }).partial === true) return void share.partial?.(data as Record<string, unknown>);
        this.pending.delete(data!.id as number);
        share.settle(data as Record<string, unknown>);
      });
      worker.addEventListener('error', fail);
      worker.addEventListener('messageerror', fail);
      this.workers.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Starts one share on worker k. */
  run(k: number, publicKey: Uint8Array, items: ShareItem[]): ShareRun {
    const share = this.post(k, (id) => {
      const { data, offsets, signatures, buffer } = pack(items, this.spare);
      return { message: { id, key: publicKey, data, offsets, signatures }, transfer: [buffer] };
    });
    const results = share.reply.then((data) => (data?.results instanceof Uint8Array && data.results.length === items.length ? data.results : undefined));
    return { results, limit: share.limit };
  }

  /**
   * Sends worker k the message `build` makes for a fresh id; `reply` is the worker's answer, or
   * undefined when the worker failed (then the caller checks the share itself); messages marked
   * `partial` before it go to `partial`. `limit(index)` tells the worker to stop before item
   * `index` (a message of `kind`, when given).
   */
  post(
    k: number,
    build: (id: number) => { message: unknown; transfer: ArrayBuffer[] },
    partial?: (data: Record<string, unknown>) => void,
    kind?: string,
  ): { reply: Promise<Record<string, unknown> | undefined>; limit(index: number): void } {
    const id = this.next++;
    const worker = this.workers[k]!;
    const reply = new Promise<Record<string, unknown> | undefined>((settle) => {
      this.pending.set(id, partial ? { worker, settle, partial } : { worker, settle });
      try {
        const { message, transfer } = build(id);
        worker.postMessage(message, transfer);
      } catch {
        this.pending.delete(id);
        settle(undefined);
      }
    });
    return {
      reply,
      limit: (index) => {
        if (!this.pending.has(id)) return;
        try {
          worker.postMessage(kind === undefined ? { id, limit: index } : { id, kind, limit: index });
        } catch {
          // the worker then simply verifies the whole share; the verdicts are the same
        }
      },
    };
  }
}

/**
 * A batch port over WebCrypto in Web Workers (`workers` of them, default: one per spare core, at
 * most two). `create` makes one worker running shareVerifier (ed25519-share-worker.ts); by default a
 * module worker loaded from ed25519-browser-worker.ts, which the site's bundler emits as a file.
 * Returns undefined where workers are not available.
 */
export function webWorkerVerifyBatch(
  subtle: Subtle,
  options: { workers?: number; create?: WorkerFactory; eager?: boolean } = {},
): Ed25519VerifyBatch | undefined {
  return webWorkerVerifyPorts(subtle, options)?.batch;
}

/** Messages at least this long are verified on a worker by webWorkerVerifyPorts' `verify`. */
export const WORKER_MESSAGE_MIN = 64 * 1024;

/**
 * The two ports a browser verifier uses, over one pool of workers: `batch` (webWorkerVerifyBatch)
 * for the step signatures, and `verify` for single signatures, which sends a message of
 * WORKER_MESSAGE_MIN bytes or more to a worker. Ed25519 hashes its whole message (RFC 8032 §5.1.7,
 * SHA-512 of R ‖ A ‖ M): for a 1,000-step manifest the manifest signature covers ~3 MB, measured at
 * 25–40 ms of the page's main thread under load (issue 16), time the main thread's structural checks
 * and its share of the step signatures need. Same gate and same WebCrypto call, so the same
 * verdicts; a worker that fails hands the signature back to webCryptoVerify on the calling thread.
 */
export function webWorkerVerifyPorts(
  subtle: Subtle,
  options: { workers?: number; create?: WorkerFactory; eager?: boolean } = {},
): { batch: Ed25519VerifyBatch; verify: Ed25519Verify; steps?: StepJobPort } | undefined {
  const g = globalThis as { navigator?: { hardwareConcurrency?: number } };
  let create = options.create;
  if (!create) {
    if (typeof Worker === 'undefined') return undefined;
    // Written out in full on one call: Vite bundles a worker only from this literal pattern.
    create = () => new Worker(new URL('./ed25519-browser-worker.ts', import.meta.url), { type: 'module' }) as WorkerLike;
  }
  const count = options.workers ?? Math.max(1, Math.min(2, (g.navigator?.hardwareConcurrency ?? 2) - 1));
  let pool: WorkerPool | undefined;
  // eager: the workers start (fetch, parse, their own set-up) now, while the page waits for a
  // manifest, rather than inside the first verification's time.
  if (options.eager) {
    try {
      pool = new WorkerPool(create, count);
    } catch {
      pool = undefined; // created on first use, or the batch falls back to per-call verification
    }
  }
  const fallback = webCryptoVerify(subtle);
  const verify: Ed25519Verify = async (publicKey, message, signature) => {
    if (message.length < WORKER_MESSAGE_MIN) return fallback(publicKey, message, signature);
    if (!passesStrictRules(publicKey, signature)) return false;
    try {
      pool ??= new WorkerPool(create!, count);
    } catch {
      return fallback(publicKey, message, signature);
    }
    // The last worker: with two, the first one's share is the one the main thread joins first.
    const got = await pool.run(pool.size - 1, publicKey, [{ index: 0, message, signature }]).results;
    const r = got?.[0];
    return r === 1 || r === 2 ? r === 1 : fallback(publicKey, message, signature);
  };
  const batch: Ed25519VerifyBatch = (publicKey, items) => {
    const perCall = (): SignatureBatch => ({ results: Promise.all(items.map((it) => fallback(publicKey, it.message, it.signature))), help: () => undefined });
    if (items.length < WORKER_BATCH_MIN) return perCall();
    try {
      pool ??= new WorkerPool(create!, count);
    } catch {
      return perCall();
    }
    const verdicts: boolean[] = new Array(items.length).fill(false);
    const checked: ShareItem[] = [];
    items.forEach((it, index) => {
      if (passesStrictRules(publicKey, it.signature)) checked.push({ index, message: it.message, signature: it.signature });
    });
    const size = Math.ceil(checked.length / pool.size);
    const shares = Array.from({ length: pool.size }, (_, k) => checked.slice(k * size, (k + 1) * size)).filter((s) => s.length > 0);
    // Per share: the run, whether its results are in, and the main thread's cursor (it has
    // verified items [from, length) itself, into mine[]).
    const mine = new Map<number, boolean>();
    const states = shares.map((share, k) => {
      const state = { share, run: pool!.run(k, publicKey, share), settled: false, from: share.length };
      void state.run.results.then(() => (state.settled = true));
      return state;
    });
    let helping: Promise<void> | undefined;
    const help = async (): Promise<void> => {
      for (;;) {
        const open = states.filter((s) => !s.settled && s.from > 0);
        if (open.length === 0) return;
        for (const s of open) {
          const to = Math.max(0, s.from - STEAL_CHUNK);
          s.run.limit(to); // before verifying: the worker must not count on these
          for (let j = s.from - 1; j >= to; j--) {
            const it = s.share[j]!;
            mine.set(it.index, await fallback(publicKey, it.message, it.signature));
          }
          s.from = to;
        }
        await nextTask(); // a worker's results may be in: then its share is done
      }
    };
    const results = (async () => {
      const all = await Promise.all(states.map((s) => s.run.results));
      await helping;
      for (const [k, s] of states.entries()) {
        const got = all[k];
        for (const [j, it] of s.share.entries()) {
          const r = got?.[j];
          if (r === 1 || r === 2) verdicts[it.index] = r === 1;
          else verdicts[it.index] = mine.get(it.index) ?? (await fallback(publicKey, it.message, it.signature));
        }
      }
      return verdicts;
    })();
    return { results, help: () => void (helping ??= help()) };
  };
  const pooled = (): WorkerPool | undefined => {
    try {
      return (pool ??= new WorkerPool(create!, count));
    } catch {
      return undefined;
    }
  };
  // Step jobs need WebCrypto's digest too (a method of the real SubtleCrypto: passed as the object, never detached).
  if (typeof subtle.digest !== 'function') return { batch, verify };
  return { batch, verify, steps: workerStepJobs(subtle as Parameters<typeof workerStepJobs>[0], pooled) };
}
