// `command: review` on a review of a PAUSE pull request (branch pcq/approval/<runbookId>/<executionId>,
// approval-pause.ts): the review is the approver's decision (FORMATS.md "Approval steps", "In the Action").
// The rules are the ombuds rules, by the same code (docs/design.md §6): facts read from the API at
// decision time (ombuds-review.ts reviewFacts: the PR's current head, author, pushers, files, the
// roster at the base commit), judged by review/approval-rules.ts evaluateReview:
//   approved           → decision approve, with the inputs of the review body (review/approval-inputs.ts);
//   changes_requested  → decision reject;
//   commented, dismissed, pending … → ignored: nothing is written and nothing is said;
//   a review that does not count (off the roster, the run's actor or a pusher, a bot, of a commit that
//   is no longer the head, a PR that changes other files) → a comment giving the reasons; nothing else.
// A counted decision goes to the one resume entry point, run/resume-run.ts approveAndResume, with the
// GitHub facts as its source: the RUNNER key signs a `runner-attested-github` approval (as the ombuds
// override is signed in the Action; the reviewer holds no key here), the step's approvers and input
// schema are checked there, the run resumes and seals. Only then is anything published: the resumed
// run's public files in one commit to the base branch, after the PR head is read once more (a push
// after the review refuses the decision); the PR is then closed (never merged: its request file is
// not part of the run) with a comment saying how the run ended.
import { readFile } from 'node:fs/promises';
import { loadConfig, type PcqConfig } from '../runtime/config.ts';
import { PcqError, toIssues, type PcqIssue } from '../base/errors.ts';
import { redactText } from '../base/secrets.ts';
import { loadRunnerSigner } from '../runtime/keys.ts';
import { evaluateReview } from '../review/approval-rules.ts';
import { githubAttestedSource } from '../review/signed-decisions.ts';
import { ApprovalBranch, approvalRequestPath } from '../review/approval-pr.ts';
import { inputsFromReviewBody } from '../review/approval-inputs.ts';
import { readRunbookFile } from '../model/load-runbooks.ts';
import { executionPaths } from '../store/layout.ts';
import { parseManifestFile, readRunRecord } from '../store/read-records.ts';
import { approveAndResume, type ApproveReport } from '../run/resume-run.ts';
import { formatEventLine } from '../run/progress.ts';
import { join } from 'node:path';
import type { Scm } from '../github/scm.ts';
import type { ActionContext } from './action-port.ts';
import type { PullRequestReviewEvent } from './events.ts';
import { notCountedComment, reviewFacts, type ReviewOutcome } from './ombuds-review.ts';
import { changeSetFiles, publishFiles } from './publish.ts';
import { openPausePr } from './approval-pause.ts';

const NOTHING_CHANGED = 'The run stays paused. Nothing was changed (docs/design.md §6).';

/** Refusals of the decision itself (the review, the approver, the inputs): answered on the PR, the job passes. */
const REFUSALS: ReadonlySet<string> = new Set([
  // the review rules (review/approval-rules.ts, proof/review-rules.ts)
  'PCQ_REVIEW_NOT_APPROVED',
  'PCQ_REVIEW_NOT_ON_ROSTER',
  'PCQ_REVIEW_SELF_APPROVAL',
  'PCQ_REVIEW_PUSHER',
  'PCQ_REVIEW_BOT',
  'PCQ_REVIEW_STALE_SHA',
  'PCQ_REVIEW_EXTRA_FILES',
  'PCQ_REVIEW_BEFORE_RUN',
  'PCQ_REVIEW_ROSTER_MISSING',
  'PCQ_REVIEW_INVALID',
  // the step's approvers and inputs, and a run decided meanwhile (run/resume-run.ts)
  'PCQ_APPROVER_NOT_LISTED',
  'PCQ_APPROVAL_INPUTS_INVALID',
  'PCQ_NOT_PAUSED',
]);
const isRefusal = (i: PcqIssue) => REFUSALS.has(i.code);

