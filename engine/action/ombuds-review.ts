// `command: review` on pull_request_review: the ombuds decision (docs/design.md §6). Every fact comes from
// the GitHub API, not from the webhook alone: the PR's CURRENT head SHA, its author, everyone who
// pushed to it, the files it changes, and the roster as it stands at the PR's BASE commit (so a PR
// cannot add its own reviewer). approval-rules.ts decides; a refused review is recorded on the PR
// and changes nothing. A counted decision is recorded as a `runner-attested-github` review
// attestation: the runner signs the facts it checked (reviewer login and type, review id, reviewed
// commit = PR head, PR number, the rule evaluation), never a decision in the reviewer's name
// (review/decide.ts, review/signed-decisions.ts); then:
//   approve      → merge the PR (only if its head is still the reviewed SHA), publish the release;
//   reject       → publish the rejection, close the PR;
//   request-info → publish the recorded request; the PR stays open for a later decision.

import { readFile } from 'node:fs/promises';
import { ChangeSet } from '../store/change-set.ts';
import { commitChange } from '../store/execution-store.ts';
import { loadConfig } from '../runtime/config.ts';
import { PcqError, toIssues } from '../base/errors.ts';
import { loadRunnerSigner } from '../runtime/keys.ts';
import { evaluateReview, type ReviewFacts } from '../review/approval-rules.ts';
import { decideReview } from '../review/decide.ts';
import { parseRoster, rosterLogins, OMBUDS_FILE } from '../review/roster.ts';
import { PrBranch } from '../review/pr-branch.ts';
import { ticketPath } from '../review/ticket.ts';
import { executionPaths, reviewTicketPath } from '../store/layout.ts';
import type { Scm } from '../github/scm.ts';
import type { ActionContext } from './action-port.ts';
import type { PullRequestReviewEvent } from './events.ts';
import { changeSetFiles, publishFiles } from './publish.ts';
import type { PcqCode } from '../base/error-catalogue.ts';

export interface ReviewOutcome {
  outcome: 'approved' | 'rejected' | 'info-requested' | 'refused' | 'ignored';
  reasons: Array<{ code: PcqCode; message: string }>;
  executionId?: string;
}

/** The facts of docs/design.md §6, all read from the API at decision time. */
export async function reviewFacts(scm: Scm, prNumber: number, reviewId: number, ticket: string, runActor?: string): Promise<ReviewFacts> {
  const [pr, commits, files, review] = await Promise.all([
    scm.getPullRequest(prNumber),
    scm.listPullRequestCommits(prNumber),
    scm.listPullRequestFiles(prNumber),
    scm.getReview(prNumber, reviewId),
  ]);
  const rosterText = await scm.getFileContent(OMBUDS_FILE, pr.baseSha);
  // No roster at the base commit means nobody can decide: fail closed with an empty roster.
  const roster = rosterText === null ? [] : rosterLogins(parseRoster(rosterText));
  // The bot pushes the ticket on behalf of whoever dispatched the run: that person counts as a
  // pusher too, so nobody can approve the override of their own run (docs/design.md §6).
  const pushers = [
    ...new Set([...commits.flatMap((c) => [c.authorLogin, c.committerLogin]), runActor ?? null].filter((l): l is string => l !== null && l !== '')),
  ];
  return {
    review: { state: review.state, user: review.reviewer ?? { login: '', type: '' }, commit_id: review.commitId ?? '' },
    pr: { author: pr.author.login, pushers, headSha: pr.headSha, changedFiles: files.map((f) => f.path), ticketPath: ticket },
    roster,
  };
}

