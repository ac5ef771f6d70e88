// `command: validate` (and `plan`): validate runbooks and the Action's policies, annotate every
// problem at file:line, and on a pull_request keep one sticky plan comment up to date.
import { readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { validateRepository } from '../cli/commands/validate.ts';
import { parseRunbook } from '../model/parse-runbook.ts';
import type { Runbook } from '../model/runbook.ts';
import { isError, toIssues, type PcqIssue } from '../base/errors.ts';
import { PLAN_MARKER, upsertStickyComment } from '../github/sticky-comment.ts';
import type { Scm } from '../github/scm.ts';
import { emitAnnotations } from './annotations.ts';
import { BUTTONS_FILE, parseButtons, type Button } from '../runtime/buttons.ts';
import { renderPlanComment, type ChangedRunbook } from './plan-comment.ts';
import type { ActionContext } from './action-port.ts';
import type { PullRequestEvent } from './events.ts';

export interface ValidateOutcome {
  ok: boolean;
  issues: PcqIssue[];
  commentUrl?: string;
}

/** The buttons for the plan comment; their problems are reported by the preflight's policies check. */
async function buttonsWithIssues(workspace: string): Promise<{ buttons: Button[]; issues: PcqIssue[] }> {
  let text: string;
  try {
    text = await readFile(join(workspace, BUTTONS_FILE), 'utf8');
  } catch {
    return { buttons: [], issues: [] };
  }
  try {
    return { buttons: [...parseButtons(text, join(workspace, BUTTONS_FILE)).values()], issues: [] };
  } catch (err) {
    return { buttons: [], issues: toIssues(err) };
  }
}

function runbookAt(text: string | null, file: string): Runbook | null {
  if (text === null) return null;
  const parsed = parseRunbook(text, file);
  return parsed.runbook ?? parsed.draft ?? null;
}

async function changedRunbooks(
  scm: Scm,
  event: PullRequestEvent,
  workspace: string,
  valid: Runbook[],
): Promise<{ runbooks: ChangedRunbook[]; policies: string[] }> {
  const files = await scm.listPullRequestFiles(event.number);
  const runbooks: ChangedRunbook[] = [];
  for (const f of files.filter((x) => /^runbooks\/[^/]+\.(ya?ml|json)$/.test(x.path))) {
    const head =
      f.status === 'removed'
        ? null
        : (valid.find((r) => resolve(workspace, r.source.file) === resolve(workspace, f.path)) ??
          runbookAt(await readFile(join(workspace, f.path), 'utf8').catch(() => null), f.path));
    const base = f.status === 'added' ? null : runbookAt(await scm.getFileContent(f.previousPath ?? f.path, event.baseSha), f.path);
    runbooks.push({ path: f.path, head, base });
  }
  return { runbooks, policies: files.filter((x) => /^(policies|spells|contracts)\//.test(x.path)).map((x) => x.path) };
}

export async function validateCommand(ctx: ActionContext, event: PullRequestEvent | null): Promise<ValidateOutcome> {
  const { core, workspace } = ctx;
  const result = await core.group('Validate runbooks and policies', async () => {
    // The run's whole preflight (run/preflight/checks.ts), buttons and every policy file included.
    const checked = await validateRepository(
      workspace,
      ctx.inputs.paths.map((p) => resolve(workspace, p)),
    );
    const buttons = await buttonsWithIssues(workspace);
    const issues = checked.issues.map((i) =>
      i.location ? { ...i, location: { ...i.location, file: relative(workspace, resolve(workspace, i.location.file)) } } : i,
    );
    const counts = emitAnnotations(issues, workspace, core);
    core.info(`${checked.files.length} runbook file(s) checked: ${counts.errors} error(s), ${counts.warnings} warning(s)`);
    return { ...checked, issues, buttons: buttons.buttons };
  });
  const ok = !result.issues.some(isError);
  const outcome: ValidateOutcome = { ok, issues: result.issues };
  if (event && ctx.scm) {
    const scm = ctx.scm;
    await core.group('Plan comment', async () => {
      const changed = await changedRunbooks(scm, event, workspace, result.runbooks);
      const body = renderPlanComment({
        runbooks: changed.runbooks,
        changedPolicies: changed.policies,
        issues: result.issues,
        buttons: result.buttons,
        workspace,
      });
      try {
        const { comment, created } = await upsertStickyComment(scm, event.number, PLAN_MARKER, body);
        outcome.commentUrl = comment.htmlUrl;
        core.info(`${created ? 'created' : 'updated'} plan comment ${comment.htmlUrl}`);
      } catch (err) {
        // A PR from a fork gets a read-only token: the annotations above still carry every problem.
        core.warning(
          `could not write the plan comment: ${toIssues(err)
            .map((i) => i.message)
            .join('; ')}`,
          { title: 'pcq plan comment' },
        );
        core.info(body);
      }
    });
  }
  return outcome;
}
