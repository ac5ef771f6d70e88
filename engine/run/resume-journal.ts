// The resume journal (docs/operations.md "Resume after a crash"): what `pcq approve` has done that
// the outside world cannot undo, written down BEFORE it is done, so a killed approve is repaired by
// the next one and never repeated. <execution>/private/resume.json (private: never published,
// mode 0600) holds:
//   - the signed decision, written before any step after the pause runs: from then on the run has
//     its one decision; a later `pcq approve` (after a crash) must ask for the same decision and
//     carries this envelope on, it never signs a second one (PCQ_RESUME_DECIDED otherwise);
//   - the settlement: the intent {usage, ok} before finalize_run is sent, the receipt once it came
//     back. A later approve that finds an intent asks the vault whether the run is settled already
//     (PrepaidVault.settledRun) and binds that receipt instead of settling twice.
// The journal is removed once the final manifest is committed; a journal beside a manifest that is
// no longer paused is a leftover of a kill after the commit and is ignored (and removed). It is read
// as hostile: a file that does not parse, or whose decision is not a decision on THIS paused
// manifest signed by the key it names, refuses the approve with PCQ_RESUME_JOURNAL_INVALID and
// nothing changed (an operator removes it after checking; the run is then still paused).
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PcqError } from '../base/errors.ts';
import type { DsseEnvelope, Manifest } from '../base/signed-records.ts';
import type { FinalizeReceipt, FinalizeRunArgs, PrepaidVault } from '../base/prepaid-vault.ts';
import { crashPoint } from '../base/test-crash.ts';
import { readApprovalDecision, type ApprovalDecision } from '../proof/approval-decision.ts';
import { readEnvelope, verifyEnvelopeSignature } from '../proof/dsse.ts';
import { decodeEnvelopePayload } from '../proof/statement.ts';
import { tryDecodeStrKey } from '../proof/strkey.ts';
import { nodeVerify } from '../proof/ed25519-node.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';

export const RESUME_JOURNAL = join('private', 'resume.json');
const FORMAT = 'pcq-resume/1';

export interface ResumeJournal {
  format: typeof FORMAT;
  executionId: string;
  /** sha256 of the paused manifest.pcq the decision was taken on. */
  pausedManifestDigest: string;
  envelope: DsseEnvelope;
  settlement?: { usage: number; ok: boolean; receipt?: FinalizeReceipt };
}

export interface JournalEntry {
  journal: ResumeJournal;
  decision: ApprovalDecision;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const whole = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;

function invalid(path: string, why: string): PcqError {
  return new PcqError({
    code: 'PCQ_RESUME_JOURNAL_INVALID',
    message: `${path} is not a resume journal of this paused run: ${why}`,
    hint: 'Nothing was changed. It is local state of an interrupted `pcq approve`; if you did not expect one, check who wrote it, remove it, and decide again.',
  });
}

function receiptProblem(r: unknown, executionId: string): string | undefined {
  if (!isRecord(r)) return 'its receipt is not an object';
  if (r.method !== 'finalize_run' || r.runId !== executionId) return 'its receipt is not the finalize_run of this run';
  if (!whole(r.usage) || !whole(r.spentAfter) || !whole(r.ledger) || (r.outcome !== 'finalized' && r.outcome !== 'failed'))
    return 'its receipt fields have the wrong types';
  if (typeof r.grantId !== 'string' || typeof r.contractId !== 'string' || (r.backend !== 'embedded' && r.backend !== 'soroban'))
    return 'its receipt names no vault';
  return undefined;
}

/** Reads and checks the journal against the paused manifest; undefined when there is none. */
export async function readResumeJournal(dir: string, paused: Manifest, pausedManifestDigest: string): Promise<JournalEntry | undefined> {
  const path = join(dir, RESUME_JOURNAL);
  const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(path, `not JSON (${(err as Error).message})`);
  }
  if (!isRecord(value) || value.format !== FORMAT) throw invalid(path, `not a ${FORMAT} document`);
  if (value.executionId !== paused.executionId || value.pausedManifestDigest !== pausedManifestDigest) {
    throw invalid(path, 'it was written for another execution or another paused manifest');
  }
  const decision = readApprovalDecision(value.envelope);
  if ('problem' in decision) throw invalid(path, `its decision envelope: ${decision.problem}`);
  const env = readEnvelope(value.envelope);
  const key = tryDecodeStrKey('public', decision.keyid);
  if (!env.ok || !key || !(await verifyEnvelopeSignature(env.envelope, env.payload, 0, key, nodeVerify, { signed: env.signed }))) {
    throw invalid(path, `its decision's signature does not verify with ${decision.keyid}`);
  }
  const subject = (decodeEnvelopePayload(value.envelope) as { subject?: Array<{ digest?: { sha256?: unknown } }> } | undefined)?.subject?.[0]?.digest?.sha256;
  if (
    `sha256:${String(subject)}` !== pausedManifestDigest ||
    decision.executionId !== paused.executionId ||
    decision.stepId !== paused.pause?.stepId ||
    decision.pausedMerkleRoot !== paused.merkleRoot
  ) {
    throw invalid(path, 'its decision was not taken on this paused manifest');
  }
  const s = value.settlement;
  if (s !== undefined) {
    if (!isRecord(s) || !whole(s.usage) || typeof s.ok !== 'boolean') throw invalid(path, 'its settlement is not {usage, ok}');
    const problem = s.receipt === undefined ? undefined : receiptProblem(s.receipt, paused.executionId);
    if (problem) throw invalid(path, problem);
  }
  return { journal: value as unknown as ResumeJournal, decision };
}

