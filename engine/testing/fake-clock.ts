// A deterministic Clock for tests: time stands still until the test moves it. Sleeps and timers
// fire in (due time, creation order) when `advance`/`runAll` passes them, and the microtask queue
// is drained between firings so that code reacting to one timer can schedule the next one inside
// the same advance (e.g. a retry's backoff after a timeout).
import { sleepWithTimer } from '../runtime/clock.ts';
import type { CancelTimer, Clock } from '../base/clock.ts';

export interface PendingTimer {
  seq: number; // creation order
  dueAt: number;
  delayMs: number; // what was asked for
  createdAt: number;
}

interface Timer extends PendingTimer {
  callback: () => void;
}

/** Lets queued promise reactions (and the ones they queue) run. setImmediate runs after all microtasks. */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();
  /** Every delay ever requested, in request order: assert backoff schedules against it. */
  readonly requestedDelays: number[] = [];

  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimer(ms: number, callback: () => void): CancelTimer {
    const delayMs = Math.max(0, ms);
    const seq = this.seq++;
    this.requestedDelays.push(delayMs);
    this.timers.set(seq, { seq, dueAt: this.time + delayMs, delayMs, createdAt: this.time, callback });
    return () => {
      this.timers.delete(seq);
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWithTimer((d, cb) => this.setTimer(d, cb), ms, signal);
  }

  /** Timers not yet fired or cancelled, earliest first. */
  pending(): PendingTimer[] {
    return [...this.timers.values()].sort(byDue).map(({ seq, dueAt, delayMs, createdAt }) => ({ seq, dueAt, delayMs, createdAt }));
  }

  get pendingCount(): number {
    return this.timers.size;
  }

  /** Due time of the earliest pending timer, or undefined when none. */
  nextDueAt(): number | undefined {
    return this.earliest()?.dueAt;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way, in order. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new RangeError(`FakeClock.advance: ms must be >= 0, got ${ms}`);
    const target = this.time + ms;
    await flushMicrotasks();
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.dueAt > target) break;
      this.timers.delete(next.seq);
      this.time = next.dueAt;
      next.callback();
      await flushMicrotasks();
    }
    this.time = target;
    await flushMicrotasks();
  }

  /** Advances to the next pending timer and fires it (and any due at the same time). */
  async advanceToNext(): Promise<boolean> {
    await flushMicrotasks();
    const due = this.nextDueAt();
    if (due === undefined) return false;
    await this.advance(due - this.time);
    return true;
  }

  /** Fires timers until none is left; throws after `limit` firings (a timer loop that never ends). */
  async runAll(limit = 100_000): Promise<void> {
    for (let i = 0; i < limit; i++) if (!(await this.advanceToNext())) return;
    throw new Error(`FakeClock.runAll: still ${this.timers.size} timer(s) pending after ${limit} firings`);
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers.values()) if (best === undefined || byDue(t, best) < 0) best = t;
    return best;
  }
}

function byDue(a: PendingTimer, b: PendingTimer): number {
  return a.dueAt - b.dueAt || a.seq - b.seq;
}
