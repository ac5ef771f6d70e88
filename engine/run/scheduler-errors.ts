// The coded errors the scheduler produces (PCQ_STEP_TIMEOUT, PCQ_RUN_ABORTED) and the conversion
// of anything a step throws into one PcqIssue for results and events.
import { PcqError, toIssues, type PcqIssue } from '../base/errors.ts';
import { secretRegistry } from '../base/secrets.ts';

/** Error details kept with a step's result (run.json, events) are cut beyond this many JSON characters. */
export const MAX_ERROR_DETAILS_CHARS = 8192;

export function timeoutError(id: string, timeoutMs: number, attempt: number): PcqError {
  return new PcqError({
    code: 'PCQ_STEP_TIMEOUT',
    message: `Step "${id}" timed out after ${timeoutMs} ms (attempt ${attempt}).`,
    hint: "Raise the step's `timeout:` in the runbook, or find out why it is slow.",
    details: { stepId: id, timeoutMs, attempt },
  });
}

export function abortError(reason: unknown): PcqError {
  if (reason instanceof PcqError && reason.code === 'PCQ_RUN_ABORTED') return reason;
  const why = reason instanceof Error ? reason.message : reason === undefined ? 'no reason given' : String(reason);
  return new PcqError(
    { code: 'PCQ_RUN_ABORTED', message: `The run was aborted (${why}).`, hint: 'Start the run again when ready; steps that never started were skipped.' },
    { cause: reason },
  );
}

/**
 * Any thrown value as one coded issue; plain errors from step code become PCQ_STEP_FAILED. The
 * issue is redacted (base/secrets.ts) and its details bounded: a service's error body may echo a
 * credential, and whatever a step throws is kept in run.json and printed (issue 10).
 */
export function toIssue(err: unknown): PcqIssue {
  const issue = rawIssue(err);
  const bounded = issue.details === undefined ? issue : { ...issue, details: boundDetails(issue.details) };
  return secretRegistry.redactValue(bounded).value;
}

function boundDetails(details: Record<string, unknown>): Record<string, unknown> {
  const text = JSON.stringify(secretRegistry.redactValue(details).value) ?? '';
  if (text.length <= MAX_ERROR_DETAILS_CHARS) return details;
  return { truncated: true, size: text.length, head: text.slice(0, MAX_ERROR_DETAILS_CHARS) };
}

function rawIssue(err: unknown): PcqIssue {
  if (err instanceof PcqError) return err.toIssue();
  const issues = toIssues(err);
  if (issues.length === 1 && issues[0]!.code === 'PCQ_INTERNAL') {
    return {
      code: 'PCQ_STEP_FAILED',
      message: err instanceof Error ? err.message : String(err),
      hint: "See the step's message above; fix its input or configuration and run again.",
    };
  }
  return issues[0] ?? { code: 'PCQ_STEP_FAILED', message: 'The step failed without saying why.' };
}
