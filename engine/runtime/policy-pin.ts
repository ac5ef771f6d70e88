// Preflight: the policy-hash pin (seed 002: "validate OPA_POLICY_HASH if set"). When the operator
// pins PCQ_POLICY_HASH, a run whose policies/ digest differs is refused before any step starts and
// before anything is written, naming both digests. A plain function returning located issues, so
// `pcq validate` and `pcq doctor` run the same check.
import type { PcqIssue } from '../base/errors.ts';
import { POLICIES_DIR } from './policy-digest.ts';

export function policyPinIssues(pinned: string | undefined, actual: string): PcqIssue[] {
  if (pinned === undefined || pinned.trim() === '') return [];
  const want = pinned.trim().toLowerCase();
  const normalised = want.startsWith('sha256:') ? want : `sha256:${want}`;
  if (normalised === actual) return [];
  return [
    {
      code: 'PCQ_POLICY_HASH_MISMATCH',
      message: `the policies under ${POLICIES_DIR}/ have digest ${actual}, but PCQ_POLICY_HASH pins ${normalised}`,
      hint: 'Run with the reviewed policies, or, after reviewing the change, set PCQ_POLICY_HASH to the new digest (`pcq doctor` prints it).',
      location: { file: `${POLICIES_DIR}/`, line: 1, col: 1 },
      details: { pinned: normalised, actual },
    },
  ];
}
