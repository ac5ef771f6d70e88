// `command: run` on workflow_dispatch: button → allow-list and role check (before anything runs) →
// the same run as `pcq run` → publish the sealed run in one commit → if a failed prover blocked the
// exports, open (or update) the ombuds review PR with the roster as reviewers; if the run paused at
// an approval step, open the pause PR whose review decides it (approval-pause.ts).
import { readFile } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { loadConfig } from '../runtime/config.ts';
import { runDoctor } from '../runtime/doctor.ts';
import { PcqError, PcqErrors } from '../base/errors.ts';
import { runRunbookFile, type RunReport } from '../run/run-runbook.ts';
import { newExecutionId } from '../cli/commands/run.ts';
import { formatEventLine } from '../run/progress.ts';
import { formatTokenEventLine } from '../run/token-progress.ts';
import { loadRunbookFile } from '../model/load-runbooks.ts';
import { normaliseAsOf } from '../run/run-params.ts';
import { PrBranch } from '../review/pr-branch.ts';
import { PrBody } from '../review/pr-body.ts';
import { parseTicket } from '../review/ticket.ts';
import type { Scm } from '../github/scm.ts';
import { authorizeButton, loadButtons, runbookFileForButton } from '../runtime/buttons.ts';
import { planRetry } from '../vault/retry-link.ts';
import type { RetryLink } from '../base/signed-records.ts';
import { changeSetFiles, publishFiles } from './publish.ts';
import { openPausePr } from './approval-pause.ts';
import { renderRunSummary } from './summary.ts';
import type { ActionContext } from './action-port.ts';

export interface DispatchOutcome {
  report: RunReport;
  publishedSha: string;
  reviewPrUrl?: string;
  /** The pause PR of a run that paused at an approval step. */
  approvalPrUrl?: string;
}

function needScm(ctx: ActionContext): Scm {
  if (!ctx.scm)
    throw new PcqError({
      code: 'PCQ_GITHUB_CONTEXT',
      message: 'this command needs a GitHub token',
      hint: 'Pass `token: ${{ github.token }}` (the default) to the pcq Action.',
    });
  return ctx.scm;
}

const repoPath = (workspace: string, p: string) => relative(workspace, p).split(sep).join('/');

