// For cel-sandbox.test.ts: a thread that wakes a waiter on flag[0] without setting it (the late
// notify of a previous evaluation), then sets and notifies it for real `setAfterMs` later.
import { workerData } from 'node:worker_threads';

const { buffer, notifyAfterMs, setAfterMs } = workerData as { buffer: SharedArrayBuffer; notifyAfterMs: number; setAfterMs: number };
const flag = new Int32Array(buffer);
const pause = new Int32Array(new SharedArrayBuffer(4));
Atomics.wait(pause, 0, 0, notifyAfterMs);
Atomics.notify(flag, 0);
Atomics.wait(pause, 0, 0, setAfterMs);
Atomics.store(flag, 0, 1);
Atomics.notify(flag, 0);
