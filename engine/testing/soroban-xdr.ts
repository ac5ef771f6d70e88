// The loopback Soroban RPC server's XDR side (engine/testing/soroban-rpc.ts), with a decoder that is
// NOT the client's: @stellar/stellar-xdr-json (the Rust stellar-xdr crate compiled to wasm) decodes
// every envelope the client sends and encodes every answer, so a transaction @stellar/stellar-sdk
// builds is only accepted if an independent implementation of the Stellar XDR reads it as a valid
// invokeHostFunction envelope: one operation invoking our contract, the method and argument types
// of contracts/prepaid-vault.spec.json, the source account's sequence number, and an Ed25519
// signature by that G… account over the transaction hash (sha256(network id ‖ ENVELOPE_TYPE_TX ‖
// Transaction), computed here from the re-encoded body).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { decode, encode, initSync } from '@stellar/stellar-xdr-json';
import { nodeVerify } from '../proof/ed25519-node.ts';
import { fromBase64, fromHex, toHex, concatBytes } from '../proof/bytes.ts';
import { tryDecodeStrKey } from '../proof/strkey.ts';
import { REPO_ROOT } from './sample-root.ts';

let ready = false;
function init(): void {
  if (ready) return;
  initSync(readFileSync(createRequire(import.meta.url).resolve('@stellar/stellar-xdr-json/stellar_xdr_json_bg.wasm')));
  ready = true;
}

/** XDR base64 → the stellar-xdr JSON value of `type`. Throws when the bytes are not exactly one `type`. */
export function decodeXdr(type: string, base64: string): unknown {
  init();
  return JSON.parse(decode(type, base64)) as unknown;
}

export function encodeXdr(type: string, value: unknown): string {
  init();
  return encode(type, JSON.stringify(value));
}

interface SpecArg {
  name: string;
  type: string;
}
interface SpecMethod {
  name: string;
  auth: 'user' | 'runner' | 'none';
  readOnly?: boolean;
  args: SpecArg[];
}
/** The contract interface the server holds the client to: the repository's own spec file. */
export const SPEC = JSON.parse(readFileSync(`${REPO_ROOT}/contracts/prepaid-vault.spec.json`, 'utf8')) as {
  methods: SpecMethod[];
  errors: Array<{ name: string; code: number }>;
};

export type ArgValue = string | number | boolean | string[];

/** One invocation, read from a decoded envelope and checked against the spec. */
export interface Invocation {
  source: string; // G… of the transaction's source account
  seq: bigint;
  method: SpecMethod;
  args: Record<string, ArgValue>;
  /** The ScVal JSON of the arguments as received (for the auth entry's root invocation). */
  rawArgs: unknown[];
  contract: string;
  sorobanData: unknown; // tx.ext.v1, absent before simulation
  auth: unknown[];
  txHash: string;
  signatures: Array<{ hint: string; signature: string }>;
}

export class EnvelopeProblem extends Error {}
const problem = (m: string): never => {
  throw new EnvelopeProblem(m);
};

type Json = Record<string, unknown>;
const obj = (v: unknown, what: string): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : problem(`${what} is not an object`));

