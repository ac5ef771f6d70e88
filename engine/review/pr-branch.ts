// The review PR's head branch as a value object: `pcq/review/<runbookId>/<executionId>`.
// The branch name is how a re-run finds the PR it opened before (so it updates, never duplicates),
// and how the ombuds workflow knows which ticket a review PR decides; so it parses back exactly,
// and anything else is a coded error. Segments follow store/layout.ts's safe ids, which are also
// valid git ref components (git-check-ref-format: no "..", no leading ".", no ".lock" suffix).
import { PcqError } from '../base/errors.ts';

const PREFIX = 'pcq/review/';
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** One segment of a pcq branch (`prefix` names which: review or pause branches share the rule). */
export function checkSegment(kind: string, value: string, whole: string, prefix = PREFIX): string {
  if (!SEGMENT.test(value) || value.includes('..') || value.endsWith('.lock') || value.endsWith('.')) {
    throw new PcqError({
      code: 'PCQ_PR_BRANCH_INVALID',
      message: `"${whole}" is not a pcq branch: ${kind} "${value}" must be letters, digits, ".", "_" or "-" (no "..", not ending in "." or ".lock").`,
      hint: `These branches look like ${prefix}<runbookId>/<executionId>; pcq names them, do not rename them.`,
    });
  }
  return value;
}

export class PrBranch {
  readonly runbookId: string;
  readonly executionId: string;

  constructor(runbookId: string, executionId: string) {
    const whole = `${PREFIX}${runbookId}/${executionId}`;
    this.runbookId = checkSegment('runbookId', runbookId, whole);
    this.executionId = checkSegment('executionId', executionId, whole);
  }

  toString(): string {
    return `${PREFIX}${this.runbookId}/${this.executionId}`;
  }

  /** Accepts the bare branch name or `refs/heads/…` (GITHUB_HEAD_REF vs a ref). */
  static parse(text: string): PrBranch {
    const name = text.startsWith('refs/heads/') ? text.slice('refs/heads/'.length) : text;
    if (!name.startsWith(PREFIX)) {
      throw new PcqError({
        code: 'PCQ_PR_BRANCH_INVALID',
        message: `"${text}" is not a pcq review branch (it does not start with ${PREFIX}).`,
        hint: 'The ombuds workflow acts only on PRs that pcq opened for a blocked run.',
      });
    }
    const parts = name.slice(PREFIX.length).split('/');
    if (parts.length !== 2) {
      throw new PcqError({
        code: 'PCQ_PR_BRANCH_INVALID',
        message: `"${text}" is not a pcq review branch: expected ${PREFIX}<runbookId>/<executionId>.`,
        hint: 'pcq names review branches; do not rename them.',
      });
    }
    return new PrBranch(parts[0]!, parts[1]!);
  }

  static isReviewBranch(text: string): boolean {
    try {
      PrBranch.parse(text);
      return true;
    } catch {
      return false;
    }
  }
}
