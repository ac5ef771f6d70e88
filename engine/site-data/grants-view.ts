// The site's grants page (site/src/pages/grants.astro): grants, runner status (the agent registry)
// and queue depth, read at build time by the same code as `pcq status` (vault/run-status.ts) from
// the repository the site is built from. Only committed grants count (contracts/grants/; the dev
// overlay .pcq/grants/ is never published), and the embedded ledger is read when the build machine
// has one (.pcq/ is git-ignored: a site built in CI shows grants and runs, spend "—").
import { join } from 'node:path';
import { DEFAULTS } from '../runtime/config.ts';
import { collectStatus, type RunnerStatus } from '../vault/run-status.ts';

export type GrantsView = RunnerStatus & { builtAt: string };

export async function readGrantsView(root: string, now: Date = new Date()): Promise<GrantsView> {
  const status = await collectStatus(
    {
      root,
      attestationsDir: join(root, DEFAULTS.attestationsDir),
      mode: 'prod',
      vault: { ...DEFAULTS.vault, contractId: undefined, agentRegistryId: undefined },
    },
    { recent: 20, now },
  );
  return { ...status, builtAt: now.toISOString() };
}
