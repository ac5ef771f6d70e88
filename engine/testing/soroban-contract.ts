// The PrepaidVault as the loopback Soroban RPC server executes it: the decoded, spec-typed
// arguments of an invocation (soroban-xdr.ts) applied to the contract's one state machine
// (engine/vault/vault-contract.ts, the same rules the embedded ledger applies), with the return
// values and events of contracts/prepaid-vault.spec.json written as stellar-xdr JSON ScVals
// (Map<Symbol,Val> keys sorted, as the Soroban host requires).
import type { GrantState } from '../base/prepaid-vault.ts';
import * as contract from '../vault/vault-contract.ts';
import type { ArgValue } from './soroban-xdr.ts';

type ScVal = Record<string, unknown>;
const u32 = (n: number): ScVal => ({ u32: n });
const u64 = (n: number): ScVal => ({ u64: String(n) });
const str = (s: string): ScVal => ({ string: s });
const sym = (s: string): ScVal => ({ symbol: s });
const address = (g: string): ScVal => ({ address: g });
const bytes = (digest: string): ScVal => ({ bytes: digest.replace(/^sha256:/, '') });
const map = (fields: Record<string, ScVal>): ScVal => ({
  map: Object.keys(fields)
    .sort()
    .map((k) => ({ key: sym(k), val: fields[k] })),
});

export interface Applied {
  state: contract.VaultState;
  retval: ScVal;
  events: Array<{ topics: ScVal[]; data: ScVal }>;
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z');

function grantVal(g: GrantState): ScVal {
  return map({
    grant_id: str(g.grantId),
    digest: bytes(g.digest),
    user: address(g.user),
    runner: address(g.runner),
    runbooks: { vec: g.runbooks.map(str) },
    budget: u64(g.budget),
    expires_at: u64(Math.floor(Date.parse(g.expiresAt) / 1000)),
    spent: u64(g.spent),
    reserved: u64(g.reserved),
    revoked_at_ledger: u32(g.revokedAtLedger ?? 0),
    granted_at_ledger: u32(g.grantedAtLedger),
  });
}

/** The events a call added, as the spec's topics and data (contracts/prepaid-vault.spec.json "events"). */
function newEvents(before: contract.VaultState, after: contract.VaultState): Applied['events'] {
  return after.events.slice(before.events.length).map((e) => {
    const d = e.data;
    switch (e.name) {
      case 'runner_granted':
        return {
          topics: [sym(e.name), address(String(d.user)), address(String(d.runner))],
          data: map({ grant_id: str(String(d.grantId)), budget: u64(Number(d.budget)) }),
        };
      case 'runner_revoked':
        return { topics: [sym(e.name), address(String(d.user)), address(String(d.runner))], data: map({ grant_id: str(String(d.grantId)) }) };
      case 'run_opened':
        return {
          topics: [sym(e.name), address(String(d.runner))],
          data: map({ run_id: str(String(d.runId)), grant_id: str(String(d.grantId)), reserved: u64(Number(d.reserved)) }),
        };
      default: {
        const run = after.runs[String(d.runId)]!;
        return {
          topics: [sym(e.name), address(run.runner)],
          data: map({ run_id: str(String(d.runId)), grant_id: str(String(d.grantId)), usage: u64(Number(d.usage)), ok: { bool: Boolean(d.ok) } }),
        };
      }
    }
  });
}

/** Runs one method; throws VaultContractError exactly where the contract panics with its error. */
export function applyInvocation(state: contract.VaultState, method: string, a: Record<string, ArgValue>, ctx: contract.VaultContext): Applied {
  const s = (k: string): string => String(a[k]);
  const n = (k: string): number => Number(a[k]);
  let out: { state: contract.VaultState; retval: ScVal };
  switch (method) {
    case 'grant_runner': {
      const r = contract.grantRunner(state, {
        grantId: s('grant_id'),
        digest: `sha256:${s('digest')}`,
        user: s('user'),
        runner: s('runner'),
        runbooks: a.runbooks as string[],
        budget: n('budget'),
        expiresAt: iso(n('expires_at')),
      });
      out = { state: r.state, retval: map({ ledger: u32(r.result.grantedAtLedger) }) };
      break;
    }
    case 'revoke_runner': {
      const r = contract.revokeRunner(state, { grantId: s('grant_id'), user: s('user') });
      out = { state: r.state, retval: map({ ledger: u32(r.result.revokedAtLedger!) }) };
      break;
    }
    case 'list_runner_grants':
      out = { state, retval: { vec: contract.listRunnerGrants(state, s('user')).map(grantVal) } };
      break;
    case 'open_run': {
      const r = contract.openRun(
        state,
        { runner: s('runner'), runId: s('run_id'), grantId: s('grant_id'), runbookId: s('runbook_id'), reserve: n('reserve') },
        ctx,
      );
      out = { state: r.state, retval: map({ ledger: u32(r.result.openedAtLedger), grant_digest: bytes(r.grant.digest), reserved: u64(r.result.reserved) }) };
      break;
    }
    case 'finalize_run': {
      const r = contract.finalizeRun(state, { runner: s('runner'), runId: s('run_id'), usage: n('usage'), ok: Boolean(a.ok) }, ctx);
      out = {
        state: r.state,
        retval: map({ ledger: u32(r.result.finalizedAtLedger!), grant_id: str(r.grant.grantId), spent: u64(r.grant.spent), usage: u64(r.result.usage!) }),
      };
      break;
    }
    default:
      throw new Error(`no method ${method}`);
  }
  return { ...out, events: newEvents(state, out.state) };
}

/** Which address the method's require_auth names (the spec's "auth": user or runner). */
export function authAddress(auth: 'user' | 'runner' | 'none', a: Record<string, ArgValue>): string | undefined {
  return auth === 'none' ? undefined : String(a[auth]);
}
