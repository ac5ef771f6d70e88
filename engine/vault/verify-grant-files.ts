// `pcq verify`'s grant checks that need the repository (proof/verify-grant.ts checks the rest from
// the manifest alone): the grant the manifest binds exists as contracts/grants/<grantId>/v1.json
// (or, in dev mode, the local .pcq/grants/), hashes to the bound digest and is signed by the bound
// user; and no revocation of it took effect at or before the ledger sequence the run opened at.
// A manifest without a grant fails PCQ_GRANT_MISSING outside dev (a dev verifier still accepts
// manifests sealed before grants existed, as it accepts dev-overlay keys).
import type { VerifyCheck } from '../proof/verify-manifest.ts';
import type { RunMode } from '../proof/authorization.ts';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PcqIssue } from '../base/errors.ts';
import { loadGrants } from './grant-store.ts';

/** Whether `root` holds grant files at all (contracts/grants/, or the dev overlay .pcq/grants/ in dev). */
export async function grantFilesPresent(root: string, mode: RunMode): Promise<boolean> {
  const dirs = mode === 'dev' ? ['contracts/grants', '.pcq/grants'] : ['contracts/grants'];
  for (const dir of dirs) {
    const info = await stat(join(root, dir)).catch(() => undefined);
    if (info?.isDirectory()) return true;
  }
  return false;
}

/** The warning `pcq verify --key/--trust` prints where no grant files exist to check. */
export function grantUncheckedWarning(root: string): PcqIssue {
  return {
    code: 'PCQ_GRANT_UNCHECKED',
    severity: 'warning',
    message: `no grant files in ${root} (contracts/grants/): the grant file and its revocations were not checked; the grant, budget and receipts the manifest binds were`,
    hint: 'Run pcq verify inside the repository the manifest came from to check the grant file and revocations.',
  };
}

type Raw = Record<string, unknown>;

/** `manifest`: the parsed manifest (its steps are not read; the streaming verifier's header will do). */
export async function grantFileChecks(manifest: unknown, root: string, mode: RunMode): Promise<VerifyCheck[]> {
  if (typeof manifest !== 'object' || manifest === null) return []; // verifyManifest already reported it
  const m = manifest as Raw;
  const grant = m.grant as Raw | undefined;
  const open = (m.receipts as { open?: Raw } | undefined)?.open;
  if (!grant) {
    if (mode === 'dev') return [];
    return [
      { code: 'PCQ_GRANT_MISSING', check: 'grant-file', ok: false, message: `the manifest binds no grant; in ${mode} mode every run opens under a grant` },
    ];
  }
  const { grants } = await loadGrants(root, { includeLocal: mode === 'dev' });
  const record = grants.find((g) => g.grantId === grant.grantId);
  if (!record)
    return [
      {
        code: 'PCQ_GRANT_MISSING',
        check: 'grant-file',
        ok: false,
        message: `grant ${String(grant.grantId)} (${String(grant.source)}) is not among this repository's grants${mode === 'dev' ? '' : ' (contracts/grants/; the dev overlay is not read outside dev)'}`,
      },
    ];
  if (
    record.digest !== grant.digest ||
    record.granted.terms.user !== grant.signer ||
    record.granted.terms.runner !== grant.runner ||
    record.granted.terms.budget !== grant.budget
  ) {
    return [
      {
        code: 'PCQ_GRANT_MISMATCH',
        check: 'grant-file',
        ok: false,
        message: `grant ${record.grantId}'s file (${record.digest}) is not the grant the manifest binds (${String(grant.digest)})`,
      },
    ];
  }
  const checks: VerifyCheck[] = [
    {
      code: 'PCQ_GRANT_MISSING',
      check: 'grant-file',
      ok: true,
      message: `${record.dir}/${record.grantId}/v1.json hashes to the bound digest and is signed by user ${record.granted.terms.user}`,
    },
  ];
  const latest = record.latest.terms;
  const opened = typeof open?.ledger === 'number' ? open.ledger : NaN;
  if (latest.revoked && latest.revokedAtLedger !== undefined && latest.revokedAtLedger <= opened) {
    checks.push({
      code: 'PCQ_GRANT_REVOKED_BEFORE_OPEN',
      check: 'grant-revocation',
      ok: false,
      message: `grant ${record.grantId} was revoked at ledger ${latest.revokedAtLedger}, at or before the run opened (ledger ${opened})`,
    });
  } else {
    checks.push({
      code: 'PCQ_GRANT_REVOKED_BEFORE_OPEN',
      check: 'grant-revocation',
      ok: true,
      message: latest.revoked
        ? `grant ${record.grantId} was revoked at ledger ${latest.revokedAtLedger ?? '?'}, after the run opened (ledger ${opened}): the run stands`
        : `grant ${record.grantId} is not revoked`,
    });
  }
  return checks;
}
