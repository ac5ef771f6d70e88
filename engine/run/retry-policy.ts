// Retry decisions shared by the scheduler and anything else that retries: which failures are worth
// another try, and how long to wait before it (FORMATS: `retry: {attempts, backoff}`, default 3
// attempts, 2 s / 4 s / 8 s, the last value repeating).
//
// Only a transient failure is tried again (base/error-catalogue.ts: class `transient`, e.g. a step
// timeout, an unreachable service, a held lock). Everything deterministic — a CEL evaluation
// error, a bad step input, a Cypher error, a failed proof, a refusal — gives the same answer the
// second time, so it is attempted once. A plain (uncoded) throw from step code is unknown and is
// not retried either, unless it carries one of the node error codes below, which name transient
// network conditions.
import { PcqError, PcqErrors } from '../base/errors.ts';
import { isRetryableCode } from '../base/error-catalogue.ts';
import type { RetryPolicy } from '../model/runbook.ts';

/** Node/undici error codes of passing network conditions: retried although the throw is uncoded. */
export const TRANSIENT_NODE_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EPIPE',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** True when trying again may give another answer: a transient coded error or a transient node error. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof PcqError) return isRetryableCode(err.code);
  if (err instanceof PcqErrors) return err.issues.length > 0 && err.issues.every((i) => isRetryableCode(i.code));
  return hasTransientNodeCode(err, 0);
}

function hasTransientNodeCode(err: unknown, depth: number): boolean {
  if (err === null || typeof err !== 'object' || depth > 3) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_NODE_CODES.has(code)) return true;
  // fetch wraps the socket error: TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }).
  return hasTransientNodeCode((err as { cause?: unknown }).cause, depth + 1);
}

/** Wait before attempt `failedAttempt + 1`: backoffMs[failedAttempt - 1], the last value repeating. */
export function backoffDelay(policy: RetryPolicy, failedAttempt: number): number {
  const list = policy.backoffMs;
  if (list.length === 0) return 0;
  const i = Math.min(Math.max(failedAttempt, 1), list.length) - 1;
  return Math.max(0, list[i] as number);
}
