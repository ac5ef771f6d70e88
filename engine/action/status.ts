// `command: status`: the same report as `pcq status` (vault/run-status.ts), plus what only the Action
// can see: pending dispatches, the repository's workflow runs queued or in progress, read through the
// GitHub port (needs `actions: read`). Outputs: `pending`, `queue-depth`, `healthy`; the job summary
// carries the report.
import { loadConfig } from '../runtime/config.ts';
import { collectStatus, formatStatus, type RunnerStatus } from '../vault/run-status.ts';
import type { ActionContext } from './action-port.ts';

export async function statusCommand(ctx: ActionContext): Promise<RunnerStatus> {
  const config = await loadConfig({ env: ctx.env, cwd: ctx.workspace });
  // No token, no port: pending stays null (unknown), as in the CLI without GitHub.
  const pending = ctx.scm ? await ctx.scm.countPendingWorkflowRuns() : null;
  const status = await collectStatus(config, { recent: 5, now: ctx.now(), pending });
  const text = formatStatus(status);
  for (const line of text.trimEnd().split('\n')) ctx.core.info(line);
  ctx.core.setOutput('pending', pending === null ? '' : String(pending));
  ctx.core.setOutput('queue-depth', String(status.queue.depth));
  ctx.core.setOutput('healthy', String(status.health.ok));
  await ctx.core.writeSummary(['## pcq status', '', `Pending dispatches: ${pending ?? 'unknown (no token)'}`, '', '```', text.trimEnd(), '```', ''].join('\n'));
  return status;
}