export async function approvalReviewCommand(ctx: ActionContext, event: PullRequestReviewEvent): Promise<ReviewOutcome> {
  const { core, workspace } = ctx;
  const scm = ctx.scm!; // main.ts checked
  const branch = ApprovalBranch.parse(event.headRef);
  const config = await loadConfig({ env: ctx.env, cwd: workspace });
  const paths = executionPaths(config.attestationsDir, branch.runbookId, branch.executionId);
  const text = await readFile(paths.manifest, 'utf8').catch(() => {
    throw new PcqError({
      code: 'PCQ_EXECUTION_NOT_FOUND',
      message: `the pause PR #${event.number} names execution ${branch.executionId}, which has no manifest at ${paths.manifest} on this checkout`,
      hint: 'The ombuds workflow checks out the base branch, where the paused run was published; check the publish branch.',
    });
  });
  const manifest = parseManifestFile(text, paths.manifest);
  const executionId = branch.executionId;
  if (manifest.state !== 'paused' || !manifest.pause) {
    core.info(`${executionId} is no longer paused (it was decided); the review of PR #${event.number} changes nothing.`);
    return { outcome: 'ignored', reasons: [], executionId };
  }
  const request = approvalRequestPath(executionId);
  const facts = await core.group(`Facts of pause PR #${event.number} from the API`, async () => {
    const f = await reviewFacts(scm, event.number, event.review.id, request, manifest.actor);
    core.info(`reviewer ${f.review.user.login} (${f.review.user.type}) · state ${f.review.state} · reviewed ${f.review.commit_id} · head ${f.pr.headSha}`);
    core.info(`author ${f.pr.author} · pushers ${f.pr.pushers.join(', ') || '—'} · files ${f.pr.changedFiles.join(', ')} · roster@base ${f.roster.join(', ')}`);
    return f;
  });
  const evaluation = evaluateReview(facts);
  const reviewer = facts.review.user.login;
  if (evaluation.decision === 'none' || evaluation.decision === 'request-info') {
    core.info(`a ${facts.review.state.toLowerCase()} review is not a decision on a pause PR: nothing changes`);
    return { outcome: 'ignored', reasons: [], executionId };
  }
  const refuse = async (issues: ReadonlyArray<{ code: PcqIssue['code']; message: string }>): Promise<ReviewOutcome> => {
    await scm.createIssueComment(event.number, redactText(notCountedComment(facts.review.state, reviewer, issues, NOTHING_CHANGED)));
    for (const r of issues) core.warning(redactText(`${r.code} ${r.message}`), { title: 'approval review not counted' });
    return { outcome: 'refused', reasons: issues.map((i) => ({ code: i.code, message: i.message })), executionId };
  };
  if (!evaluation.counts) return refuse(evaluation.reasons);
  const decision = evaluation.decision;
  const inputs = decision === 'approve' ? await reviewInputs(scm, config, paths.dir, event, manifest.pause.stepId) : { inputs: {} };
  if ('issues' in inputs) return refuse(inputs.issues);

  let resumed: ApproveReport;
  try {
    resumed = await core.group(`Resume ${executionId}: ${decision} by ${reviewer}`, async () => {
      const { signer } = await loadRunnerSigner({ env: ctx.env, root: config.root, mode: config.mode, signer: config.signer });
      return approveAndResume({
        config,
        executionId,
        decision,
        reviewer,
        signer,
        inputs: inputs.inputs,
        source: githubAttestedSource({ repository: `${scm.owner}/${scm.repo}`, pullRequest: event.number, reviewId: event.review.id }, facts, evaluation),
        env: ctx.env,
        startedAt: ctx.now().toISOString(),
        now: ctx.now,
        onEvent: (e) => core.info(formatEventLine(e)),
      });
    });
  } catch (err) {
    const issues = toIssues(err);
    if (issues.every(isRefusal)) return refuse(issues);
    // The decision counted but the run could not resume (the vault, the runbook, the machine): say so
    // on the PR, so the approver knows the run is still paused, and fail the job.
    await scm.createIssueComment(
      event.number,
      redactText(
        [
          '<!-- pcq:decision -->',
          `**pcq approval:** the ${decision} by @${reviewer} counts, but the run could not be resumed:`,
          '',
          ...issues.map((i) => `- \`${i.code}\` ${i.message}`),
          '',
          'Nothing was published; the run stays paused. Fix the cause and submit the review again.',
        ].join('\n'),
      ),
    );
    throw err;
  }
  return publishResumed(ctx, scm, event, resumed, facts.pr.headSha);
}

