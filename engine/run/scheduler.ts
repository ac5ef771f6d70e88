// A generic DAG scheduler: runs nodes whose needs have succeeded, up to `concurrency` at once,
// starting ready nodes in topological-order position (the deterministic order of docs/design.md §5), with
// per-attempt timeouts, retries with backoff and fail-fast. It knows nothing about step kinds.
//
// Semantics (what callers may rely on):
// - A node starts only after every node in its `needs` succeeded.
// - Timeout: the attempt's signal aborts with PcqError PCQ_STEP_TIMEOUT and the attempt fails at
//   once, even if `run` ignores the signal (its late result is then ignored: it is never accepted).
// - Acceptance: exactly one attempt per node is accepted (`onAccepted`): the successful one, before
//   any dependant starts, or the final failure. Callers commit an attempt's work there and only there.
// - Retry: a failed attempt is retried while attempts remain and `shouldRetry(err)` holds (by
//   default only transient failures, base/error-catalogue.ts); the
//   wait before attempt n+1 is retry.backoffMs[n-1], the last value repeating. A node keeps its
//   concurrency slot while it waits, so a retry never queues behind later nodes.
// - Fail-fast: after a node's final failure no new node starts. Nodes already running (including
//   their pending retries) are left to finish, so their outcome is a truthful one; never-started
//   nodes end `skipped` (reason `dependency-failed` when downstream of a failure, else `fail-fast`).
// - External abort (`signal`): running attempts are aborted with PCQ_RUN_ABORTED and fail without
//   retry; pending retries are cancelled; never-started nodes end `skipped` with reason `aborted`.
// Cost: O(V + E) plus O(log V) per start for the ready heap; no per-step array copies.
import { DEFAULT_RETRY, DEFAULT_TIMEOUT_MS } from '../model/runbook.ts';
import type { CancelTimer } from '../base/clock.ts';
import { PcqError } from '../base/errors.ts';
import { abortError, timeoutError, toIssue } from './scheduler-errors.ts';
import { ReadyHeap } from './ready-heap.ts';
import { backoffDelay, isRetryable } from './retry-policy.ts';
import type { NodeResult, ScheduleOptions, ScheduleResult, SchedulerEvent, SkipReason, StepContext } from './scheduler-types.ts';

export type * from './scheduler-types.ts';

// A step's state starts at 0 (waiting): the Uint8Array is zero-filled.
const RUNNING = 1;
const SUCCEEDED = 2;
const FAILED = 3;
const SKIPPED = 4;

const noTimer: CancelTimer = () => {};

/** One try of one node. The AbortController is created only if the step reads `signal`. */
class Attempt implements StepContext {
  readonly attempt: number;
  settled = false;
  cancelTimer: CancelTimer = noTimer;
  private controller: AbortController | undefined;
  private abortedWith: unknown;
  private aborted = false;

  constructor(attempt: number) {
    this.attempt = attempt;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortedWith);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortedWith = reason;
    this.controller?.abort(reason);
  }
}

