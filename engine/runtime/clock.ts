// The Clock port: every wait in pcq (retry backoff, step timeouts, polling) goes through it, so
// tests pass a fake clock and assert the 2 s / 4 s / 8 s backoff without sleeping (docs/design.md §4,
// ports as parameters). Times are monotonic milliseconds, never wall-clock dates: signed content
// takes its time from the run's `asOf`, not from here (docs/design.md §5 Determinism).
import { PcqError } from '../base/errors.ts';
import type { CancelTimer, Clock } from '../base/clock.ts';

/** The reason a sleep rejects with when its signal aborted without a reason of its own. */
export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new PcqError({ code: 'PCQ_ABORTED', message: 'The operation was aborted.' });
}

/** Builds `sleep` from `setTimer`, so real and fake clocks share one abort behaviour. */
export function sleepWithTimer(setTimer: Clock['setTimer'], ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise<void>((resolve, reject) => {
    if (signal === undefined) {
      setTimer(ms, resolve);
      return;
    }
    const onAbort = (): void => {
      cancel();
      reject(abortReason(signal));
    };
    const cancel = setTimer(ms, () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function realSetTimer(ms: number, callback: () => void): CancelTimer {
  const handle = setTimeout(callback, Math.max(0, ms));
  return () => clearTimeout(handle);
}

/** The real clock: performance.now() and Node timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: realSetTimer,
  sleep: (ms, signal) => sleepWithTimer(realSetTimer, ms, signal),
};