/** The approver's inputs from the review body (read from the API, like every other fact). */
async function reviewInputs(scm: Scm, config: PcqConfig, dir: string, event: PullRequestReviewEvent, stepId: string) {
  const record = await readRunRecord(join(dir, 'run.json'));
  const parsed = await readRunbookFile(join(config.root, record.runbookFile), record.runbookFile);
  const step = parsed.runbook?.steps.find((s) => s.stepId === stepId && s.type === 'approval');
  if (!step) {
    throw new PcqError({
      code: 'PCQ_NOT_PAUSED',
      message: `${record.runbookFile} has no approval step ${stepId}`,
      hint: 'Restore the runbook as it was when the run paused. Nothing was changed.',
    });
  }
  const review = await scm.getReview(event.number, event.review.id);
  return inputsFromReviewBody(review.body ?? '', step, `review ${event.review.id} on PR #${event.number}`);
}

async function publishResumed(
  ctx: ActionContext,
  scm: Scm,
  event: PullRequestReviewEvent,
  resumed: ApproveReport,
  checkedHead: string,
): Promise<ReviewOutcome> {
  const { core, workspace } = ctx;
  const config = await loadConfig({ env: ctx.env, cwd: workspace });
  const run = resumed.run;
  const pr = await scm.getPullRequest(event.number);
  if (pr.headSha.toLowerCase() !== checkedHead.toLowerCase()) {
    throw new PcqError({
      code: 'PCQ_REVIEW_STALE_SHA',
      message: `PR #${event.number} moved to ${pr.headSha} after the review of ${checkedHead} was checked; the decision is not published`,
      hint: 'Review the current head commit again.',
    });
  }
  const sha = await core.group(`Publish the ${resumed.decision} of ${run.executionId}`, async () => {
    const changes = await changeSetFiles(workspace, config.attestationsDir, run.committed);
    const published = await publishFiles(
      scm,
      pr.baseRef,
      `pcq: ${run.runbookId} ${run.executionId} ${resumed.decision}d by ${resumed.reviewer}: ${run.verdict}`,
      changes,
    );
    core.info(`published ${changes.length} file(s) as ${published}`);
    return published;
  });
  const how =
    resumed.decision === 'approve'
      ? `approved: the run resumed and ended **${run.status}** (verdict \`${run.verdict}\`)`
      : 'rejected: the run ended, nothing after the step ran, its exports stay withheld';
  await scm.createIssueComment(
    event.number,
    redactText(
      `<!-- pcq:decision -->\n**pcq approval:** ${resumed.stepId} ${how} (by @${resumed.reviewer}, on ${checkedHead}). Merkle root \`${run.merkleRoot}\`; verify with \`pcq verify ${run.manifestPath.slice(workspace.length + 1)}\`.`,
    ),
  );
  await scm.closePullRequest(event.number);
  if (run.status === 'paused') {
    // A later approval step paused the run again: a new pause PR on the same branch asks for it.
    const file = (await readRunRecord(join(run.executionDir, 'run.json'))).runbookFile;
    const runbook = (await readRunbookFile(join(config.root, file), file)).runbook!;
    const url = await openPausePr({ scm, workspace, root: config.root, report: run, runbook, base: pr.baseRef, baseSha: sha });
    core.info(`paused again at ${run.pause?.stepId}: ${url}`);
  }
  return { outcome: resumed.decision === 'approve' ? 'approved' : 'rejected', reasons: [], executionId: run.executionId };
}
