// The PrepaidVault contract's rules as one pure state machine (contracts/prepaid-vault.spec.json):
// the embedded ledger applies it to its durable file under a lock (compare-and-swap), and the
// loopback Soroban RPC server in the tests applies it to the transactions it receives, so both
// backends follow one specification. Every method takes the state and returns the next state, the
// result and the events it emits, or throws a VaultContractError (the contract's error enum).
import type { GrantRegistration, GrantState, VaultErrorName, VaultRunState } from '../base/prepaid-vault.ts';

export interface VaultRun {
  runId: string;
  grantId: string;
  runner: string;
  runbookId: string;
  reserved: number;
  state: VaultRunState;
  usage: number | null;
  openedAtLedger: number;
  finalizedAtLedger: number | null;
  /** The grant's settled usage right after this run finalized (the finalize receipt's spentAfter). */
  spentAfter?: number;
}

export interface VaultEvent {
  name: 'runner_granted' | 'runner_revoked' | 'run_opened' | 'run_finalized';
  ledger: number;
  data: Record<string, string | number | boolean>;
}

export interface VaultState {
  format: 'pcq-vault/1';
  ledger: number; // increases by one per state-changing call
  grants: Record<string, GrantState>;
  runs: Record<string, VaultRun>;
  events: VaultEvent[];
}

/** What the caller's environment knows: the agent registry (trusted runner keys) and the time. */
export interface VaultContext {
  isRegisteredRunner(runner: string): boolean;
  now: Date;
}

export class VaultContractError extends Error {
  readonly errorName: VaultErrorName;
  readonly reason: string | undefined;
  constructor(errorName: VaultErrorName, message: string, reason?: string) {
    super(message);
    this.errorName = errorName;
    this.reason = reason;
  }
}

export function emptyVaultState(): VaultState {
  return { format: 'pcq-vault/1', ledger: 0, grants: {}, runs: {}, events: [] };
}

const fail = (name: VaultErrorName, message: string, reason?: string): never => {
  throw new VaultContractError(name, message, reason);
};

function next(state: VaultState): VaultState {
  return { ...state, ledger: state.ledger + 1, grants: { ...state.grants }, runs: { ...state.runs }, events: [...state.events] };
}

function wholeUnits(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) fail('UsageOverReservation', `${what} must be a whole number of units ≥ 0, got ${n}`);
}

export function grantRunner(state: VaultState, g: GrantRegistration): { state: VaultState; result: GrantState } {
  wholeUnits(g.budget, 'budget');
  const existing = state.grants[g.grantId];
  if (existing) {
    if (existing.digest === g.digest) return { state, result: existing }; // idempotent re-registration
    fail('GrantExists', `grant ${g.grantId} is already registered with another digest`);
  }
  const s = next(state);
  const result: GrantState = {
    grantId: g.grantId,
    digest: g.digest,
    user: g.user,
    runner: g.runner,
    runbooks: [...g.runbooks],
    budget: g.budget,
    expiresAt: g.expiresAt,
    spent: 0,
    reserved: 0,
    revokedAtLedger: null,
    grantedAtLedger: s.ledger,
  };
  s.grants[g.grantId] = result;
  s.events.push({ name: 'runner_granted', ledger: s.ledger, data: { grantId: g.grantId, user: g.user, runner: g.runner, budget: g.budget } });
  return { state: s, result };
}

export function revokeRunner(state: VaultState, input: { grantId: string; user: string }): { state: VaultState; result: GrantState } {
  const g = state.grants[input.grantId] ?? fail('GrantNotFound', `grant ${input.grantId} is not registered`);
  if (g.user !== input.user) fail('NotGrantOwner', `grant ${input.grantId} belongs to ${g.user}, not ${input.user}`);
  if (g.revokedAtLedger !== null) return { state, result: g };
  const s = next(state);
  const result = { ...g, revokedAtLedger: s.ledger };
  s.grants[g.grantId] = result;
  s.events.push({ name: 'runner_revoked', ledger: s.ledger, data: { grantId: g.grantId, user: g.user, runner: g.runner } });
  return { state: s, result };
}

export function listRunnerGrants(state: VaultState, user: string): GrantState[] {
  return Object.values(state.grants)
    .filter((g) => g.user === user)
    .sort((a, b) => (a.grantId < b.grantId ? -1 : 1));
}

