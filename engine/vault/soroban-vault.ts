// The Soroban backend of the PrepaidVault port: every method is a real invokeHostFunction
// transaction built with @stellar/stellar-sdk, simulated (simulateTransaction, which also yields
// the footprint and resource fee: prepareTransaction), signed with the source's Ed25519 key (its
// G… key is its Stellar account: the runner for runs, the user for grants), submitted
// (sendTransaction) and polled (getTransaction) until it settles. Contract errors come back from
// simulation as `Error(Contract, #n)` and map onto the contract's error enum (contract-errors.ts).
// list_runner_grants is read-only: simulated, never submitted.
import { BASE_FEE, Contract, TransactionBuilder, nativeToScVal, rpc, scValToNative, type Transaction, type xdr } from '@stellar/stellar-sdk';
import { PcqError } from '../base/errors.ts';
import {
  VAULT_ERRORS,
  type FinalizeReceipt,
  type FinalizeRunArgs,
  type GrantReceipt,
  type GrantRegistration,
  type GrantState,
  type OpenReceipt,
  type OpenRunArgs,
  type PrepaidVault,
  type RevokeReceipt,
  type VaultErrorName,
} from '../base/prepaid-vault.ts';
import type { Signer } from '../base/signer.ts';
import { toBase64, toHex } from '../proof/bytes.ts';
import { vaultError } from './contract-errors.ts';
import { finalizeRunArgs, grantRunnerArgs, listRunnerGrantsArgs, openRunArgs, revokeRunnerArgs } from './soroban-args.ts';

export interface SorobanVaultOptions {
  rpcUrl: string;
  networkPassphrase: string;
  contractId: string;
  source: Signer;
  pollIntervalMs?: number;
  timeoutMs?: number;
}

interface Settled {
  value: unknown;
  ledger: number;
  txHash: string;
}

export class SorobanVault implements PrepaidVault {
  readonly backend = 'soroban' as const;
  private readonly server: rpc.Server;
  private readonly contract: Contract;
  private readonly opts: SorobanVaultOptions;
  constructor(opts: SorobanVaultOptions) {
    this.opts = opts;
    this.server = new rpc.Server(opts.rpcUrl, { allowHttp: new URL(opts.rpcUrl).hostname === '127.0.0.1' || new URL(opts.rpcUrl).hostname === 'localhost' });
    this.contract = new Contract(opts.contractId);
  }

  private async build(method: string, args: xdr.ScVal[]): Promise<Transaction> {
    const account = await this.server.getAccount(this.opts.source.keyid);
    return new TransactionBuilder(account, { fee: BASE_FEE, networkPassphrase: this.opts.networkPassphrase })
      .addOperation(this.contract.call(method, ...args))
      .setTimeout(60)
      .build();
  }

  /** simulate → assemble → sign → send → poll. */
  private async invoke(method: string, args: xdr.ScVal[]): Promise<Settled> {
    return this.network(method, async () => {
      const prepared = await this.prepare(method, await this.build(method, args));
      const signature = await this.opts.source.sign(prepared.hash());
      prepared.addSignature(this.opts.source.keyid, toBase64(signature));
      const sent = await this.server.sendTransaction(prepared);
      if (sent.status === 'ERROR' || sent.status === 'DUPLICATE' || sent.status === 'TRY_AGAIN_LATER') {
        throw new PcqError({
          code: 'PCQ_VAULT_UNAVAILABLE',
          message: `${method}: sendTransaction answered ${sent.status}`,
          hint: 'Try again; check the runner account and RUNNER_NETWORK_PASSPHRASE.',
        });
      }
      const done = await this.server.pollTransaction(sent.hash, {
        attempts: Math.ceil((this.opts.timeoutMs ?? 30_000) / (this.opts.pollIntervalMs ?? 1000)),
        sleepStrategy: () => this.opts.pollIntervalMs ?? 1000,
      });
      if (done.status === 'FAILED') {
        // Applied and refused (the state moved between simulation and ledger close): the host's
        // diagnostic `error` event carries the contract's error code.
        const refused = contractErrorOf(done.diagnosticEventsXdr ?? []);
        if (refused) throw vaultError(refused.name, `${method} refused by the contract in ledger ${done.ledger}: ${refused.message}`, refused.reason);
      }
      if (done.status !== 'SUCCESS') {
        throw new PcqError({
          code: 'PCQ_VAULT_UNAVAILABLE',
          message: `${method}: transaction ${sent.hash} ended ${done.status}`,
          hint: 'See the transaction on the network; the call may be retried.',
        });
      }
      return { value: done.returnValue ? scValToNative(done.returnValue) : undefined, ledger: done.ledger, txHash: sent.hash };
    });
  }