/** Decodes a TransactionEnvelope and checks it invokes one spec method of `contractId` with typed arguments. */
export function readInvocation(envelopeB64: string, contractId: string, networkPassphrase: string): Invocation {
  let env: Json;
  try {
    env = obj(decodeXdr('TransactionEnvelope', envelopeB64), 'envelope');
  } catch (err) {
    if (err instanceof EnvelopeProblem) throw err;
    return problem(`not a TransactionEnvelope: ${String(err)}`);
  }
  const v1 = obj(env.tx ?? problem('not an ENVELOPE_TYPE_TX (v1) envelope'), 'envelope.tx');
  const tx = obj(v1.tx, 'tx');
  const ops = Array.isArray(tx.operations) ? tx.operations : problem('no operations');
  if (ops.length !== 1) problem(`a Soroban transaction has exactly one operation, got ${ops.length}`);
  const op = obj(ops[0], 'operation');
  const source = String(tx.source_account);
  if (op.source_account !== null && op.source_account !== source) problem('the operation has a source account other than the transaction');
  const ihf = obj(obj(op.body, 'operation body').invoke_host_function ?? problem('the operation is not invokeHostFunction'), 'invoke_host_function');
  const call = obj(obj(ihf.host_function, 'host_function').invoke_contract ?? problem('the host function is not invoke_contract'), 'invoke_contract');
  if (call.contract_address !== contractId) problem(`invokes contract ${String(call.contract_address)}, not ${contractId}`);
  const method = SPEC.methods.find((m) => m.name === call.function_name) ?? problem(`${String(call.function_name)} is not a PrepaidVault method`);
  const rawArgs = Array.isArray(call.args) ? call.args : problem('args is not a list');
  if (rawArgs.length !== method.args.length) problem(`${method.name} takes ${method.args.length} arguments, got ${rawArgs.length}`);
  const args: Record<string, ArgValue> = {};
  method.args.forEach((spec, i) => {
    args[spec.name] = scArg(rawArgs[i], spec.type, `${method.name}(${spec.name})`);
  });
  const txXdr = fromBase64(encodeXdr('Transaction', tx))!;
  const networkId = createHash('sha256').update(networkPassphrase).digest();
  const hash = createHash('sha256')
    .update(concatBytes(networkId, new Uint8Array([0, 0, 0, 2]), txXdr))
    .digest();
  const ext = tx.ext === 'v0' ? undefined : obj(tx.ext, 'tx.ext').v1;
  return {
    source,
    seq: BigInt(String(tx.seq_num)),
    method,
    args,
    rawArgs,
    contract: contractId,
    sorobanData: ext,
    auth: Array.isArray(ihf.auth) ? ihf.auth : [],
    txHash: toHex(hash),
    signatures: (Array.isArray(v1.signatures) ? v1.signatures : []) as Invocation['signatures'],
  };
}

/** An ScVal argument as the spec types it (Address, String, BytesN<32>, Vec<String>, u64, bool). */
function scArg(value: unknown, type: string, what: string): ArgValue {
  const v = obj(value, what);
  const only = (key: string): unknown => (Object.keys(v).length === 1 && key in v ? v[key] : problem(`${what} must be ${type}, got ${JSON.stringify(value)}`));
  switch (type) {
    case 'Address': {
      const a = String(only('address'));
      return tryDecodeStrKey('public', a) ? a : problem(`${what} must be an account (G…) address, got ${a}`);
    }
    case 'String':
      return String(only('string'));
    case 'BytesN<32>': {
      const hex = String(only('bytes'));
      return fromHex(hex)?.length === 32 ? hex : problem(`${what} must be 32 bytes`);
    }
    case 'Vec<String>': {
      const list = only('vec');
      if (!Array.isArray(list)) return problem(`${what} must be a vec`);
      return list.map((x, i) => String(scArg(x, 'String', `${what}[${i}]`)));
    }
    case 'u64': {
      const n = Number(String(only('u64')));
      return Number.isSafeInteger(n) ? n : problem(`${what} is beyond the numbers pcq uses`);
    }
    case 'bool':
      return Boolean(only('bool'));
    default:
      return problem(`the spec type ${type} is not known to the server`);
  }
}

/** The Ed25519 signature of `account` over the transaction hash, found by its hint. */
export async function signedBy(inv: Invocation, account: string): Promise<boolean> {
  const key = tryDecodeStrKey('public', account);
  if (!key) return false;
  const hint = toHex(key.slice(28));
  for (const s of inv.signatures) {
    if (s.hint !== hint) continue;
    const sig = fromHex(s.signature);
    if (sig && sig.length === 64 && (await nodeVerify(key, fromHex(inv.txHash)!, sig))) return true;
  }
  return false;
}

/** The auth entry the contract's require_auth(address) yields when `address` is the transaction source. */
export function sourceAuthEntry(inv: Pick<Invocation, 'contract' | 'method' | 'rawArgs'>): unknown {
  return {
    credentials: 'source_account',
    root_invocation: { function: { contract_fn: { contract_address: inv.contract, function_name: inv.method.name, args: inv.rawArgs } }, sub_invocations: [] },
  };
}

/** Same JSON value (key order ignored). */
export function sameJson(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(norm)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, norm((v as Json)[k])]),
          )
        : v;
  return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
}
