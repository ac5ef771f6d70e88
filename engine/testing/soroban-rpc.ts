// A loopback Soroban RPC server (JSON-RPC 2.0 over HTTP on 127.0.0.1) hosting one PrepaidVault, for
// the Soroban backend's tests: there is no Stellar network here. It answers the methods
// engine/vault/soroban-vault.ts uses, in the shapes of the Soroban RPC reference
// (developers.stellar.org/docs/data/apis/rpc/api-reference/methods): getHealth, getNetwork,
// getLedgerEntries (accounts), simulateTransaction, sendTransaction, getTransaction, getEvents.
// Every transaction it receives is decoded by @stellar/stellar-xdr-json (an XDR implementation
// independent of the client's stellar-sdk) and checked (soroban-xdr.ts); each one is logged with
// its verdict in `received`, and a transaction that is not a valid, signed invokeHostFunction for
// this contract is refused the way the network refuses it (sendTransaction ERROR + result code).
// The contract's state is the spec's state machine (soroban-contract.ts). Tests stop it (`stop()`).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as contract from '../vault/vault-contract.ts';
import { applyInvocation, authAddress, type Applied } from './soroban-contract.ts';
import { EnvelopeProblem, SPEC, decodeXdr, encodeXdr, readInvocation, sameJson, signedBy, sourceAuthEntry, type Invocation } from './soroban-xdr.ts';

export interface Received {
  rpc: 'simulateTransaction' | 'sendTransaction';
  method?: string;
  source?: string;
  args?: Invocation['args'];
  accepted: boolean;
  why?: string;
}

interface Settled {
  hash: string;
  status: 'SUCCESS' | 'FAILED';
  ledger: number;
  createdAt: number;
  envelope: string;
  applied?: Applied;
  error?: contract.VaultContractError;
  polled: number;
}

export interface SorobanRpcFake {
  url: string;
  contractId: string;
  networkPassphrase: string;
  received: Received[];
  state(): contract.VaultState;
  /** Creates (funds) an account so it can be a transaction source. */
  fund(account: string): void;
  /** The agent registry: runners the vault accepts. */
  registry: Set<string>;
  stop(): Promise<void>;
}

export interface SorobanRpcOptions {
  contractId: string;
  networkPassphrase: string;
  now?: () => Date;
  /** Test seam: runs after a transaction is accepted, before the ledger applies it (state may move in between). */
  beforeApply?: (method: string) => void;
}

