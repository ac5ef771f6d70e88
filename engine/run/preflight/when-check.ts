// Every `when:` condition compiles, reads only declared inputs, ancestors' outputs and asOf, and is
// a bool (run/conditions.ts states the branch rule and does the checking).
import type { Runbook } from '../../model/runbook.ts';
import type { PcqIssue } from '../../base/errors.ts';
import type { RunbookCheckContext } from './checks.ts';
import { whenIssues } from '../conditions.ts';

export function conditionIssues(runbook: Runbook, ctx: RunbookCheckContext): PcqIssue[] {
  return whenIssues(runbook, ctx.cel);
}
