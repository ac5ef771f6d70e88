// The run's preflight as a list of checks (issue 14: "validate is the run's preflight"). `pcq
// validate` runs every check below; `pcq run` runs the runbook checks on the runbook it is about to
// run, so whatever validate accepts, run does not refuse for a reason validate could have seen.
//
// A check is a plain function returning located issues (file:line:col, a PCQ_* code, a hint). It
// never throws for a problem it finds and never stops at the first one: every check runs, every
// problem is reported at once. To add a check, write it in its own file in this folder (or beside
// the code it guards) and add one line to RUNBOOK_CHECKS or REPOSITORY_CHECKS.
import type { PcqIssue } from '../../base/errors.ts';
import { toIssues } from '../../base/errors.ts';
import type { CelEngine } from '../../base/step-ports.ts';
import type { PolicySet } from '../../base/proofs.ts';
import type { Runbook } from '../../model/runbook.ts';
import type { Connector } from '../../runtime/connectors.ts';
import { stepAndProverIssues } from './steps-check.ts';
import { cypherAllowListIssues } from './cypher-allow-list.ts';
import { conditionIssues } from './when-check.ts';
import { connectorIssues } from './connectors-check.ts';
import { datasetIssues } from './datasets-check.ts';
import { policyFileIssues } from './policy-files.ts';
import { buttonIssues } from './buttons-check.ts';
import { duplicateRunbookIds } from './runbook-ids-check.ts';
import { grantFileIssues } from '../authorize-grant.ts';
import { repositorySpellsCheck, spellStepsCheck } from './spells-check.ts';

/** What every check may read: loaded once per validate / run, never written. */
export interface PreflightContext {
  /** The repository root (absolute): datasets must stay inside it, policies/ is under it. */
  root: string;
  cel: CelEngine;
  /** policies/authority.yaml + licenses.yaml; undefined when they are invalid (the policies check reports why). */
  policies: PolicySet | undefined;
  /** policies/connectors.yaml (or the embedded default); undefined when invalid (reported by the policies check). */
  connectors: Connector[] | undefined;
  /** Every runbook in the repository's runbooks/ folder that parsed (drafts too): what buttons may name. */
  repositoryRunbooks: Array<Pick<Runbook, 'runbookId' | 'version'> & { file: string }>;
  /** Where installed spells live (config PCQ_HOME, default ~/.pcq): spell steps resolve there after spells/. */
  home?: string;
}

/**
 * What a check of one runbook may read: everything but the repository's other runbooks. A run
 * checks the one runbook it runs, and parsing every runbook in runbooks/ for it parsed the run's
 * own runbook a second time (issue 16, "a runner that scales": a second YAML parse per step).
 */
export type RunbookCheckContext = Omit<PreflightContext, 'repositoryRunbooks'>;

/** A check of one runbook that passed the schema and graph checks. */
export type RunbookCheck = (runbook: Runbook, ctx: RunbookCheckContext) => PcqIssue[] | Promise<PcqIssue[]>;
/** A check of the repository; `runbooks` are the runbooks being validated that passed their own checks. */
export type RepositoryCheck = (ctx: PreflightContext, runbooks: Runbook[]) => PcqIssue[] | Promise<PcqIssue[]>;

export interface NamedCheck<C> {
  /** Short, stable name (shown when a check crashes; engineers' checks: contain, spells, grants, flow). */
  id: string;
  check: C;
}

/** Per runbook, in this order. */
export const RUNBOOK_CHECKS: Array<NamedCheck<RunbookCheck>> = [
  { id: 'steps', check: stepAndProverIssues },
  { id: 'cypher', check: cypherAllowListIssues },
  { id: 'when', check: conditionIssues },
  { id: 'connectors', check: connectorIssues },
  { id: 'datasets', check: datasetIssues },
  { id: 'spells', check: spellStepsCheck },
];

/** Once per repository, in this order. */
export const REPOSITORY_CHECKS: Array<NamedCheck<RepositoryCheck>> = [
  { id: 'policies', check: policyFileIssues },
  { id: 'buttons', check: buttonIssues },
  { id: 'runbook-ids', check: duplicateRunbookIds },
  // contracts/grants/ (and the dev overlay .pcq/grants/): shape, versions, the user's signature (issue 12).
  { id: 'grants', check: (ctx) => grantFileIssues(ctx.root, true) },
  { id: 'spells', check: repositorySpellsCheck },
];

/** Every runbook check on one runbook; a crashing check is one coded issue, not a stack trace. */
export async function runRunbookChecks(runbook: Runbook, ctx: RunbookCheckContext, checks = RUNBOOK_CHECKS): Promise<PcqIssue[]> {
  const issues: PcqIssue[] = [];
  for (const { id, check } of checks) issues.push(...(await guarded(id, () => check(runbook, ctx), runbook.source.file)));
  return issues;
}

/** Every repository check. */
export async function runRepositoryChecks(ctx: PreflightContext, runbooks: Runbook[], checks = REPOSITORY_CHECKS): Promise<PcqIssue[]> {
  const issues: PcqIssue[] = [];
  for (const { id, check } of checks) issues.push(...(await guarded(id, () => check(ctx, runbooks))));
  return issues;
}

async function guarded(id: string, run: () => PcqIssue[] | Promise<PcqIssue[]>, file?: string): Promise<PcqIssue[]> {
  try {
    return await run();
  } catch (err) {
    // A check reports problems as issues; a throw carrying PCQ_* issues is still a finding.
    const coded = toIssues(err);
    if (coded.length > 0 && coded.every((i) => i.code !== 'PCQ_INTERNAL')) return coded;
    return [
      {
        code: 'PCQ_CHECK_CRASHED',
        message: `the "${id}" check crashed: ${(err as Error).message}`,
        hint: 'This is a bug in pcq; please report it with the files checked.',
        ...(file ? { location: { file, line: 1, col: 1 } } : {}),
      },
    ];
  }
}
