// Preflight: the run's grant (issue 12; contracts/README.md). Called from run-runbook.ts after the
// runner key is authorized and the runbook validates, before any step starts. Chooses the grant
// that names this runner and covers the runbook (contracts/grants/, and in dev the local
// .pcq/grants/); refuses with UnauthorizedRunner (PCQ_UNAUTHORIZED_RUNNER) when there is none,
// or it is revoked or expired. In dev, a runner no grant names at all gets a local dev grant on
// first use (vault/dev-grant.ts); prod and staging never do. Opening the run on the vault then
// re-checks everything on the contract's side (registry, revocation, expiry, budget) and is the
// one durable write a refusal can never make: a refused open_run leaves the ledger as it was.
import type { PcqConfig } from '../runtime/config.ts';
import { PcqError, type PcqIssue } from '../base/errors.ts';
import type { GrantRegistration, ManifestGrant, OpenReceipt, PrepaidVault } from '../base/prepaid-vault.ts';
import { chooseGrant, loadGrants, type GrantRecord } from '../vault/grant-store.ts';
import { issueDevGrant } from '../vault/dev-grant.ts';
import { vaultError } from '../vault/contract-errors.ts';
import { grantPath } from '../vault/grant-file.ts';

export interface GrantPreflight {
  record: GrantRecord;
  manifestGrant: ManifestGrant;
  registration: GrantRegistration;
}

/** Static check for `pcq validate`: every grant file parses, its versions agree and it is signed by its user. */
export async function grantFileIssues(root: string, includeLocal: boolean): Promise<PcqIssue[]> {
  return (await loadGrants(root, { includeLocal })).issues;
}

export async function preflightGrant(input: { config: PcqConfig; runner: string; runbookId: string; now: Date }): Promise<GrantPreflight> {
  const { config } = input;
  const dev = config.mode === 'dev';
  let loaded = await loadGrants(config.root, { includeLocal: dev });
  if (loaded.issues.length > 0) throw new PcqError({ ...loaded.issues[0]!, message: `refused before any step started: ${loaded.issues[0]!.message}` });
  if (dev && !loaded.grants.some((g) => g.granted.terms.runner === input.runner)) {
    await issueDevGrant(config.root, input.runner, input.now);
    loaded = await loadGrants(config.root, { includeLocal: true });
  }
  const choice = chooseGrant(loaded.grants, input.runner, input.runbookId, input.now);
  if (!choice.ok) {
    const err = vaultError('UnauthorizedRunner', `refused before any step started: ${choice.message}`, choice.reason);
    throw err;
  }
  const g = choice.grant;
  const t = g.granted.terms;
  return {
    record: g,
    manifestGrant: {
      grantId: t.grantId,
      version: t.version,
      digest: g.digest,
      signer: t.user,
      runner: t.runner,
      runbooks: t.runbooks,
      budget: t.budget,
      unit: t.unit,
      expiresAt: t.expiresAt,
      source: grantPath(g.dir, t.grantId, 1),
      devOverlay: g.devOverlay,
    },
    registration: { grantId: t.grantId, digest: g.digest, user: t.user, runner: t.runner, runbooks: t.runbooks, budget: t.budget, expiresAt: t.expiresAt },
  };
}

/**
 * What a run reserves at open (contracts/README.md "Usage"): one `step` unit per step in the plan,
 * the most it can use; it settles at finalize to the steps that ran (succeeded or failed).
 */
export function reservationFor(stepCount: number): number {
  return stepCount;
}

export async function openGrantedRun(
  vault: PrepaidVault,
  pre: GrantPreflight,
  input: { runId: string; runner: string; runbookId: string; reserve: number },
): Promise<OpenReceipt> {
  try {
    return await vault.openRun({
      runId: input.runId,
      grantId: pre.record.grantId,
      runner: input.runner,
      runbookId: input.runbookId,
      reserve: input.reserve,
      grant: pre.registration,
    });
  } catch (err) {
    // The vault's refusal, said as what it is for the run: nothing started, nothing was written.
    if (err instanceof PcqError && (err.code === 'PCQ_UNAUTHORIZED_RUNNER' || err.code === 'PCQ_BUDGET_EXHAUSTED' || err.code === 'PCQ_VAULT_REFUSED')) {
      throw new PcqError({ ...err.toIssue(), message: `refused before any step started: ${err.message}` });
    }
    throw err;
  }
}
