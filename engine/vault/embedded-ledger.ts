// The embedded ledger (the default backend, no network): the PrepaidVault contract
// (vault-contract.ts) applied to one durable file, .pcq/ledger/vault.json. Every call is a
// compare-and-swap under the ledger lock (store/lock.ts: a lock a killed process cannot strand):
// read the state and its ledger sequence, apply the method, check the file still holds that
// sequence, write the next state atomically (temp file, fsync, rename). Separate processes opening
// runs against one grant are serialised by the lock, so none double-spends and none loses an update.
// A refused call writes nothing.
import { join } from 'node:path';
import { PcqError } from '../base/errors.ts';
import type {
  FinalizeReceipt,
  GrantReceipt,
  GrantRegistration,
  GrantState,
  OpenReceipt,
  PrepaidVault,
  RevokeReceipt,
  FinalizeRunArgs,
  OpenRunArgs,
} from '../base/prepaid-vault.ts';
import { withLock } from '../store/lock.ts';
import { readOptional } from '../store/read-optional.ts';
import { writeJsonAtomic } from '../store/atomic-write.ts';
import { asPcqError } from './contract-errors.ts';
import * as contract from './vault-contract.ts';

export const LEDGER_FILE = '.pcq/ledger/vault.json';
const LOCK_WAIT_MS = 30_000;

export interface EmbeddedLedgerOptions {
  root: string;
  /** The agent registry: whether a key is an active runner in the trust store now. */
  isRegisteredRunner(runner: string): boolean;
  now?: () => Date;
  /** Test seam: runs between reading the state and writing the next one (under the lock). */
  onApply?: () => Promise<void>;
}

export async function readLedgerState(path: string): Promise<contract.VaultState> {
  const text = await readOptional(path);
  if (text === undefined) return contract.emptyVaultState();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw corrupt(path, (err as Error).message);
  }
  const v = value as Partial<contract.VaultState>;
  if (
    typeof v !== 'object' ||
    v === null ||
    v.format !== 'pcq-vault/1' ||
    !Number.isSafeInteger(v.ledger) ||
    typeof v.grants !== 'object' ||
    typeof v.runs !== 'object' ||
    !Array.isArray(v.events)
  )
    throw corrupt(path, 'not a pcq-vault/1 ledger');
  return v as contract.VaultState;
}

function corrupt(path: string, why: string): PcqError {
  return new PcqError({
    code: 'PCQ_LEDGER_CORRUPT',
    message: `the embedded ledger ${path} cannot be read: ${why}`,
    hint: "Restore .pcq/ledger/vault.json from a backup; it is the vault's only copy of budgets and open runs.",
  });
}

export class EmbeddedLedger implements PrepaidVault {
  readonly backend = 'embedded' as const;
  readonly path: string;
  readonly contractId: string;
  private readonly opts: EmbeddedLedgerOptions;
  constructor(opts: EmbeddedLedgerOptions) {
    this.opts = opts;
    this.path = join(opts.root, LEDGER_FILE);
    this.contractId = `embedded:${LEDGER_FILE}`;
  }

  private ctx(): contract.VaultContext {
    return { isRegisteredRunner: (r) => this.opts.isRegisteredRunner(r), now: (this.opts.now ?? (() => new Date()))() };
  }

  /** One compare-and-swap transaction: the state changes only when `apply` returns a new one. */
  private async transact<T>(apply: (s: contract.VaultState) => { state: contract.VaultState; value: T }): Promise<T> {
    return withLock(
      join(this.opts.root, '.pcq/ledger/vault.lock'),
      LOCK_WAIT_MS,
      {
        code: 'PCQ_LEDGER_LOCKED',
        message: 'another pcq process held the ledger lock for 30 s',
        hint: 'Try again in a moment; a lock left by a dead process is taken over by itself.',
      },
      async () => {
        const before = await readLedgerState(this.path);
        let out: { state: contract.VaultState; value: T };
        try {
          out = apply(before);
        } catch (err) {
          throw asPcqError(err);
        }
        if (out.state === before) return out.value;
        await this.opts.onApply?.();
        const current = await readLedgerState(this.path);
        if (current.ledger !== before.ledger)
          throw new PcqError({
            code: 'PCQ_LEDGER_LOCKED',
            message: `the ledger moved from ${before.ledger} to ${current.ledger} during an update`,
            hint: 'Another writer ignored the ledger lock; try again.',
          });
        await writeJsonAtomic(this.path, out.state);
        return out.value;
      },
    );
  }