  private async prepare(method: string, tx: Transaction): Promise<Transaction> {
    const sim = await this.server.simulateTransaction(tx);
    if (rpc.Api.isSimulationError(sim)) throw contractFailure(method, sim.error);
    return rpc.assembleTransaction(tx, sim).build();
  }

  /** Network failures are transient (PCQ_VAULT_UNAVAILABLE); coded errors pass through. */
  private async network<T>(method: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof PcqError) throw err;
      throw new PcqError({
        code: 'PCQ_VAULT_UNAVAILABLE',
        message: `${method} on ${this.opts.rpcUrl}: ${(err as Error).message}`,
        hint: 'Check RUNNER_RPC_URL and the network; the same call may succeed later.',
      });
    }
  }

  async grantRunner(g: GrantRegistration): Promise<GrantReceipt> {
    const r = await this.invoke('grant_runner', grantRunnerArgs(g));
    return {
      method: 'grant_runner',
      grantId: g.grantId,
      digest: g.digest,
      ledger: r.ledger,
      backend: 'soroban',
      contractId: this.opts.contractId,
      txHash: r.txHash,
    };
  }

  async revokeRunner(input: { grantId: string; user: string }): Promise<RevokeReceipt> {
    const r = await this.invoke('revoke_runner', revokeRunnerArgs(input));
    return {
      method: 'revoke_runner',
      grantId: input.grantId,
      ledger: Number(field(r.value, 'ledger')),
      backend: 'soroban',
      contractId: this.opts.contractId,
      txHash: r.txHash,
    };
  }

  async listRunnerGrants(user: string): Promise<GrantState[]> {
    return this.network('list_runner_grants', async () => {
      const tx = await this.build('list_runner_grants', listRunnerGrantsArgs(user));
      const sim = await this.server.simulateTransaction(tx);
      if (rpc.Api.isSimulationError(sim)) throw contractFailure('list_runner_grants', sim.error);
      const list = sim.result ? (scValToNative(sim.result.retval) as unknown[]) : [];
      return list.map(grantStateOf);
    });
  }

  /**
   * Runs open on the contract (for `pcq status`): its run_opened events without a run_finalized,
   * read with getEvents from the oldest ledger the RPC retains (getHealth). Read-only, unsigned.
   */
  async openRuns(): Promise<Array<{ runId: string; runner: string; grantId: string; reserved: number; openedAtLedger: number }>> {
    return this.network('getEvents', async () => {
      const health = (await this.server.getHealth()) as { status: string; oldestLedger?: number };
      if (health.status !== 'healthy') throw new Error(`the RPC reports ${health.status}`);
      const topic = (name: string) => [nativeToScVal(name, { type: 'symbol' }).toXDR('base64'), '*'];
      const { events } = await this.server.getEvents({
        startLedger: health.oldestLedger ?? 1,
        filters: [{ type: 'contract', contractIds: [this.opts.contractId], topics: [topic('run_opened'), topic('run_finalized')] }],
        limit: 10_000,
      });
      const open = new Map<string, { runId: string; runner: string; grantId: string; reserved: number; openedAtLedger: number }>();
      for (const e of events) {
        const [name, runner] = e.topic.map((t) => scValToNative(t) as unknown);
        const data = scValToNative(e.value) as { run_id: string; grant_id: string; reserved?: bigint };
        if (name === 'run_opened')
          open.set(data.run_id, {
            runId: data.run_id,
            runner: String(runner),
            grantId: data.grant_id,
            reserved: Number(data.reserved ?? 0),
            openedAtLedger: e.ledger,
          });
        else open.delete(data.run_id);
      }
      return [...open.values()];
    });
  }

  async openRun(a: OpenRunArgs): Promise<OpenReceipt> {
    const r = await this.invoke('open_run', openRunArgs(a));
    return {
      method: 'open_run',
      runId: a.runId,
      grantId: a.grantId,
      grantDigest: `sha256:${toHex(field(r.value, 'grant_digest') as Uint8Array)}`,
      runner: a.runner,
      runbookId: a.runbookId,
      reserved: a.reserve,
      ledger: Number(field(r.value, 'ledger')),
      backend: 'soroban',
      contractId: this.opts.contractId,
      txHash: r.txHash,
    };
  }

  async finalizeRun(a: FinalizeRunArgs): Promise<FinalizeReceipt> {
    const r = await this.invoke('finalize_run', finalizeRunArgs(a));
    return {
      method: 'finalize_run',
      runId: a.runId,
      grantId: String(field(r.value, 'grant_id')),
      usage: a.usage,
      outcome: a.ok ? 'finalized' : 'failed',
      spentAfter: Number(field(r.value, 'spent')),
      ledger: Number(field(r.value, 'ledger')),
      backend: 'soroban',
      contractId: this.opts.contractId,
      txHash: r.txHash,
    };
  }
}

