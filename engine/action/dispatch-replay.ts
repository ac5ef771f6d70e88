// `command: run` with `replay-of`: re-execute a recorded run (run/replay-run.ts, the same code as
// `pcq replay`) and publish the comparison beside it. The button is still required and checked:
// a replay runs the button's runbook again, so it needs the same role, and the recorded run must be
// of that runbook. A replay never repeats side effects (docs/design.md §5).
import { loadConfig } from '../runtime/config.ts';
import { PcqError } from '../base/errors.ts';
import { locateExecution, replayExecution, type ReplayReport } from '../run/replay-run.ts';
import { recoverBeforeRead } from '../store/recover-before-read.ts';
import { readVerifiedManifest } from '../run/replay-source.ts';
import { authorizeButton, loadButtons } from '../runtime/buttons.ts';
import { changeSetFiles, publishFiles } from './publish.ts';
import type { ActionContext } from './action-port.ts';

export async function replayCommand(ctx: ActionContext, actor: string): Promise<{ report: ReplayReport; publishedSha: string }> {
  const { core, inputs, workspace } = ctx;
  if (!ctx.scm)
    throw new PcqError({
      code: 'PCQ_GITHUB_CONTEXT',
      message: 'replay needs a GitHub token to publish its report',
      hint: 'Pass `token: ${{ github.token }}`.',
    });
  const scm = ctx.scm;
  const config = await loadConfig({ env: { ...ctx.env, PCQ_ACTOR: actor }, cwd: workspace });
  // Finish what a killed process left before the index and the execution folder are read.
  for (const issue of await recoverBeforeRead(config.attestationsDir)) core.warning(`${issue.code} ${issue.message}`, { title: 'store not fully repaired' });
  const dir = await core.group(`Authorise replay of ${inputs.replayOf} for ${actor}`, async () => {
    const button = authorizeButton(await loadButtons(workspace), inputs.button, actor, await scm.getPermission(actor));
    const found = await locateExecution(config, inputs.replayOf);
    // The runbook a button may replay is the one the verified manifest signs, never an unchecked field.
    const manifest = await readVerifiedManifest(config, found);
    if (manifest.runbookId !== button.runbook) {
      throw new PcqError({
        code: 'PCQ_BUTTON_FORBIDDEN',
        message: `execution ${inputs.replayOf} is a run of ${String(manifest.runbookId)}, but button "${button.id}" runs ${button.runbook}`,
        hint: 'Replay a run with the button of its own runbook.',
      });
    }
    return found;
  });
  const report = await core.group(`Replay ${inputs.replayOf}`, () => replayExecution(config, dir, ctx.env, ctx.now()));
  // The replay's one change is its report (replays/<n>.json), a public file of the execution.
  const changes = await changeSetFiles(workspace, config.attestationsDir, {
    publicPaths: report.reportPath ? [report.reportPath] : [],
    removedPaths: [],
    indexChanged: false,
  });
  const publishedSha = await publishFiles(
    scm,
    inputs.publishBranch,
    `pcq: replay of ${report.executionId} ${report.identical ? 'reproduced' : 'DIVERGED'}`,
    changes,
  );
  const rows = report.steps.map((s) => `| \`${s.stepId}\` | ${s.identical ? '✅ identical' : `❌ ${s.differences.map((d) => d.field).join(', ')}`} |`);
  await core.writeSummary(
    [
      `## ${report.identical ? '✅' : '❌'} replay of ${report.runbookId} ${report.executionId}: ${report.identical ? 'reproduced' : 'diverged'}`,
      '',
      `Merkle root: original \`${report.originalMerkleRoot}\` · replayed \`${report.replayedMerkleRoot}\`${report.sameKey ? '' : ' (different signing key)'}`,
      '',
      '| step | result |',
      '|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
  return { report, publishedSha };
}
