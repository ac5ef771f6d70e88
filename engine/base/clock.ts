// The Clock port: every wait in pcq (retry backoff, step timeouts, polling) goes through it, so
// tests pass a fake clock. Times are monotonic milliseconds, never wall-clock dates.
// Implementations: runtime/clock.ts (real), testing/fake-clock.ts.

export interface Clock {
  /** Monotonic milliseconds since an arbitrary origin. */
  now(): number;
  /** Resolves after `ms`; rejects with `signal.reason` as soon as the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `callback` once after `ms` unless cancelled first. Cheaper than `sleep` + AbortController
   * for hot paths such as per-step timeouts, which are almost always cancelled.
   */
  setTimer(ms: number, callback: () => void): CancelTimer;
}

export type CancelTimer = () => void;
