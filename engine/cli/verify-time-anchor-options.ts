// The warnings `pcq verify` prints for the time-anchor check's passing-but-weak outcomes ("not
// anchored", "TSA not checked"); the options themselves come from runtime/time-anchor-options.ts.
import type { PcqIssue } from '../base/errors.ts';
import type { VerifyCheck } from '../proof/verify-manifest.ts';
import { ERROR_CATALOGUE } from '../base/error-catalogue.ts';
export { timeAnchorOptions } from '../runtime/time-anchor-options.ts';

const WARNED = new Set(['PCQ_TIME_ANCHOR_MISSING', 'PCQ_TIME_ANCHOR_UNCHECKED']);

/** A passing time-anchor check that says "not anchored" or "TSA not checked" is a warning. */
export function timeAnchorWarnings(checks: readonly VerifyCheck[]): PcqIssue[] {
  return checks
    .filter((c) => c.check === 'time-anchor' && c.ok && WARNED.has(c.code))
    .map((c) => ({ code: c.code, severity: 'warning' as const, message: c.message, hint: ERROR_CATALOGUE[c.code].hint }));
}
