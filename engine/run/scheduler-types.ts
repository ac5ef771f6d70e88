// The scheduler's vocabulary: what it is given, what it reports while running, what it returns.
// Generic over the step's value: it knows nothing about step kinds, attestations or provers.
import type { Clock } from '../base/clock.ts';
import type { PcqIssue } from '../base/errors.ts';
import type { RetryPolicy } from '../model/runbook.ts';

export interface ScheduleNode {
  id: string;
  /** Ids of nodes that must succeed first; each must appear earlier in `nodes`. */
  needs: readonly string[];
  /** Default: DEFAULT_RETRY (3 attempts, 2 s / 4 s / 8 s). */
  retry?: RetryPolicy;
  /** Per-attempt limit; default DEFAULT_TIMEOUT_MS. 0 or Infinity: no limit. */
  timeoutMs?: number;
}

export interface StepContext {
  /** Aborts on timeout (reason: PcqError PCQ_STEP_TIMEOUT) or when the run is aborted (PCQ_RUN_ABORTED). */
  readonly signal: AbortSignal;
  /** 1 for the first try. */
  readonly attempt: number;
}

export interface ScheduleOptions<T> {
  /** Already validated, in deterministic topological order (ties by id). */
  nodes: readonly ScheduleNode[];
  concurrency: number;
  clock: Clock;
  run: (id: string, ctx: StepContext) => Promise<T>;
  onEvent?: (event: SchedulerEvent) => void;
  /** Default: isRetryable from retry-policy.ts. */
  shouldRetry?: (err: unknown) => boolean;
  /** Aborting it aborts running steps and skips the rest. */
  signal?: AbortSignal;
  /**
   * Called once per node, synchronously, with the one attempt whose outcome counts: on success
   * before any dependant can start, on the final failure before the run moves on. An attempt that
   * timed out or was aborted is never accepted as a success, even if its promise resolves later;
   * this is where a caller commits an attempt's work (issue 9, "only accepted attempts exist").
   * If it throws on a success, the node fails with that error instead (no retry).
   */
  onAccepted?: (id: string, accepted: Accepted<T>) => void;
}

/** The outcome the scheduler accepted for a node. */
export type Accepted<T> =
  | { ok: true; attempt: number; value: T }
  /** `abandoned`: the attempt was cut off (timeout, run abort) or never ran, so nothing it produced may count. */
  | { ok: false; attempt: number; error: unknown; abandoned: boolean };

export type NodeStatus = 'succeeded' | 'failed' | 'skipped';

/**
 * Why a node never ran: `dependency-failed` (a need failed, or was skipped for that reason),
 * `fail-fast` (another step failed, so nothing new started), `aborted` (the run's signal aborted).
 */
export type SkipReason = 'dependency-failed' | 'fail-fast' | 'aborted' | BranchSkip | 'rejected' | 'paused';

/** A branch not taken (run/conditions.ts): the scheduler never produces these, the run reports them. */
export type BranchSkip = 'condition-false' | 'parents-skipped';

export interface NodeResult<T> {
  id: string;
  status: NodeStatus;
  value?: T;
  /** The final failure as a coded issue; `thrown` keeps the original value for the caller. */
  error?: PcqIssue;
  thrown?: unknown;
  attempts: number;
  /** Clock times (ms) of the first attempt's start and the final outcome; absent when skipped. */
  startedAt?: number;
  finishedAt?: number;
  durationMs?: number;
  skipReason?: SkipReason;
  /** For `dependency-failed`: the failed step that caused the skip. */
  blockedBy?: string;
}

export interface ScheduleResult<T> {
  ok: boolean; // every node succeeded
  aborted: boolean;
  /** In the order of `nodes`. */
  results: NodeResult<T>[];
  byId: Map<string, NodeResult<T>>;
  startedAt: number;
  finishedAt: number;
  durationMs: number;
}

export type SchedulerEvent =
  | { type: 'step-started'; id: string; attempt: number; at: number }
  /** `attempt` is the attempt that failed; the next one starts after `delayMs`. */
  | { type: 'step-retried'; id: string; attempt: number; delayMs: number; error: PcqIssue; at: number }
  /** `blockedBy`: set by the run (execute-run.ts), never by the scheduler: the step ran, but one of its
   *  provers failed and blocked the run, as "<phase> <prover>" (shown as blocked, issue 14 §7). */
  | { type: 'step-finished'; id: string; durationMs: number; attempts: number; at: number; blockedBy?: string }
  | { type: 'step-failed'; id: string; error: PcqIssue; attempts: number; durationMs: number; at: number }
  | { type: 'step-skipped'; id: string; reason: SkipReason; blockedBy?: string; at: number };
