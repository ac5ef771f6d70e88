// The manifest's grant and receipts (FORMATS.md "Grant and receipts"): who authorized the run, with
// what budget, and what it cost. Checked offline from the manifest alone (browser and `pcq verify`
// alike): the grant names the runner that signed, the receipts name this run and this grant, and
// the run spent neither more than it reserved nor more than the grant's budget. Whether the grant
// file exists and whether it was revoked before the run opened needs the repository's grant files:
// `pcq verify` checks that at its edge (vault/verify-grant-files.ts).
import type { PcqCode } from '../base/error-catalogue.ts';

type Raw = Record<string, unknown>;
type Fail = (code: PcqCode, check: string, message: string) => void;
type Pass = (code: PcqCode, check: string, message: string) => void;

const num = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) ? v : NaN);

/** Reports the grant checks; silent for a manifest sealed before grants existed (neither field). */
export function checkGrantAndReceipts(m: Raw, fail: Fail, pass: Pass): void {
  if (!('grant' in m) && !('receipts' in m)) return;
  const grant = m.grant as Raw | undefined;
  const receipts = m.receipts as { open?: Raw; finalize?: Raw } | undefined;
  if (!grant) return void fail('PCQ_GRANT_MISSING', 'grant', 'the manifest carries receipts but binds no grant');
  // A paused run's vault run is still open (FORMATS.md "Approval steps"): open_run only, checked as far as it goes.
  if (m.state === 'paused' && receipts?.open && !receipts.finalize) return checkOpenOnly(m, grant, receipts.open, fail, pass);
  if (!receipts?.open || !receipts.finalize)
    return void fail('PCQ_GRANT_MISMATCH', 'grant-receipts', 'the manifest binds a grant but not both the open_run and finalize_run receipts');
  const { open, finalize } = receipts;
  const mismatches: string[] = [];
  if (grant.runner !== m.executedBy) mismatches.push(`the grant is for runner ${String(grant.runner)}, the run was signed by ${String(m.executedBy)}`);
  if (open.runner !== m.executedBy) mismatches.push('the open_run receipt names another runner');
  if (open.runId !== m.executionId || finalize.runId !== m.executionId) mismatches.push('a receipt names another run id than the executionId');
  if (open.grantId !== grant.grantId || finalize.grantId !== grant.grantId) mismatches.push('a receipt names another grant');
  if (open.grantDigest !== grant.digest) mismatches.push('the open_run receipt registers another grant digest');
  if (open.runbookId !== m.runbookId) mismatches.push('the open_run receipt names another runbook');
  const runbooks = Array.isArray(grant.runbooks) ? grant.runbooks : [];
  if (!runbooks.includes('*') && !runbooks.includes(m.runbookId)) mismatches.push(`the grant does not cover runbook ${String(m.runbookId)}`);
  if (!(num(finalize.ledger) > num(open.ledger))) mismatches.push('the run finalized at a ledger sequence not after it opened');
  if (open.backend !== finalize.backend || open.contractId !== finalize.contractId) mismatches.push('the receipts come from different vaults');
  if (mismatches.length > 0) return void fail('PCQ_GRANT_MISMATCH', 'grant-receipts', mismatches.join('; '));
  pass(
    'PCQ_GRANT_MISMATCH',
    'grant-receipts',
    `grant ${String(grant.grantId)} (${String(grant.digest)}) signed by user ${String(grant.signer)} authorized runner ${String(grant.runner)}; opened at ledger ${num(open.ledger)}, finalized at ${num(finalize.ledger)} on ${String(open.contractId)}`,
  );
  const usage = num(finalize.usage),
    reserved = num(open.reserved),
    budget = num(grant.budget),
    spent = num(finalize.spentAfter);
  if (!(usage <= reserved)) return void fail('PCQ_GRANT_OVER_BUDGET', 'budget', `the run used ${usage} units but reserved ${reserved}`);
  if (!(spent <= budget) || !(usage <= spent))
    return void fail('PCQ_GRANT_OVER_BUDGET', 'budget', `the grant's settled usage ${spent} exceeds its budget ${budget} (this run: ${usage})`);
  pass(
    'PCQ_GRANT_OVER_BUDGET',
    'budget',
    `cost ${usage} ${String(grant.unit)} unit(s) of ${reserved} reserved (${String(finalize.outcome)}); grant budget ${budget}, ${spent} spent after this run`,
  );
}

/** The grant and the open_run receipt of a paused run: the same bindings as a finished run's, without the settlement. */
function checkOpenOnly(m: Raw, grant: Raw, open: Raw, fail: Fail, pass: Pass): void {
  const mismatches: string[] = [];
  if (grant.runner !== m.executedBy || open.runner !== m.executedBy)
    mismatches.push('the grant or the open_run receipt names another runner than the one that signed');
  if (open.runId !== m.executionId) mismatches.push('the open_run receipt names another run id than the executionId');
  if (open.grantId !== grant.grantId || open.grantDigest !== grant.digest) mismatches.push('the open_run receipt names another grant');
  if (open.runbookId !== m.runbookId) mismatches.push('the open_run receipt names another runbook');
  const runbooks = Array.isArray(grant.runbooks) ? grant.runbooks : [];
  if (!runbooks.includes('*') && !runbooks.includes(m.runbookId)) mismatches.push(`the grant does not cover runbook ${String(m.runbookId)}`);
  if (mismatches.length > 0) return void fail('PCQ_GRANT_MISMATCH', 'grant-receipts', mismatches.join('; '));
  pass(
    'PCQ_GRANT_MISMATCH',
    'grant-receipts',
    `grant ${String(grant.grantId)} authorized runner ${String(grant.runner)}; the vault run is open (paused: ${num(open.reserved)} reserved, not yet settled)`,
  );
}