export async function writeResumeJournal(dir: string, journal: ResumeJournal): Promise<void> {
  await writeFileAtomic(join(dir, RESUME_JOURNAL), JSON.stringify(journal) + '\n', 0o600);
}

export async function removeResumeJournal(dir: string): Promise<void> {
  await rm(join(dir, RESUME_JOURNAL), { force: true });
}

/**
 * The vault as the resumed run settles it: the intent is journaled before finalize_run, the receipt
 * after; a run an earlier (killed) approve already settled is answered from the vault, never
 * settled twice.
 */
export function journaledVault(vault: PrepaidVault, dir: string, journal: ResumeJournal): PrepaidVault {
  return new Proxy(vault, {
    get(target, prop, receiver) {
      if (prop !== 'finalizeRun') return Reflect.get(target, prop, receiver) as unknown;
      return (args: FinalizeRunArgs) => settleOnce(target, dir, journal, args);
    },
  });
}

async function settleOnce(vault: PrepaidVault, dir: string, journal: ResumeJournal, args: FinalizeRunArgs): Promise<FinalizeReceipt> {
  const earlier = journal.settlement;
  const earlierAttempt = earlier !== undefined;
  if (earlier) {
    // An earlier approve sent finalize_run (maybe): the vault is the truth of whether it landed.
    const settled = vault.settledRun ? await vault.settledRun(args.runId) : earlier.receipt;
    if (settled) {
      journal.settlement = { ...earlier, receipt: settled };
      await writeResumeJournal(dir, journal);
      return settled;
    }
  }
  journal.settlement = { usage: args.usage, ok: args.ok };
  await writeResumeJournal(dir, journal); // the intent, before the call that cannot be taken back
  let receipt: FinalizeReceipt;
  try {
    receipt = await vault.finalizeRun(args);
  } catch (err) {
    if ((err as { details?: { contractError?: string } }).details?.contractError !== 'RunNotOpen') throw err;
    if (!earlierAttempt) throw runNeverOpened(vault.backend, args.runId);
    throw new PcqError({
      code: 'PCQ_RESUME_SETTLEMENT_UNKNOWN',
      message: `run ${args.runId} was already settled on the ${vault.backend} vault by an approve that was killed before it recorded the receipt, and this vault cannot be asked for it`,
      hint: 'Nothing was changed here: the run is still paused. Find its finalize_run transaction (`pcq status`, the contract events) and settle the record by hand with an operator.',
    });
  }
  crashPoint('resume:after-finalize');
  journal.settlement = { usage: args.usage, ok: args.ok, receipt };
  await writeResumeJournal(dir, journal);
  crashPoint('resume:before-commit');
  return receipt;
}

/**
 * RunNotOpen with no earlier settlement attempt on record: this vault never reserved the run (for
 * example the embedded ledger of another machine, as in a fresh GitHub Actions checkout), so
 * nothing was settled twice and the paused run is untouched.
 */
function runNeverOpened(backend: string, runId: string): PcqError {
  return new PcqError({
    code: 'PCQ_RESUME_RUN_NOT_OPEN',
    message: `run ${runId} is not open on the ${backend} vault this approve reached: the vault that reserved it at the pause is not this one`,
    hint: 'Resume where the run paused (the same machine for the embedded ledger), or use the Soroban vault, whose reservations every runner sees (docs/operations.md). The run is still paused.',
  });
}
