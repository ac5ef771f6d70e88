// The PrepaidVault port (contracts/prepaid-vault.spec.json, contracts/README.md): the five contract
// methods every backend implements — the embedded ledger (vault/embedded-ledger.ts, the default,
// no network) and the Soroban contract (vault/soroban-vault.ts). A run is opened against a grant
// (reserve), executed, then finalized (settle); a user's grant names the runner, the runbooks, a
// budget in usage units and an expiry. Errors are the contract's, mapped onto PCQ codes by
// vault/contract-errors.ts. This file imports nothing: it is part of the base layer.

/** The grant a user signs (FORMATS.md "Grants"): who may run what, for how much, until when. */
export interface GrantTerms {
  grantId: string; // g-<12 hex>, stable across versions
  version: number; // 1 = granted; a later version with revoked: true revokes it
  user: string; // G… strkey: the user who grants, and who signs every version
  runner: string; // G… strkey: the runner allowed to open runs
  runbooks: string[]; // runbookIds, or ["*"] for all
  budget: number; // usage units (contracts/README.md "Usage"), a whole number ≥ 0
  unit: 'step';
  expiresAt: string; // ISO-8601 UTC; no run opens at or after it
  revoked: boolean;
  /** Revocations only: the vault ledger sequence at which revoke_runner took effect. */
  revokedAtLedger?: number;
}

/** What the vault knows of a grant (list_runner_grants). */
export interface GrantState {
  grantId: string;
  digest: string; // sha256:<hex> of JCS(terms) registered by grant_runner
  user: string;
  runner: string;
  runbooks: string[];
  budget: number;
  expiresAt: string;
  spent: number; // settled usage of finalized runs
  reserved: number; // held by open runs
  revokedAtLedger: number | null;
  grantedAtLedger: number;
}

export type VaultRunState = 'pending' | 'open' | 'finalizing' | 'finalized' | 'failed';

/** The receipt of open_run: bound into the manifest (`receipts.open`). */
export interface OpenReceipt {
  method: 'open_run';
  runId: string; // = executionId
  grantId: string;
  grantDigest: string;
  runner: string;
  runbookId: string;
  reserved: number;
  ledger: number; // the vault's ledger sequence when the run opened
  backend: 'embedded' | 'soroban';
  contractId: string; // embedded: "embedded:<ledger file>"; soroban: C… id
  txHash?: string; // soroban only
}

/** The receipt of finalize_run: bound into the manifest (`receipts.finalize`). */
export interface FinalizeReceipt {
  method: 'finalize_run';
  runId: string;
  grantId: string;
  usage: number;
  outcome: 'finalized' | 'failed';
  spentAfter: number; // the grant's settled usage after this run
  ledger: number;
  backend: 'embedded' | 'soroban';
  contractId: string;
  txHash?: string;
}

export interface RevokeReceipt {
  method: 'revoke_runner';
  grantId: string;
  ledger: number;
  backend: 'embedded' | 'soroban';
  contractId: string;
  txHash?: string;
}

export interface GrantReceipt {
  method: 'grant_runner';
  grantId: string;
  digest: string;
  ledger: number;
  backend: 'embedded' | 'soroban';
  contractId: string;
  txHash?: string;
}

/** The terms as the contract stores them (grant_runner's arguments). */
export interface GrantRegistration {
  grantId: string;
  digest: string;
  user: string;
  runner: string;
  runbooks: string[];
  budget: number;
  expiresAt: string;
}

export interface OpenRunArgs {
  runId: string;
  grantId: string;
  runner: string;
  runbookId: string;
  reserve: number;
  /** The grant file's terms: the embedded ledger registers them in the same transaction when unknown; Soroban expects grant_runner to have run. */
  grant?: GrantRegistration;
}

export interface FinalizeRunArgs {
  runId: string;
  runner: string;
  usage: number;
  ok: boolean;
}

export interface PrepaidVault {
  readonly backend: 'embedded' | 'soroban';
  grantRunner(grant: GrantRegistration): Promise<GrantReceipt>;
  revokeRunner(input: { grantId: string; user: string }): Promise<RevokeReceipt>;
  listRunnerGrants(user: string): Promise<GrantState[]>;
  openRun(args: OpenRunArgs): Promise<OpenReceipt>;
  finalizeRun(args: FinalizeRunArgs): Promise<FinalizeReceipt>;
  /**
   * Read-only, not a contract method: the finalize_run receipt of a run already settled, undefined
   * while it is open. A resume killed between finalize_run and recording its receipt asks this
   * instead of settling twice (run/resume-journal.ts). Backends that cannot answer leave it out.
   */
  settledRun?(runId: string): Promise<FinalizeReceipt | undefined>;
}

/** The contract's error enum (contracts/prepaid-vault.spec.json "errors"); numbers are the Soroban error codes. */
export const VAULT_ERRORS = {
  UnauthorizedRunner: 1,
  BudgetExhausted: 2,
  GrantNotFound: 3,
  GrantExists: 4,
  RunExists: 5,
  RunNotOpen: 6,
  UsageOverReservation: 7,
  NotGrantOwner: 8,
} as const;
export type VaultErrorName = keyof typeof VAULT_ERRORS;

/** The manifest's `grant` field (FORMATS.md "Grant and receipts"): the grant the run opened under. */
export interface ManifestGrant {
  grantId: string;
  version: number;
  digest: string; // sha256:<hex> of JCS(terms)
  signer: string; // the user's G… key that signed the grant
  runner: string;
  runbooks: string[];
  budget: number;
  unit: 'step';
  expiresAt: string;
  source: string; // repository-relative grant file (contracts/grants/… or the dev overlay .pcq/grants/…)
  devOverlay: boolean;
}

export interface ManifestReceipts {
  open: OpenReceipt;
  /** Absent only in a paused manifest (state: paused): its vault run is still open. */
  finalize?: FinalizeReceipt;
}