export function openRun(
  state: VaultState,
  args: { runId: string; grantId: string; runner: string; runbookId: string; reserve: number },
  ctx: VaultContext,
): { state: VaultState; result: VaultRun; grant: GrantState } {
  wholeUnits(args.reserve, 'reserve');
  const g = state.grants[args.grantId] ?? fail('UnauthorizedRunner', `no grant ${args.grantId} is registered`, 'no-grant');
  if (g.runner !== args.runner) fail('UnauthorizedRunner', `grant ${g.grantId} is for runner ${g.runner}, not ${args.runner}`, 'other-runner');
  if (!ctx.isRegisteredRunner(args.runner)) fail('UnauthorizedRunner', `runner ${args.runner} is not in the agent registry`, 'not-registered');
  if (g.revokedAtLedger !== null) fail('UnauthorizedRunner', `grant ${g.grantId} was revoked at ledger ${g.revokedAtLedger}`, 'revoked');
  if (Date.parse(g.expiresAt) <= ctx.now.getTime()) fail('UnauthorizedRunner', `grant ${g.grantId} expired at ${g.expiresAt}`, 'expired');
  if (!g.runbooks.includes('*') && !g.runbooks.includes(args.runbookId))
    fail('UnauthorizedRunner', `grant ${g.grantId} does not cover runbook ${args.runbookId}`, 'runbook-not-granted');
  if (state.runs[args.runId]) fail('RunExists', `run ${args.runId} was already opened`);
  const available = g.budget - g.spent - g.reserved;
  if (args.reserve > available) fail('BudgetExhausted', `grant ${g.grantId} has ${available} of ${g.budget} units left; the run needs ${args.reserve}`);
  const s = next(state);
  const run: VaultRun = {
    runId: args.runId,
    grantId: g.grantId,
    runner: args.runner,
    runbookId: args.runbookId,
    reserved: args.reserve,
    state: 'open',
    usage: null,
    openedAtLedger: s.ledger,
    finalizedAtLedger: null,
  };
  const grant = { ...g, reserved: g.reserved + args.reserve };
  s.grants[g.grantId] = grant;
  s.runs[args.runId] = run;
  s.events.push({ name: 'run_opened', ledger: s.ledger, data: { runId: args.runId, grantId: g.grantId, runner: args.runner, reserved: args.reserve } });
  return { state: s, result: run, grant };
}

/**
 * Settles a run: releases its reservation and charges `usage` (0 when it failed and finalize-on-error
 * applies). The runner is checked again against the grant and the registry; a revocation AFTER the
 * run opened does not stop it from finalizing (contracts/README.md "Revocation").
 */
export function finalizeRun(
  state: VaultState,
  args: { runId: string; runner: string; usage: number; ok: boolean },
  ctx: VaultContext,
): { state: VaultState; result: VaultRun; grant: GrantState } {
  wholeUnits(args.usage, 'usage');
  const run = state.runs[args.runId] ?? fail('RunNotOpen', `run ${args.runId} was never opened`);
  if (run.state !== 'open') fail('RunNotOpen', `run ${args.runId} is already ${run.state}`);
  const g = state.grants[run.grantId] ?? fail('GrantNotFound', `grant ${run.grantId} is not registered`);
  if (run.runner !== args.runner || g.runner !== args.runner)
    fail('UnauthorizedRunner', `run ${args.runId} was opened by ${run.runner}, not ${args.runner}`, 'other-runner');
  if (!ctx.isRegisteredRunner(args.runner)) fail('UnauthorizedRunner', `runner ${args.runner} is no longer in the agent registry`, 'not-registered');
  if (g.revokedAtLedger !== null && g.revokedAtLedger < run.openedAtLedger)
    fail('UnauthorizedRunner', `grant ${g.grantId} was revoked before run ${args.runId} opened`, 'revoked');
  if (args.usage > run.reserved) fail('UsageOverReservation', `usage ${args.usage} exceeds the ${run.reserved} units reserved at open`);
  const s = next(state);
  const grant = { ...g, reserved: g.reserved - run.reserved, spent: g.spent + args.usage };
  const done: VaultRun = { ...run, state: args.ok ? 'finalized' : 'failed', usage: args.usage, finalizedAtLedger: s.ledger, spentAfter: grant.spent };
  s.grants[g.grantId] = grant;
  s.runs[args.runId] = done;
  s.events.push({ name: 'run_finalized', ledger: s.ledger, data: { runId: args.runId, grantId: g.grantId, usage: args.usage, ok: args.ok } });
  return { state: s, result: done, grant };
}