export async function reviewCommand(ctx: ActionContext, event: PullRequestReviewEvent): Promise<ReviewOutcome> {
  const { core, workspace } = ctx;
  if (!ctx.scm)
    throw new PcqError({
      code: 'PCQ_GITHUB_CONTEXT',
      message: 'the review command needs a GitHub token',
      hint: 'Pass `token: ${{ github.token }}` to the pcq Action.',
    });
  const scm = ctx.scm;
  if (!PrBranch.isReviewBranch(event.headRef)) {
    core.info(`PR #${event.number} (${event.headRef}) is not a pcq review PR; nothing to decide.`);
    return { outcome: 'ignored', reasons: [] };
  }
  const branch = PrBranch.parse(event.headRef);
  const ticket = ticketPath(branch.executionId);
  const config = await loadConfig({ env: ctx.env, cwd: workspace });
  const run = executionPaths(config.attestationsDir, branch.runbookId, branch.executionId);
  const runActor = await readFile(run.manifest, 'utf8').then(
    (t) => String((JSON.parse(t) as { actor?: unknown }).actor ?? ''),
    () => '',
  );
  const facts = await core.group(`Facts of PR #${event.number} from the API`, async () => {
    const f = await reviewFacts(scm, event.number, event.review.id, ticket, runActor);
    core.info(`reviewer ${f.review.user.login} (${f.review.user.type}) · state ${f.review.state} · reviewed ${f.review.commit_id} · head ${f.pr.headSha}`);
    core.info(`author ${f.pr.author} · pushers ${f.pr.pushers.join(', ') || '—'} · files ${f.pr.changedFiles.join(', ')} · roster@base ${f.roster.join(', ')}`);
    return f;
  });
  const evaluation = evaluateReview(facts);
  const reviewer = facts.review.user.login;
  if (evaluation.decision === 'none' || !evaluation.counts) {
    const outcome: ReviewOutcome = {
      outcome: evaluation.decision === 'none' ? 'ignored' : 'refused',
      reasons: evaluation.reasons,
      executionId: branch.executionId,
    };
    await scm.createIssueComment(
      event.number,
      notCountedComment(facts.review.state, reviewer, evaluation.reasons, 'The exports stay withheld. Nothing else was changed (docs/design.md §6).'),
    );
    for (const r of evaluation.reasons) core.warning(`${r.code} ${r.message}`, { title: 'ombuds review not counted' });
    return outcome;
  }
  const decision = evaluation.decision;
  const ticketFile = reviewTicketPath(config.attestationsDir, branch.executionId);
  // The workflow checks out the base branch (trusted code, the published run); the ticket lives only
  // on the review PR, so it is read through the API at the head SHA whose facts were just checked.
  const ticketText = await scm.getFileContent(ticket, facts.pr.headSha);
  if (ticketText === null) {
    throw new PcqError({
      code: 'PCQ_REVIEW_TICKET_MISSING',
      message: `PR #${event.number} has no ${ticket} at ${facts.pr.headSha}`,
      hint: 'A review PR carries exactly its ticket; re-run the dispatch to recreate it.',
    });
  }
  const imported = new ChangeSet(config.attestationsDir);
  imported.put(ticketFile, ticketText);
  await commitChange(imported);
  const decided = await core.group(`Record ${decision} by ${reviewer}`, async () => {
    const { signer } = await loadRunnerSigner({ env: ctx.env, root: config.root, mode: config.mode, signer: config.signer });
    return decideReview({
      config,
      executionId: branch.executionId,
      decision,
      reviewer,
      comment: '',
      signer,
      facts,
      now: ctx.now,
      source: {
        kind: 'github',
        repository: `${scm.owner}/${scm.repo}`,
        pullRequest: event.number,
        reviewId: event.review.id,
        commitId: facts.review.commit_id,
      },
    });
  });
  if (decided.unchanged) {
    core.info(`the ${decision} by ${reviewer} was already recorded for ${branch.executionId}; nothing to publish`);
    return {
      outcome: decision === 'approve' ? 'approved' : decision === 'reject' ? 'rejected' : 'info-requested',
      reasons: [],
      executionId: branch.executionId,
    };
  }
  // One decision, one committed change: its public files are what gets published (publish.ts).
  const runChanges = await changeSetFiles(workspace, config.attestationsDir, decided.committed, { exclude: [ticketFile] });
  const ticketChange = await changeSetFiles(workspace, config.attestationsDir, { ...decided.committed, publicPaths: [ticketFile] }, { only: [ticketFile] });
  const base = (await scm.getPullRequest(event.number)).baseRef;
  await core.group(`Publish the ${decision}`, async () => {
    if (decision === 'approve') {
      // The merge is refused by GitHub if the head moved after the facts were read (no TOCTOU).
      const merged = await scm.mergePullRequest(event.number, {
        expectedHeadSha: facts.pr.headSha,
        commitTitle: `pcq: ${branch.executionId} approved by ${reviewer}`,
      });
      core.info(`merged PR #${event.number} as ${merged.sha}`);
      await publishFiles(scm, base, `pcq: release ${branch.executionId} (approved by ${reviewer})`, [...runChanges, ...ticketChange]);
    } else if (decision === 'reject') {
      await publishFiles(scm, base, `pcq: ${branch.executionId} rejected by ${reviewer}`, [...runChanges, ...ticketChange]);
      await scm.closePullRequest(event.number);
    } else {
      await publishFiles(scm, base, `pcq: ${reviewer} asked for more information on ${branch.executionId}`, runChanges);
      await publishFiles(scm, branch.toString(), `pcq: record request for information by ${reviewer}`, ticketChange);
    }
  });
  const verdictWord =
    decision === 'approve'
      ? 'approved: the exports are released'
      : decision === 'reject'
        ? 'rejected: the exports stay withheld for good'
        : 'more information requested: the review stays open';
  await scm.createIssueComment(
    event.number,
    `<!-- pcq:decision -->\n**pcq ombuds:** ${verdictWord} (by @${reviewer}, on ${facts.pr.headSha}). Released: ${decided.released.length ? decided.released.map((p) => `\`${p.split('/').pop()}\``).join(', ') : '—'}.`,
  );
  return { outcome: decision === 'approve' ? 'approved' : decision === 'reject' ? 'rejected' : 'info-requested', reasons: [], executionId: branch.executionId };
}

/** The PR comment for a review that was recorded and not counted (ombuds and pause PRs alike). */
export function notCountedComment(state: string, reviewer: string, reasons: ReadonlyArray<{ code: string; message: string }>, consequence: string): string {
  return [
    `<!-- pcq:decision -->`,
    `**pcq ombuds:** the ${state.toLowerCase()} review by @${reviewer} was recorded and **not counted**:`,
    '',
    ...reasons.map((r) => `- \`${r.code}\` ${r.message}`),
    '',
    consequence,
  ].join('\n');
}

export function describeFailure(err: unknown): string {
  return toIssues(err)
    .map((i) => `${i.code} ${i.message}${i.hint ? ` — ${i.hint}` : ''}`)
    .join('\n');
}
