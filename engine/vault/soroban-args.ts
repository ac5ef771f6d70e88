// The PrepaidVault contract's Soroban ABI (contracts/prepaid-vault.spec.json "methods"): argument
// order and ScVal types per method, and the receipt maps the contract returns. One place, used by
// the client (soroban-vault.ts) to build invocations; the loopback RPC server in the tests decodes
// with an independent XDR codec and checks the same table.
import { Address, nativeToScVal, xdr } from '@stellar/stellar-sdk';
import type { FinalizeRunArgs, GrantRegistration, OpenRunArgs } from '../base/prepaid-vault.ts';
import { fromHex } from '../proof/bytes.ts';

const addr = (g: string): xdr.ScVal => new Address(g).toScVal();
const str = (s: string): xdr.ScVal => nativeToScVal(s, { type: 'string' });
const u64 = (n: number): xdr.ScVal => nativeToScVal(BigInt(n), { type: 'u64' });

/** sha256:<hex> → BytesN<32>. */
function digestBytes(digest: string): xdr.ScVal {
  const bytes = fromHex(digest.replace(/^sha256:/, ''));
  if (!bytes || bytes.length !== 32) throw new TypeError(`not a sha256 digest: ${digest}`);
  return nativeToScVal(bytes, { type: 'bytes' });
}

export function grantRunnerArgs(g: GrantRegistration): xdr.ScVal[] {
  const expires = Math.floor(Date.parse(g.expiresAt) / 1000);
  return [addr(g.user), addr(g.runner), str(g.grantId), digestBytes(g.digest), nativeToScVal(g.runbooks.map((r) => str(r))), u64(g.budget), u64(expires)];
}

export function revokeRunnerArgs(input: { grantId: string; user: string }): xdr.ScVal[] {
  return [addr(input.user), str(input.grantId)];
}

export function listRunnerGrantsArgs(user: string): xdr.ScVal[] {
  return [addr(user)];
}

export function openRunArgs(a: OpenRunArgs): xdr.ScVal[] {
  return [addr(a.runner), str(a.runId), str(a.grantId), str(a.runbookId), u64(a.reserve)];
}

export function finalizeRunArgs(a: FinalizeRunArgs): xdr.ScVal[] {
  return [addr(a.runner), str(a.runId), u64(a.usage), nativeToScVal(a.ok)];
}
