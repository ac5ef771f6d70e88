// What a browser verify worker does with its messages (webWorkerVerifyBatch, ed25519-browser.ts):
// input {id, key (raw 32 bytes), data, offsets, signatures}, three views over one transferred
// buffer (item i's message is data[offsets[i] … offsets[i+1]), its signature
// signatures[64i … 64i+64)); later {id, limit}: stop before item `limit` (the main thread has taken
// the rest); output {id, results, recycle} with 1 (valid), 2 (invalid) or 0 (left to the main
// thread) per item, and the share's buffer back for the main thread's next share. Between chunks it
// yields one task (a MessageChannel round trip, not setTimeout, whose nesting clamp is 4 ms; one
// channel per thread, kept) so that a limit message gets in. Same WebCrypto call as
// webCryptoVerify, so the same verdicts. Kept apart from the worker entry (ed25519-browser-worker.ts)
// so tests drive it in-thread; plain module code, no source text.

/** Items per chunk on either side: between chunks the threads read each other's messages. */
export const STEAL_CHUNK = 16;

/** The WebCrypto calls a worker makes (the worker's crypto.subtle). */
export interface WorkerSubtle {
  importKey(format: 'raw', key: Uint8Array, alg: { name: string }, extractable: boolean, usages: string[]): Promise<unknown>;
  verify(alg: { name: string }, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}

export type PostResults = (message: { id: number; results: Uint8Array; recycle?: ArrayBuffer }, transfer: ArrayBuffer[]) => void;

interface ShareMessage {
  id: number;
  key?: Uint8Array;
  data?: Uint8Array;
  offsets?: Uint32Array;
  signatures?: Uint8Array;
  limit?: number;
}

/** The share's items, or undefined when the buffers do not describe one (then nothing is answered). */
function unpack(data: Uint8Array, offsets: Uint32Array, signatures: Uint8Array): Array<{ message: Uint8Array; signature: Uint8Array }> | undefined {
  const n = offsets.length - 1;
  if (n < 0 || signatures.length !== 64 * n || offsets[0] !== 0 || offsets[n] !== data.length) return undefined;
  const items: Array<{ message: Uint8Array; signature: Uint8Array }> = [];
  for (let i = 0; i < n; i++) {
    if (offsets[i + 1]! < offsets[i]!) return undefined;
    items.push({ message: data.subarray(offsets[i]!, offsets[i + 1]!), signature: signatures.subarray(64 * i, 64 * i + 64) });
  }
  return items;
}

// One channel per thread, made on first use and kept: `new MessageChannel()` is not a cheap object in
// a browser (two entangled ports over a fresh message pipe), and a 1,000-signature share yields ~60
// times on each side (issue 16: the worker path cost the page's renderer 150–250 ms more CPU than
// verifying on the main thread). Node keeps its loop alive for a referenced port, so the port is
// referenced only while a task is awaited (ref/unref exist in Node only).
type Port = MessagePort & { ref?: () => void; unref?: () => void };
let taskPort: Port | undefined;
let taskSender: MessagePort | undefined;
const waiting: Array<() => void> = [];

/** One task later (lets the other side's messages in): a MessageChannel round trip, not setTimeout. */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    if (!taskPort || !taskSender) {
      const channel = new MessageChannel();
      taskPort = channel.port1 as Port;
      taskSender = channel.port2;
      (taskSender as Port).unref?.();
      taskPort.onmessage = () => {
        waiting.shift()?.();
        if (waiting.length === 0) taskPort!.unref?.();
      };
    }
    waiting.push(resolve);
    taskPort.ref?.();
    taskSender.postMessage(0);
  });
}

const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** The worker's message handler: one per worker, keys imported once per public key. */
export function shareVerifier(subtle: WorkerSubtle, post: PostResults): (data: ShareMessage) => Promise<void> {
  const keys = new Map<string, Promise<unknown>>();
  const limits = new Map<number, number>();
  return async ({ id, key, data, offsets, signatures, limit }) => {
    if (limit !== undefined) {
      const current = limits.get(id);
      if (current !== undefined && limit < current) limits.set(id, limit);
      return;
    }
    if (!key || !data || !offsets || !signatures) return;
    const items = unpack(data, offsets, signatures);
    if (!items) return post({ id, results: new Uint8Array(0) }, []); // not the share's length: the main thread verifies it
    limits.set(id, items.length);
    const results = new Uint8Array(items.length);
    const hex = toHex(key);
    let imported = keys.get(hex);
    if (imported === undefined) {
      imported = subtle.importKey('raw', key, { name: 'Ed25519' }, false, ['verify']);
      imported.catch(() => undefined);
      keys.set(hex, imported);
    }
    let cryptoKey: unknown;
    try {
      cryptoKey = await imported;
    } catch {
      cryptoKey = undefined;
    }
    for (let i = 0; i < items.length; i++) {
      if (i > 0 && i % STEAL_CHUNK === 0) await nextTask();
      if (i >= limits.get(id)!) break;
      let ok = false;
      if (cryptoKey !== undefined) {
        try {
          ok = (await subtle.verify({ name: 'Ed25519' }, cryptoKey, items[i]!.signature, items[i]!.message)) === true;
        } catch {
          ok = false;
        }
      }
      results[i] = ok ? 1 : 2;
    }
    limits.delete(id);
    // The share's buffer goes back with the verdicts, for the main thread's next share (pack()).
    const recycle = data.buffer instanceof ArrayBuffer ? data.buffer : undefined;
    post(recycle ? { id, results, recycle } : { id, results }, recycle ? [results.buffer, recycle] : [results.buffer]);
  };
}
