// Retry decisions shared by the scheduler and anything else that retries (connectors, SMTP):
// which failures are worth another try, and how long to wait before it (FORMATS: `retry:
// {attempts, backoff}`, default 3 attempts, 2 s / 4 s / 8 s, the last value repeating).
import { PcqError } from '../base/errors.ts';
import type { RetryPolicy } from '../model/runbook.ts';

/**
 * Codes that describe a verdict, not a hiccup: trying again would give the same answer (or must
 * not happen at all, for an aborted run). Every other failure, PCQ_STEP_TIMEOUT included, is retried.
 */
export const NON_RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'PCQ_RUN_ABORTED',
  'PCQ_ABORTED',
  'PCQ_ASSERTION_FAILED',
  'PCQ_PRECONDITION_FAILED',
  'PCQ_POSTCONDITION_FAILED',
  'PCQ_POLICY_DENIED',
  'PCQ_USAGE',
  'PCQ_SCHEMA_INVALID',
  'PCQ_CEL_ERROR',
  'PCQ_INPUT_INVALID',
  'PCQ_SECRET_MISSING',
  'PCQ_SIGNATURE_INVALID',
]);

/** Default retry test: `err.retryable === false` or a code in NON_RETRYABLE_CODES stops retrying. */
export function isRetryable(err: unknown): boolean {
  if (err !== null && typeof err === 'object') {
    const flag = (err as { retryable?: unknown }).retryable;
    if (flag === false) return false;
    if (flag === true) return true;
    if (err instanceof PcqError && NON_RETRYABLE_CODES.has(err.code)) return false;
  }
  return true;
}

/** Wait before attempt `failedAttempt + 1`: backoffMs[failedAttempt - 1], the last value repeating. */
export function backoffDelay(policy: RetryPolicy, failedAttempt: number): number {
  const list = policy.backoffMs;
  if (list.length === 0) return 0;
  const i = Math.min(Math.max(failedAttempt, 1), list.length) - 1;
  return Math.max(0, list[i] as number);
}