export function schedule<T>(opts: ScheduleOptions<T>): Promise<ScheduleResult<T>> {
  const { nodes, clock, run, onEvent, signal, onAccepted } = opts;
  const shouldRetry = opts.shouldRetry ?? isRetryable;
  const n = nodes.length;
  const concurrency = opts.concurrency;
  if (!(concurrency >= 1)) {
    throw new PcqError({
      code: 'PCQ_SCHEDULE_INVALID',
      message: `concurrency must be at least 1, got ${String(concurrency)}.`,
      hint: 'Set concurrency to a positive integer (flag --concurrency, PCQ_CONCURRENCY or policies/config.yaml).',
    });
  }
  const graph = indexGraph(nodes);

  const status = new Uint8Array(n);
  const attempts = new Int32Array(n);
  const startedAt = new Float64Array(n);
  const finishedAt = new Float64Array(n);
  const values: Array<T | undefined> = new Array<T | undefined>(n);
  const thrown: unknown[] = new Array<unknown>(n);
  const current: Array<Attempt | undefined> = new Array<Attempt | undefined>(n);
  const retryTimers: Array<CancelTimer | undefined> = new Array<CancelTimer | undefined>(n);
  const indegree = graph.indegree;
  const heap = new ReadyHeap(Math.min(n, 1024));
  for (let i = 0; i < n; i++) if (indegree[i] === 0) heap.push(i);

  let inFlight = 0;
  let stopped = false;
  let aborted = false;
  let finished = false;
  const runStartedAt = clock.now();

  const emit = (event: SchedulerEvent): void => {
    // A progress renderer must never change a run's outcome: listener errors are dropped.
    try {
      onEvent?.(event);
    } catch {
      /* ignored on purpose */
    }
  };

  return new Promise<ScheduleResult<T>>((resolve) => {
    const finish = (): void => {
      if (finished) return;
      finished = true;
      signal?.removeEventListener('abort', onExternalAbort);
      resolve(collect());
    };

    const start = (i: number): void => {
      status[i] = RUNNING;
      inFlight++;
      startedAt[i] = clock.now();
      runAttempt(i);
    };

    const runAttempt = (i: number): void => {
      retryTimers[i] = undefined;
      const attempt = new Attempt(++(attempts[i] as number));
      current[i] = attempt;
      const node = nodes[i]!;
      if (onEvent) emit({ type: 'step-started', id: node.id, attempt: attempt.attempt, at: clock.now() });
      const timeoutMs = node.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      if (timeoutMs > 0 && timeoutMs < Infinity) {
        attempt.cancelTimer = clock.setTimer(timeoutMs, () => {
          const err = timeoutError(node.id, timeoutMs, attempt.attempt);
          attempt.abort(err);
          settle(i, attempt, false, err, true);
        });
      }
      let promise: Promise<T>;
      try {
        promise = run(node.id, attempt);
      } catch (err) {
        promise = Promise.reject(err);
      }
      Promise.resolve(promise).then(
        (value) => settle(i, attempt, true, value),
        (err: unknown) => settle(i, attempt, false, err),
      );
    };

    const settle = (i: number, attempt: Attempt, ok: boolean, outcome: unknown, abandoned = false): void => {
      if (attempt.settled) return; // a late result after a timeout or abort: never accepted
      attempt.settled = true;
      attempt.cancelTimer();
      current[i] = undefined;
      if (ok) {
        const refused = accept(nodes[i]!.id, { ok: true, attempt: attempt.attempt, value: outcome as T });
        return refused === undefined ? succeed(i, outcome as T) : fail(i, refused.error, attempt.attempt, false, false);
      }
      const node = nodes[i]!;
      const policy = node.retry ?? DEFAULT_RETRY;
      if (!aborted && attempt.attempt < policy.attempts && shouldRetry(outcome)) {
        const delayMs = backoffDelay(policy, attempt.attempt);
        if (onEvent) emit({ type: 'step-retried', id: node.id, attempt: attempt.attempt, delayMs, error: toIssue(outcome), at: clock.now() });
        retryTimers[i] = clock.setTimer(delayMs, () => runAttempt(i));
        return;
      }
      fail(i, outcome, attempt.attempt, abandoned);
    };

    /** Hands the accepted outcome to the caller; a throw refuses a success (returned as the error). */
    const accept = (id: string, accepted: Parameters<NonNullable<typeof onAccepted>>[1]): { error: unknown } | undefined => {
      if (!onAccepted) return undefined;
      try {
        onAccepted(id, accepted);
        return undefined;
      } catch (error) {
        return { error };
      }
    };

    const succeed = (i: number, value: T): void => {
      status[i] = SUCCEEDED;
      finishedAt[i] = clock.now();
      values[i] = value;
      inFlight--;
      if (onEvent) emit({ type: 'step-finished', id: nodes[i]!.id, durationMs: finishedAt[i]! - startedAt[i]!, attempts: attempts[i]!, at: finishedAt[i]! });
      const { dependentsStart, dependents } = graph;
      for (let k = dependentsStart[i]!, end = dependentsStart[i + 1]!; k < end; k++) {
        const d = dependents[k]!;
        if (--indegree[d]! === 0) heap.push(d);
      }
      pump();
    };

    const fail = (i: number, err: unknown, attemptNo: number, abandoned: boolean, notify = true): void => {
      if (notify) accept(nodes[i]!.id, { ok: false, attempt: attemptNo, error: err, abandoned });
      status[i] = FAILED;
      finishedAt[i] = clock.now();
      thrown[i] = err;
      inFlight--;
      stopped = true;
      if (onEvent)
        emit({
          type: 'step-failed',
          id: nodes[i]!.id,
          error: toIssue(err),
          attempts: attempts[i]!,
          durationMs: finishedAt[i]! - startedAt[i]!,
          at: finishedAt[i]!,
        });
      pump();
    };

    const pump = (): void => {
      while (!stopped && inFlight < concurrency && heap.size > 0) start(heap.pop());
      if (inFlight === 0 && (stopped || heap.size === 0)) finish();
    };

    function onExternalAbort(): void {
      aborted = true;
      stopped = true;
      const err = abortError(signal!.reason);
      for (let i = 0; i < n; i++) {
        if (status[i] !== RUNNING) continue;
        const waiting = retryTimers[i];
        if (waiting !== undefined) {
          waiting();
          retryTimers[i] = undefined;
          fail(i, err, attempts[i]!, true);
          continue;
        }
        const attempt = current[i];
        if (attempt !== undefined) {
          attempt.abort(err);
          settle(i, attempt, false, err, true);
        }
      }
      pump();
    }

    const collect = (): ScheduleResult<T> => {
      const results: NodeResult<T>[] = new Array<NodeResult<T>>(n);
      const byId = new Map<string, NodeResult<T>>();
      const skipReason: Array<SkipReason | undefined> = new Array<SkipReason | undefined>(n);
      const blockedBy: Array<string | undefined> = new Array<string | undefined>(n);
      const at = clock.now();
      let ok = true;
      for (let i = 0; i < n; i++) {
        const id = nodes[i]!.id;
        let result: NodeResult<T>;
        if (status[i] === SUCCEEDED || status[i] === FAILED) {
          result = {
            id,
            status: status[i] === SUCCEEDED ? 'succeeded' : 'failed',
            attempts: attempts[i]!,
            startedAt: startedAt[i]!,
            finishedAt: finishedAt[i]!,
            durationMs: finishedAt[i]! - startedAt[i]!,
          };
          if (status[i] === SUCCEEDED) result.value = values[i];
          else {
            ok = false;
            result.error = toIssue(thrown[i]);
            result.thrown = thrown[i];
          }
        } else {
          ok = false;
          status[i] = SKIPPED;
          let reason: SkipReason = aborted ? 'aborted' : 'fail-fast';
          let cause: string | undefined;
          for (let k = graph.needsStart[i]!, end = graph.needsStart[i + 1]!; k < end; k++) {
            const need = graph.needs[k]!;
            if (status[need] === FAILED || skipReason[need] === 'dependency-failed') {
              reason = 'dependency-failed';
              cause = status[need] === FAILED ? nodes[need]!.id : blockedBy[need];
              break;
            }
          }
          skipReason[i] = reason;
          blockedBy[i] = cause;
          result = { id, status: 'skipped', attempts: 0, skipReason: reason };
          if (cause !== undefined) result.blockedBy = cause;
          if (onEvent) emit(cause === undefined ? { type: 'step-skipped', id, reason, at } : { type: 'step-skipped', id, reason, blockedBy: cause, at });
        }
        results[i] = result;
        byId.set(id, result);
      }
      return { ok, aborted, results, byId, startedAt: runStartedAt, finishedAt: at, durationMs: at - runStartedAt };
    };

    if (signal?.aborted) onExternalAbort();
    else signal?.addEventListener('abort', onExternalAbort, { once: true });
    pump();
  });
}