  grantRunner(g: GrantRegistration): Promise<GrantReceipt> {
    return this.transact((s) => {
      const r = contract.grantRunner(s, g);
      return {
        state: r.state,
        value: {
          method: 'grant_runner',
          grantId: g.grantId,
          digest: r.result.digest,
          ledger: r.result.grantedAtLedger,
          backend: 'embedded',
          contractId: this.contractId,
        },
      };
    });
  }

  revokeRunner(input: { grantId: string; user: string }): Promise<RevokeReceipt> {
    return this.transact((s) => {
      const r = contract.revokeRunner(s, input);
      return {
        state: r.state,
        value: { method: 'revoke_runner', grantId: input.grantId, ledger: r.result.revokedAtLedger!, backend: 'embedded', contractId: this.contractId },
      };
    });
  }

  async listRunnerGrants(user: string): Promise<GrantState[]> {
    return contract.listRunnerGrants(await readLedgerState(this.path), user);
  }

  /** Every run the ledger holds (for `pcq status` and retries). */
  async runs(): Promise<contract.VaultRun[]> {
    return Object.values((await readLedgerState(this.path)).runs);
  }

  async grantState(grantId: string): Promise<GrantState | undefined> {
    return (await readLedgerState(this.path)).grants[grantId];
  }

  openRun(args: OpenRunArgs): Promise<OpenReceipt> {
    return this.transact((s) => {
      // The grant file's terms are registered in the same transaction (idempotent), so a refused
      // open leaves the ledger file exactly as it was.
      const registered = args.grant ? contract.grantRunner(s, args.grant).state : s;
      const r = contract.openRun(registered, args, this.ctx());
      return {
        state: r.state,
        value: {
          method: 'open_run',
          runId: args.runId,
          grantId: args.grantId,
          grantDigest: r.grant.digest,
          runner: args.runner,
          runbookId: args.runbookId,
          reserved: args.reserve,
          ledger: r.result.openedAtLedger,
          backend: 'embedded',
          contractId: this.contractId,
        },
      };
    });
  }

  /** The receipt finalize_run gave for a settled run, rebuilt from the ledger (run/resume-journal.ts). */
  async settledRun(runId: string): Promise<FinalizeReceipt | undefined> {
    const state = await readLedgerState(this.path);
    const run = state.runs[runId];
    if (run === undefined || run.state === 'open' || run.state === 'pending' || run.finalizedAtLedger === null) return undefined;
    // Ledgers written before runs kept spentAfter: the grant's spend only moves by finalized usage.
    const spentAfter =
      run.spentAfter ??
      state.events
        .filter((e) => e.name === 'run_finalized' && e.data.grantId === run.grantId && e.ledger <= run.finalizedAtLedger!)
        .reduce((n, e) => n + Number(e.data.usage), 0);
    return {
      method: 'finalize_run',
      runId,
      grantId: run.grantId,
      usage: run.usage ?? 0,
      outcome: run.state === 'finalized' ? 'finalized' : 'failed',
      spentAfter,
      ledger: run.finalizedAtLedger,
      backend: 'embedded',
      contractId: this.contractId,
    };
  }

  finalizeRun(args: FinalizeRunArgs): Promise<FinalizeReceipt> {
    return this.transact((s) => {
      const r = contract.finalizeRun(s, args, this.ctx());
      return {
        state: r.state,
        value: {
          method: 'finalize_run',
          runId: args.runId,
          grantId: r.grant.grantId,
          usage: args.usage,
          outcome: r.result.state === 'finalized' ? 'finalized' : 'failed',
          spentAfter: r.grant.spent,
          ledger: r.result.finalizedAtLedger!,
          backend: 'embedded',
          contractId: this.contractId,
        },
      };
    });
  }
}