export async function dispatchCommand(ctx: ActionContext, actor: string): Promise<DispatchOutcome> {
  const { core, inputs, workspace } = ctx;
  const scm = needScm(ctx);
  if (!inputs.button)
    throw new PcqError({
      code: 'PCQ_BUTTON_UNKNOWN',
      message: 'no button was given',
      hint: 'Dispatch the run workflow with a `button` from policies/buttons.yaml.',
    });
  const config = await loadConfig({ env: { ...ctx.env, PCQ_ACTOR: actor }, cwd: workspace });
  // Readiness first (pcq doctor): a machine that cannot run stops here, naming every cause.
  await core.group('pcq doctor', async () => {
    const ready = await runDoctor(config, { now: ctx.now });
    for (const c of ready.checks) core.info(`${c.ok ? '✓' : '✗'} ${c.check}: ${c.ok ? '' : `${c.code ?? 'PCQ_NOT_READY'} `}${c.message}`);
    if (!ready.ready) {
      const failed = ready.checks.filter((c) => !c.ok);
      // Each cause keeps its own code (PCQ_KEY_REVOKED, PCQ_SECRET_MISSING…), as `pcq run` would report it.
      throw new PcqErrors(
        failed.map((c) => ({
          code: c.code ?? 'PCQ_NOT_READY',
          message: `refused before any step started: ${c.check}: ${c.message}`,
          ...(c.hint ? { hint: c.hint } : {}),
        })),
      );
    }
  });
  const pressed = await core.group(`Authorise button ${inputs.button} for ${actor}`, async () => {
    const buttons = await loadButtons(workspace);
    const permission = await scm.getPermission(actor);
    const button = authorizeButton(buttons, inputs.button, actor, permission);
    core.info(`${actor} has ${permission}; ${button.id} → ${button.runbook}@${button.version}`);
    return { file: await runbookFileForButton(workspace, button), button };
  });
  // `command: retry`: the failed run's own file, resolved inputs and asOf (the same planRetry as `pcq retry`).
  const retry =
    inputs.command === 'retry'
      ? await core.group(`Plan the retry of ${inputs.executionId}`, () => retryPlan(ctx, config.root, config.attestationsDir, pressed.button))
      : undefined;
  const file = retry?.file ?? pressed.file;
  const report = await core.group(`Run ${repoPath(workspace, file)}`, async () => {
    const now = ctx.now();
    const r = await runRunbookFile({
      config,
      file,
      rawParams: retry?.params ?? inputs.params,
      ...(pressed.button.requireSignature ? { buttonRequiresSignature: { button: pressed.button.id } } : {}),
      ...(retry ? { retryOf: retry.link } : {}),
      asOf: retry?.asOf ?? normaliseAsOf(inputs.asOf || now.toISOString()),
      env: ctx.env,
      executionId: newExecutionId(now),
      startedAt: now.toISOString(),
      // The same typed events as the CLI progress, one log line each (main.ts redacts every line).
      onEvent: (event) => core.info(formatEventLine(event)),
      onTokenEvent: (event) => core.info(formatTokenEventLine(event)),
    });
    core.info(`${r.runbookId} v${r.version} execution ${r.executionId}: ${r.status}, verdict ${r.verdict}, Merkle root ${r.merkleRoot}`);
    for (const d of r.deliveries ?? []) {
      if (d.delivered) core.info(`review notice delivered by ${d.channel} ${d.name} (${d.attempts} attempt(s))`);
      else core.warning(`review notice NOT delivered by ${d.channel} ${d.name} after ${d.attempts} attempt(s): ${d.code} ${d.message}`);
    }
    return r;
  });
  const ticketFile = report.reviewTicket;
  const publishedSha = await core.group(`Publish ${report.executionId} to ${inputs.publishBranch}`, async () => {
    // The ticket is NOT published here: it goes alone on the review PR, which must change nothing else (docs/design.md §6).
    const changes = await changeSetFiles(workspace, config.attestationsDir, report.committed, { exclude: ticketFile ? [ticketFile] : [] });
    const sha = await publishFiles(scm, inputs.publishBranch, `pcq: ${report.runbookId} ${report.executionId} ${report.verdict}`, changes);
    core.info(`published ${changes.length} file(s) as ${sha}`);
    return sha;
  });
  const outcome: DispatchOutcome = { report, publishedSha };
  if (report.status === 'blocked' && ticketFile) {
    outcome.reviewPrUrl = await core.group('Open the ombuds review PR', () =>
      openReviewPr(scm, workspace, report, ticketFile, inputs.publishBranch, publishedSha, actor),
    );
    core.info(`ombuds review: ${outcome.reviewPrUrl}`);
  }
  const runbook = await loadRunbookFile(file);
  if (report.status === 'paused' && report.pause) {
    outcome.approvalPrUrl = await core.group(`Open the pause PR (${report.pause.stepId})`, () =>
      openPausePr({ scm, workspace, root: config.root, report, runbook, base: inputs.publishBranch, baseSha: publishedSha }),
    );
    core.info(`paused at ${report.pause.stepId}; a review of ${outcome.approvalPrUrl} decides it`);
  }
  const links: { manifestUrl?: string; reviewPrUrl?: string; approvalPrUrl?: string; siteUrl?: string } = {};
  const site = siteBaseUrl(ctx.env);
  if (site) links.siteUrl = `${site}/runs/${report.runbookId}/${report.executionId}/`;
  if (ctx.env.GITHUB_SERVER_URL && ctx.env.GITHUB_REPOSITORY)
    links.manifestUrl = `${ctx.env.GITHUB_SERVER_URL}/${ctx.env.GITHUB_REPOSITORY}/blob/${publishedSha}/${repoPath(workspace, report.manifestPath)}`;
  if (outcome.reviewPrUrl) links.reviewPrUrl = outcome.reviewPrUrl;
  if (outcome.approvalPrUrl) links.approvalPrUrl = outcome.approvalPrUrl;
  await core.writeSummary(renderRunSummary({ ...report, manifestPath: repoPath(workspace, report.manifestPath) }, runbook, links));
  return outcome;
}

