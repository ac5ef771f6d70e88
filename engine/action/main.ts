// The pcq GitHub Action entry point (action.yml → dist/action.mjs). Thin by design: read inputs and
// the event, mask secrets, call the same functions the CLI commands call, set outputs. ANY thrown
// value ends in core.setFailed with coded, one-line-per-issue text — never a stack trace.
import * as core from '@actions/core';
import { toIssues, formatIssue } from '../base/errors.ts';
import { octokitScmFromEnv } from '../github/octokit-scm.ts';
import type { ActionContext, ActionCore } from './action-port.ts';
import { readInputs } from './inputs.ts';
import { readEvent } from './events.ts';
import { validateCommand } from './validate-pr.ts';
import { dispatchCommand } from './dispatch-run.ts';
import { reviewCommand } from './ombuds-review.ts';
import { approvalReviewCommand } from './approval-review.ts';
import { ApprovalBranch } from '../review/approval-pr.ts';
import { replayCommand } from './dispatch-replay.ts';
import { statusCommand } from './status.ts';
import { PcqError } from '../base/errors.ts';
import { redactText } from '../base/secrets.ts';

// Every line the Action logs passes the one secret registry (base/secrets.ts), in every encoding;
// core.setSecret below only masks the exact values GitHub is told about.
const actionsCore: ActionCore = {
  info: (m) => core.info(redactText(m)),
  warning: (m, p) => core.warning(redactText(m), p),
  error: (m, p) => core.error(redactText(m), p),
  setOutput: (n, v) => core.setOutput(n, v),
  group: (name, fn) => core.group(name, fn),
  writeSummary: async (md) => {
    await core.summary.addRaw(md, true).write();
  },
};

export async function runAction(env: Record<string, string | undefined> = process.env): Promise<void> {
  const token = core.getInput('token') || env.GITHUB_TOKEN || '';
  if (token) core.setSecret(token);
  if (env.RUNNER_SECRET) core.setSecret(env.RUNNER_SECRET);
  const inputs = readInputs((name) => core.getInput(name));
  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const ctx: ActionContext = { core: actionsCore, inputs, env, workspace, scm: token ? octokitScmFromEnv(env, token) : null, now: () => new Date() };
  const event = env.GITHUB_EVENT_PATH ? await readEvent(env) : null;

  switch (inputs.command) {
    case 'validate':
    case 'plan': {
      const result = await validateCommand(ctx, event?.kind === 'pull_request' ? event : null);
      core.setOutput('verdict', result.ok ? 'valid' : 'invalid');
      if (!result.ok) core.setFailed(`${result.issues.filter((i) => i.severity !== 'warning').length} validation problem(s); see the annotations.`);
      return;
    }
    case 'status': {
      const out = await statusCommand(ctx);
      if (!out.health.ok) core.setFailed(`pcq status: unhealthy (${out.health.paused ? 'runs paused' : `vault: ${out.health.vault.detail}`})`);
      return;
    }
    case 'run':
    case 'publish':
    case 'retry': {
      // publish = run + commit (the run command always publishes; kept as an alias for clarity in workflows).
      const actor = env.GITHUB_ACTOR || (event?.kind === 'workflow_dispatch' ? event.sender : '');
      if (!actor)
        throw new PcqError({
          code: 'PCQ_GITHUB_CONTEXT',
          message: 'GITHUB_ACTOR is not set, so no one can be authorised to press a button.',
          hint: 'Run from a workflow_dispatch job.',
        });
      // retry = run of the failed execution's file, inputs and asOf (dispatch-run.ts retryPlan).
      if (inputs.replayOf && inputs.command !== 'retry') {
        const replay = await replayCommand(ctx, actor);
        core.setOutput('execution-id', replay.report.executionId);
        core.setOutput('verdict', replay.report.identical ? 'reproduced' : 'diverged');
        if (!replay.report.identical) core.setFailed(`replay of ${replay.report.executionId} diverged from the record`);
        return;
      }
      const out = await dispatchCommand(ctx, actor);
      core.setOutput('execution-id', out.report.executionId);
      core.setOutput('verdict', out.report.verdict);
      core.setOutput('manifest-path', out.report.manifestPath.slice(workspace.length + 1));
      core.setOutput('review-pr-url', out.reviewPrUrl ?? '');
      core.setOutput('approval-pr-url', out.approvalPrUrl ?? '');
      if (out.report.status === 'failed') core.setFailed(`run ${out.report.executionId} failed at ${out.report.failedStep?.stepId ?? 'a step'}`);
      else if (out.report.status === 'paused')
        core.warning(
          `run ${out.report.executionId} is paused at ${out.report.pause?.stepId ?? 'an approval step'}: a review of ${out.approvalPrUrl ?? 'its pause PR'} decides it`,
        );
      else if (out.report.status === 'blocked')
        core.warning(`run ${out.report.executionId} is blocked: exports withheld pending ombuds review ${out.reviewPrUrl ?? ''}`);
      return;
    }
    case 'review': {
      if (event?.kind !== 'pull_request_review')
        throw new PcqError({
          code: 'PCQ_EVENT_UNSUPPORTED',
          message: 'command review acts on pull_request_review events only',
          hint: 'Trigger the ombuds workflow on pull_request_review.',
        });
      // A review of a pause PR (pcq/approval/…) decides an approval step; of a review PR (pcq/review/…), an ombuds review.
      const out = ApprovalBranch.isApprovalBranch(event.headRef) && ctx.scm ? await approvalReviewCommand(ctx, event) : await reviewCommand(ctx, event);
      core.setOutput('verdict', out.outcome);
      if (out.executionId) core.setOutput('execution-id', out.executionId);
      return;
    }
  }
}

export function failureText(err: unknown): string {
  return toIssues(err).map(formatIssue).join('\n');
}

runAction().catch((err: unknown) => core.setFailed(failureText(err)));