interface IndexedGraph {
  indegree: Int32Array;
  /** CSR adjacency: dependents of i are dependents[dependentsStart[i] .. dependentsStart[i+1]). */
  dependentsStart: Int32Array;
  dependents: Int32Array;
  needsStart: Int32Array;
  needs: Int32Array;
}

/** Resolves ids to positions in two passes (counts, then fill): O(V + E), typed arrays only. */
function indexGraph(nodes: ScheduleOptions<unknown>['nodes']): IndexedGraph {
  const n = nodes.length;
  const position = new Map<string, number>();
  let edges = 0;
  for (let i = 0; i < n; i++) {
    const node = nodes[i]!;
    if (position.has(node.id)) throw invalid(`node "${node.id}" appears twice.`);
    position.set(node.id, i);
    edges += node.needs.length;
  }
  const indegree = new Int32Array(n);
  const dependentsStart = new Int32Array(n + 1);
  const needsStart = new Int32Array(n + 1);
  const needs = new Int32Array(edges);
  let e = 0;
  for (let i = 0; i < n; i++) {
    needsStart[i] = e;
    for (const needId of nodes[i]!.needs) {
      const p = position.get(needId);
      if (p === undefined) throw invalid(`node "${nodes[i]!.id}" needs "${needId}", which is not a node.`);
      if (p >= i) throw invalid(`node "${nodes[i]!.id}" needs "${needId}", which comes after it: nodes must be in topological order.`);
      needs[e++] = p;
      indegree[i]!++;
      dependentsStart[p + 1]!++;
    }
  }
  needsStart[n] = e;
  for (let i = 0; i < n; i++) dependentsStart[i + 1]! += dependentsStart[i]!;
  const fill = dependentsStart.slice(0, n);
  const dependents = new Int32Array(edges);
  for (let i = 0; i < n; i++) {
    for (let k = needsStart[i]!; k < needsStart[i + 1]!; k++) dependents[fill[needs[k]!]!++] = i;
  }
  return { indegree, dependentsStart, dependents, needsStart, needs };
}

function invalid(message: string): PcqError {
  return new PcqError({
    code: 'PCQ_SCHEDULE_INVALID',
    message: `Cannot schedule: ${message}`,
    hint: 'Pass the nodes from the planner (engine/plan), which validates and orders them.',
  });
}
