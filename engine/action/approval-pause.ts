// A run that paused at an approval step, in the Action (FORMATS.md "Approval steps", "In the Action"):
// after the paused run is published (its manifest sealed `paused`), pcq opens a PAUSE pull request the
// way it opens an ombuds review PR (dispatch-run.ts openReviewPr): a branch
// `pcq/approval/<runbookId>/<executionId>` from the published commit carrying one file, the approval
// request (review/approval-pr.ts); a description saying what ran so far, the step's question, the
// input schema and who may decide; the deciders requested as reviewers (the run's notifier has
// already told them by e-mail). A re-run of this function updates the open PR instead of opening a
// second one. A review of that PR is the decision (approval-review.ts).
import { readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Scm } from '../github/scm.ts';
import type { Manifest } from '../base/signed-records.ts';
import type { Runbook } from '../model/runbook.ts';
import type { RunReport } from '../run/run-runbook.ts';
import { parseManifestFile } from '../store/read-records.ts';
import { approvalConfig } from '../steps/approval.ts';
import { loadRoster, OMBUDS_FILE } from '../review/roster.ts';
import { pauseApprovers } from '../review/pause-notice.ts';
import { actorIdentities, foldLogin } from '../proof/review-rules.ts';
import { ApprovalBranch, approvalRequestPath, approvalRequestText, pauseBody, pauseTitle, type PauseFacts } from '../review/approval-pr.ts';

export interface PausePrInput {
  scm: Scm;
  workspace: string;
  root: string;
  report: RunReport;
  runbook: Runbook;
  /** The branch the run was published to, and the commit that published it. */
  base: string;
  baseSha: string;
}

/** What the pause PR says, from the paused manifest (signed) and the runbook's approval step. */
export async function pauseFacts(input: Pick<PausePrInput, 'workspace' | 'root' | 'report' | 'runbook'>): Promise<PauseFacts> {
  const { report, runbook } = input;
  const manifest: Manifest = parseManifestFile(await readFile(report.manifestPath, 'utf8'), report.manifestPath);
  const pause = manifest.pause!;
  const step = runbook.steps.find((s) => s.stepId === pause.stepId)!;
  const schema = approvalConfig(step).inputs;
  const roster = await loadRoster(join(input.root, OMBUDS_FILE));
  const actor = new Set(actorIdentities(manifest.actor).map(foldLogin));
  const deciders = pauseApprovers(roster, pause)
    .map((m) => m.login)
    .filter((l) => !actor.has(foldLogin(l)));
  const summary = new Map(report.steps.map((s) => [s.stepId, s]));
  return {
    manifest,
    pause,
    manifestPath: relative(input.workspace, report.manifestPath).split(sep).join('/'),
    ...(schema ? { schema } : {}),
    deciders,
    ranSoFar: manifest.steps.map((s) => ({ stepId: s.stepId, type: summary.get(s.stepId)?.type ?? '?', status: summary.get(s.stepId)?.status ?? 'attested' })),
  };
}

/** Opens (or updates) the pause PR of a paused run; returns its URL. */
export async function openPausePr(input: PausePrInput): Promise<string> {
  const { scm, report } = input;
  const facts = await pauseFacts(input);
  const branch = new ApprovalBranch(report.runbookId, report.executionId).toString();
  if ((await scm.getBranchSha(branch)) === null) await scm.createBranch(branch, input.baseSha);
  await scm.commitFiles({
    branch,
    message: `pcq: approval request for ${report.executionId} (${facts.pause.stepId})`,
    files: [{ path: approvalRequestPath(report.executionId), content: approvalRequestText(facts) }],
  });
  const existing = await scm.findOpenPullRequestByHead(branch);
  const title = pauseTitle(facts);
  const body = pauseBody(facts);
  const pr = existing
    ? await scm.updatePullRequest(existing.number, { title, body })
    : await scm.createPullRequest({ head: branch, base: input.base, title, body });
  // GitHub refuses the PR's author as a reviewer; the run's actor is already left out (they cannot decide).
  const reviewers = facts.deciders.filter((l) => foldLogin(l) !== foldLogin(pr.author.login));
  if (reviewers.length > 0) await scm.requestReviewers(pr.number, reviewers);
  return pr.htmlUrl;
}
