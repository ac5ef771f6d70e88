// `pcq status [--json]` (the runner playbook's GET /summary): queue depth (runs open on the vault,
// holding reservations; pending dispatches are the Action's, read through the GitHub port), the
// recent runs with their vault state, the grants' spend, and health (pause switch, vault, registry).
import { EXIT, type CliIo, type Command } from '../io.ts';
import { parseCommandArgs } from '../args.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig } from '../../runtime/config.ts';
import { collectStatus, formatStatus } from '../../vault/run-status.ts';
import { octokitScmFromEnv } from '../../github/octokit-scm.ts';

const USAGE = `Usage: pcq status [--json] [--recent N]

queue    runs open on the PrepaidVault (opened, not finalized: they hold their reservation) —
         the embedded ledger's runs; on Soroban, the contract's run_opened / run_finalized events —
         plus pending dispatches (workflow runs queued or in progress) when GITHUB_TOKEN and
         GITHUB_REPOSITORY are set (GITHUB_API_URL for GitHub Enterprise); else pending is null
recent   the last N runs (default 5): execution id, runbook, status, vault state, cost
grants   every grant with its spend on the vault
health   the pause switch (policies/pause.yaml), the vault (ledger readable / RPC healthy), the
         agent registry's active runners

Exit codes: 0 healthy · 1 unhealthy (paused, vault unreadable or unreachable) · 2 bad arguments
`;

export const command: Command = {
  name: 'status',
  summary: 'Queue depth (open runs on the vault), recent runs and health',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, recent: { type: 'string' }, ...CONFIG_FLAG_OPTIONS }, 'status');
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
    const recent = typeof values.recent === 'string' && /^\d{1,3}$/.test(values.recent) ? Number(values.recent) : 5;
    // The GitHub port is available inside a workflow (GITHUB_TOKEN + GITHUB_REPOSITORY): pending
    // dispatches are then counted; elsewhere they are unknown (null), never guessed.
    const token = io.env.GITHUB_TOKEN;
    const pending = token && io.env.GITHUB_REPOSITORY ? await octokitScmFromEnv(io.env, token).countPendingWorkflowRuns() : null;
    const status = await collectStatus(config, { recent, now: new Date(), pending });
    io.stdout(values.json ? JSON.stringify(status, null, 2) + '\n' : formatStatus(status));
    return status.health.ok ? EXIT.ok : EXIT.failed;
  },
};