function field(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || !(key in value))
    throw new PcqError({
      code: 'PCQ_VAULT_UNAVAILABLE',
      message: `the contract's answer lacks "${key}"`,
      hint: 'RUNNER_CONTRACT_ID must name a PrepaidVault (contracts/prepaid-vault.spec.json).',
    });
  return (value as Record<string, unknown>)[key];
}

function grantStateOf(v: unknown): GrantState {
  const revoked = field(v, 'revoked_at_ledger');
  return {
    grantId: String(field(v, 'grant_id')),
    digest: `sha256:${toHex(field(v, 'digest') as Uint8Array)}`,
    user: String(field(v, 'user')),
    runner: String(field(v, 'runner')),
    runbooks: (field(v, 'runbooks') as unknown[]).map(String),
    budget: Number(field(v, 'budget')),
    expiresAt: new Date(Number(field(v, 'expires_at')) * 1000).toISOString().replace(/\.000Z$/, 'Z'),
    spent: Number(field(v, 'spent')),
    reserved: Number(field(v, 'reserved')),
    revokedAtLedger: revoked === 0 || revoked === 0n ? null : Number(revoked),
    grantedAtLedger: Number(field(v, 'granted_at_ledger')),
  };
}

/** The contract error a failed transaction's diagnostic events report (topics [error, Error(Contract, #n)]). */
function contractErrorOf(events: readonly xdr.DiagnosticEvent[]): { name: VaultErrorName; message: string; reason?: string } | undefined {
  for (const e of events) {
    const body = (e as unknown as { event: { body: { value: { topics: xdr.ScVal[]; data: xdr.ScVal } } } }).event.body.value;
    const topics = body.topics.map((t) => scValToNative(t) as unknown);
    const err = topics[1] as { type?: string; code?: number } | undefined;
    if (topics[0] !== 'error' || err?.type !== 'contract') continue;
    const name = (Object.keys(VAULT_ERRORS) as VaultErrorName[]).find((n) => VAULT_ERRORS[n] === err.code);
    const message = String(scValToNative(body.data));
    if (name) return { name, message, ...(/reason: ([a-z-]+)/.exec(message) ? { reason: /reason: ([a-z-]+)/.exec(message)![1]! } : {}) };
  }
  return undefined;
}

/** `HostError: Error(Contract, #1) …` → the contract's named error; anything else is transient. */
function contractFailure(method: string, error: string): PcqError {
  const code = /Error\(Contract, #(\d+)\)/.exec(error)?.[1];
  const name = (Object.keys(VAULT_ERRORS) as VaultErrorName[]).find((n) => String(VAULT_ERRORS[n]) === code);
  if (name) return vaultError(name, `${method} refused by the contract: ${error.split('\n')[0]}`, /reason: ([a-z-]+)/.exec(error)?.[1]);
  return new PcqError({
    code: 'PCQ_VAULT_UNAVAILABLE',
    message: `${method}: simulation failed: ${error.split('\n')[0]}`,
    hint: 'Check RUNNER_CONTRACT_ID and the network.',
  });
}