export async function startSorobanRpc(opts: SorobanRpcOptions): Promise<SorobanRpcFake> {
  const now = opts.now ?? (() => new Date());
  let state = contract.emptyVaultState();
  const accounts = new Map<string, bigint>();
  const txs = new Map<string, Settled>();
  const received: Received[] = [];
  const registry = new Set<string>();
  const ctx = (): contract.VaultContext => ({ isRegisteredRunner: (r) => registry.has(r), now: now() });
  const ledgerInfo = () => ({ latestLedger: state.ledger, latestLedgerCloseTime: String(Math.floor(now().getTime() / 1000)) });

  /** Decode + check; throws EnvelopeProblem with what the network would say. */
  function invocation(params: unknown): Invocation {
    const tx = (params as { transaction?: unknown } | null)?.transaction;
    if (typeof tx !== 'string') throw new EnvelopeProblem('params.transaction must be a base64 TransactionEnvelope');
    const inv = readInvocation(tx, opts.contractId, opts.networkPassphrase);
    const needs = authAddress(inv.method.auth, inv.args);
    if (needs !== undefined && needs !== inv.source)
      throw new EnvelopeProblem(`${inv.method.name} needs ${inv.method.auth} ${needs}'s authorization; the source account is ${inv.source}`);
    return inv;
  }

  function simulate(params: unknown): unknown {
    let inv: Invocation;
    try {
      inv = invocation(params);
    } catch (err) {
      if (!(err instanceof EnvelopeProblem)) throw err;
      received.push({ rpc: 'simulateTransaction', accepted: false, why: err.message });
      return { ...ledgerInfo(), error: `HostError: Error(Auth, InvalidAction)\n${err.message}` };
    }
    received.push({ rpc: 'simulateTransaction', method: inv.method.name, source: inv.source, args: inv.args, accepted: true });
    let applied: Applied;
    try {
      applied = applyInvocation(state, inv.method.name, inv.args, ctx());
    } catch (err) {
      if (!(err instanceof contract.VaultContractError)) throw err;
      return { ...ledgerInfo(), error: hostError(err) };
    }
    const data = {
      ext: 'v0',
      resources: {
        footprint: { read_only: [instanceKey(opts.contractId)], read_write: inv.method.readOnly ? [] : [instanceKey(opts.contractId)] },
        instructions: 2_000_000,
        disk_read_bytes: 2048,
        write_bytes: inv.method.readOnly ? 0 : 2048,
      },
      resource_fee: '60000',
    };
    return {
      ...ledgerInfo(),
      minResourceFee: '60000',
      transactionData: encodeXdr('SorobanTransactionData', data),
      results: [
        { auth: inv.method.auth === 'none' ? [] : [encodeXdr('SorobanAuthorizationEntry', sourceAuthEntry(inv))], xdr: encodeXdr('ScVal', applied.retval) },
      ],
      events: [],
    };
  }

  async function send(params: unknown): Promise<unknown> {
    let inv: Invocation | undefined;
    const refuse = (why: string, code: string): unknown => {
      received.push({ rpc: 'sendTransaction', accepted: false, why, ...(inv ? { method: inv.method.name, source: inv.source } : {}) });
      return {
        status: 'ERROR',
        hash: inv?.txHash ?? '0'.repeat(64),
        ...ledgerInfo(),
        errorResultXdr: encodeXdr('TransactionResult', { fee_charged: '0', result: code, ext: 'v0' }),
      };
    };
    try {
      inv = invocation(params);
    } catch (err) {
      if (!(err instanceof EnvelopeProblem)) throw err;
      return refuse(err.message, 'tx_malformed');
    }
    const seq = accounts.get(inv.source);
    if (seq === undefined) return refuse(`source account ${inv.source} does not exist`, 'tx_no_account');
    if (inv.seq !== seq + 1n) return refuse(`sequence ${inv.seq} is not ${seq + 1n}`, 'tx_bad_seq');
    if (!(await signedBy(inv, inv.source))) return refuse(`not signed by the source account ${inv.source}`, 'tx_bad_auth');
    if (inv.sorobanData === undefined) return refuse('no Soroban transaction data (simulate first)', 'tx_soroban_invalid');
    if (inv.method.readOnly) return refuse(`${inv.method.name} is read-only: simulate it, do not submit it`, 'tx_malformed');
    const wanted = inv.method.auth === 'none' ? [] : [sourceAuthEntry(inv)];
    if (!sameJson(inv.auth, wanted)) return refuse(`the auth entries are not the source account's authorization of ${inv.method.name}`, 'tx_malformed');
    received.push({ rpc: 'sendTransaction', method: inv.method.name, source: inv.source, args: inv.args, accepted: true });
    accounts.set(inv.source, inv.seq);
    const envelope = (params as { transaction: string }).transaction;
    const createdAt = Math.floor(now().getTime() / 1000);
    opts.beforeApply?.(inv.method.name);
    try {
      const applied = applyInvocation(state, inv.method.name, inv.args, ctx());
      state = applied.state;
      txs.set(inv.txHash, { hash: inv.txHash, status: 'SUCCESS', ledger: state.ledger, createdAt, envelope, applied, polled: 0 });
    } catch (err) {
      if (!(err instanceof contract.VaultContractError)) throw err;
      txs.set(inv.txHash, { hash: inv.txHash, status: 'FAILED', ledger: state.ledger, createdAt, envelope, error: err, polled: 0 });
    }
    return { status: 'PENDING', hash: inv.txHash, ...ledgerInfo() };
  }

  function getTransaction(params: unknown): unknown {
    const hash = String((params as { hash?: unknown } | null)?.hash);
    const tx = txs.get(hash);
    const base = { ...ledgerInfo(), oldestLedger: 1, oldestLedgerCloseTime: ledgerInfo().latestLedgerCloseTime };
    // The ledger closes after the first poll: a client must poll, as on the network.
    if (!tx || tx.polled++ === 0) return { status: 'NOT_FOUND', ...base };
    const ok = tx.status === 'SUCCESS';
    const events = (tx.applied?.events ?? []).map((e) => contractEvent(opts.contractId, e));
    return {
      status: tx.status,
      ...base,
      txHash: tx.hash,
      ledger: tx.ledger,
      createdAt: String(tx.createdAt),
      applicationOrder: 1,
      feeBump: false,
      envelopeXdr: tx.envelope,
      resultXdr: encodeXdr('TransactionResult', {
        fee_charged: '60100',
        result: ok
          ? { tx_success: [{ op_inner: { invoke_host_function: { success: '00'.repeat(32) } } }] }
          : { tx_failed: [{ op_inner: { invoke_host_function: 'trapped' } }] },
        ext: 'v0',
      }),
      resultMetaXdr: encodeXdr('TransactionMeta', {
        v3: {
          ext: 'v0',
          tx_changes_before: [],
          operations: [{ changes: [] }],
          tx_changes_after: [],
          soroban_meta: {
            ext: 'v0',
            events: events.map((e) => JSON.parse(e.json) as unknown),
            return_value: ok ? tx.applied!.retval : 'void',
            diagnostic_events: [],
          },
        },
      }),
      ...(tx.error
        ? { diagnosticEventsXdr: [encodeXdr('DiagnosticEvent', { in_successful_contract_call: false, event: errorEvent(opts.contractId, tx.error) })] }
        : {}),
    };
  }

  function getEvents(params: unknown): unknown {
    const p = (params ?? {}) as { startLedger?: number; filters?: Array<{ contractIds?: string[]; topics?: string[][] }> };
    const start = Number(p.startLedger ?? 1);
    const out: unknown[] = [];
    for (const tx of txs.values()) {
      if (tx.status !== 'SUCCESS' || tx.ledger < start) continue;
      tx.applied!.events.forEach((e, i) => {
        const topic = e.topics.map((t) => encodeXdr('ScVal', t));
        const wanted = (p.filters ?? []).length === 0 || p.filters!.some((f) => matches(f, opts.contractId, topic));
        if (!wanted) return;
        out.push({
          type: 'contract',
          ledger: tx.ledger,
          ledgerClosedAt: new Date(tx.createdAt * 1000).toISOString(),
          contractId: opts.contractId,
          id: `${String(tx.ledger).padStart(19, '0')}-${String(i).padStart(10, '0')}`,
          operationIndex: 0,
          transactionIndex: 0,
          txHash: tx.hash,
          inSuccessfulContractCall: true,
          topic,
          value: encodeXdr('ScVal', e.data),
        });
      });
    }
    return { events: out, ...ledgerInfo(), oldestLedger: 1, oldestLedgerCloseTime: ledgerInfo().latestLedgerCloseTime, cursor: '' };
  }

  function getLedgerEntries(params: unknown): unknown {
    const keys = ((params as { keys?: unknown } | null)?.keys ?? []) as string[];
    const entries = keys.flatMap((k) => {
      const key = decodeXdr('LedgerKey', k) as { account?: { account_id: string } };
      const seq = key.account ? accounts.get(key.account.account_id) : undefined;
      if (seq === undefined) return [];
      const data = {
        account: {
          account_id: key.account!.account_id,
          balance: '100000000000',
          seq_num: String(seq),
          num_sub_entries: 0,
          inflation_dest: null,
          flags: 0,
          home_domain: '',
          thresholds: '01000000',
          signers: [],
          ext: 'v0',
        },
      };
      return [{ key: k, xdr: encodeXdr('LedgerEntryData', data), lastModifiedLedgerSeq: state.ledger }];
    });
    return { entries, latestLedger: state.ledger };
  }

  const methods: Record<string, (params: unknown) => unknown> = {
    getHealth: () => ({ status: 'healthy', ...ledgerInfo(), oldestLedger: 1, ledgerRetentionWindow: 17280 }),
    getNetwork: () => ({ passphrase: opts.networkPassphrase, protocolVersion: 23 }),
    getLedgerEntries,
    simulateTransaction: simulate,
    sendTransaction: send,
    getTransaction,
    getEvents,
  };

  const server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: { id?: unknown; method?: string; params?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(res, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } });
    }
    const fn = body.method !== undefined ? methods[body.method] : undefined;
    if (!fn) return reply(res, { jsonrpc: '2.0', id: body.id ?? null, error: { code: -32601, message: `method not found: ${body.method}` } });
    try {
      reply(res, { jsonrpc: '2.0', id: body.id ?? null, result: await fn(body.params) });
    } catch (err) {
      reply(res, { jsonrpc: '2.0', id: body.id ?? null, error: { code: -32602, message: (err as Error).message } });
    }
  }
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/rpc`,
    contractId: opts.contractId,
    networkPassphrase: opts.networkPassphrase,
    received,
    state: () => state,
    fund: (account) => void (accounts.has(account) ? undefined : accounts.set(account, BigInt(state.ledger + 1) << 32n)),
    registry,
    stop: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

function reply(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const instanceKey = (contractId: string) => ({ contract_data: { contract: contractId, key: 'ledger_key_contract_instance', durability: 'persistent' } });

function contractEvent(contractId: string, e: Applied['events'][number]): { json: string } {
  return { json: JSON.stringify({ ext: 'v0', contract_id: contractId, type_: 'contract', body: { v0: { topics: e.topics, data: e.data } } }) };
}

/** What the Soroban host reports for panic_with_error!(Error::X): a diagnostic `error` event. */
function errorEvent(contractId: string, err: contract.VaultContractError): unknown {
  const code = SPEC.errors.find((e) => e.name === err.errorName)!.code;
  return {
    ext: 'v0',
    contract_id: contractId,
    type_: 'diagnostic',
    body: {
      v0: { topics: [{ symbol: 'error' }, { error: { contract: code } }], data: { string: `${err.message}${err.reason ? `; reason: ${err.reason}` : ''}` } },
    },
  };
}

function hostError(err: contract.VaultContractError): string {
  const code = SPEC.errors.find((e) => e.name === err.errorName)!.code;
  return `HostError: Error(Contract, #${code})\n\nEvent log (newest first):\n   0: [Diagnostic Event] topics:[error, Error(Contract, #${code})], data:"${err.message}${err.reason ? `; reason: ${err.reason}` : ''}"`;
}

function matches(f: { contractIds?: string[]; topics?: string[][] }, contractId: string, topic: string[]): boolean {
  if (f.contractIds && f.contractIds.length > 0 && !f.contractIds.includes(contractId)) return false;
  if (!f.topics || f.topics.length === 0) return true;
  return f.topics.some((t) => t.every((x, i) => x === '*' || x === topic[i]) && (t.length === topic.length || t[t.length - 1] === '**'));
}