/**
 * The retry of a failed run, checked against the pressed button: a retry runs the original's runbook
 * again, so the caller needs the role of that runbook's button (as a replay does, dispatch-replay.ts).
 */
async function retryPlan(
  ctx: ActionContext,
  root: string,
  attestationsDir: string,
  button: { id: string; runbook: string },
): Promise<{ file: string; params: Record<string, unknown>; asOf: string; link: RetryLink }> {
  if (!ctx.inputs.executionId)
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: 'command retry needs the input `execution-id`',
      hint: "Dispatch with the failed run's execution id (`pcq status` lists recent runs).",
    });
  const plan = await planRetry(attestationsDir, ctx.inputs.executionId);
  const file = resolve(root, plan.runbookFile);
  const runbook = await loadRunbookFile(file);
  if (runbook.runbookId !== button.runbook)
    throw new PcqError({
      code: 'PCQ_BUTTON_FORBIDDEN',
      message: `execution ${ctx.inputs.executionId} is a run of ${runbook.runbookId}, but button "${button.id}" runs ${button.runbook}`,
      hint: 'Retry a run with the button of its own runbook.',
    });
  ctx.core.info(`retry of ${ctx.inputs.executionId} (manifest ${plan.link.manifestDigest}): ${plan.runbookFile} as of ${plan.asOf}`);
  return { file, params: plan.params, asOf: plan.asOf, link: plan.link };
}

/** Branch from the published commit + the ticket alone; the PR is found by its branch, so a re-run updates it. */
export async function openReviewPr(
  scm: Scm,
  workspace: string,
  report: RunReport,
  ticketFile: string,
  base: string,
  baseSha: string,
  actor: string,
): Promise<string> {
  const ticketRel = repoPath(workspace, ticketFile);
  const ticketText = await readFile(ticketFile, 'utf8');
  const ticket = parseTicket(ticketText, ticketRel);
  const branch = new PrBranch(report.runbookId, report.executionId).toString();
  if ((await scm.getBranchSha(branch)) === null) await scm.createBranch(branch, baseSha);
  await scm.commitFiles({ branch, message: `pcq: ombuds review ticket for ${report.executionId}`, files: [{ path: ticketRel, content: ticketText }] });
  const body = new PrBody({
    runbookId: ticket.runbookId,
    executionId: ticket.executionId,
    manifestId: ticket.manifestId,
    merkleRoot: ticket.merkleRoot,
    ticketPath: ticketRel,
    failedStep: ticket.failedStep,
    failedProver: ticket.failedProver,
    reason: ticket.reason,
    assignedTo: ticket.assignedTo,
    roster: ticket.roster,
    manifestPath: repoPath(workspace, report.manifestPath),
    evidence: ticket.evidence,
  });
  const existing = await scm.findOpenPullRequestByHead(branch);
  const pr = existing
    ? await scm.updatePullRequest(existing.number, { title: body.title(), body: body.render() })
    : await scm.createPullRequest({ head: branch, base, title: body.title(), body: body.render() });
  // The assignee first; never the person who asked for the run (they could not decide it anyway).
  const reviewers = [ticket.assignedTo, ...ticket.roster.filter((l) => l !== ticket.assignedTo)].filter(
    (l) => l.toLowerCase() !== actor.toLowerCase() && l.toLowerCase() !== pr.author.login.toLowerCase(),
  );
  await scm.requestReviewers(pr.number, reviewers);
  return pr.htmlUrl;
}

/** The published site: PCQ_SITE_URL when set, else the GitHub Pages address of the repository. */
export function siteBaseUrl(env: Record<string, string | undefined>): string | undefined {
  if (env.PCQ_SITE_URL) return env.PCQ_SITE_URL.replace(/\/+$/, '');
  const repo = env.GITHUB_REPOSITORY;
  if (!repo || !/^[\w.-]+\/[\w.-]+$/.test(repo)) return undefined;
  const [owner, name] = repo.split('/') as [string, string];
  // A repository named <owner>.github.io is served at the root; any other at /<name>/.
  return name.toLowerCase() === `${owner.toLowerCase()}.github.io`
    ? `https://${owner.toLowerCase()}.github.io`
    : `https://${owner.toLowerCase()}.github.io/${name}`;
}
