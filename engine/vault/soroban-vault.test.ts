// The Soroban backend against a loopback Soroban RPC server (engine/testing/soroban-rpc.ts) that
// decodes every transaction with @stellar/stellar-xdr-json, an XDR implementation independent of
// the client's stellar-sdk, and holds the contract's state with the spec's state machine.
// grant → open → finalize → revoke passes; UnauthorizedRunner and BudgetExhausted come from the RPC
// side (simulation); every transaction the client sent was a valid, signed invokeHostFunction of
// the right method, typed per contracts/prepaid-vault.spec.json, by the address that must authorize
// it; a tampered envelope is refused as the network refuses it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rpc, scValToNative, TransactionBuilder } from '@stellar/stellar-sdk';
import { PcqError } from '../base/errors.ts';
import { generateKeyPair, signerFromSecret } from '../runtime/keys.ts';
import { startSorobanRpc, type SorobanRpcFake } from '../testing/soroban-rpc.ts';
import { decodeXdr, encodeXdr } from '../testing/soroban-xdr.ts';
import { SorobanVault } from './soroban-vault.ts';
import { grantDigest } from './grant-file.ts';
import type { GrantRegistration, GrantTerms } from '../base/prepaid-vault.ts';

const CONTRACT = 'CCJDYFWYPCHWM5JLM5TZKS2OJM7KAL7A72YI3AYU4BNBZCQFVNLDUCRP';
const PASSPHRASE = 'Standalone Network ; February 2017';
let fake: SorobanRpcFake;
const user = generateKeyPair();
const runner = generateKeyPair();
const vaultAs = (secret: string) =>
  new SorobanVault({ rpcUrl: fake.url, networkPassphrase: PASSPHRASE, contractId: CONTRACT, source: signerFromSecret(secret, 'test'), pollIntervalMs: 5 });

function registration(budget: number, grantId = 'g-0000000000a1'): GrantRegistration {
  const terms: GrantTerms = {
    grantId,
    version: 1,
    user: user.publicKey,
    runner: runner.publicKey,
    runbooks: ['R1', 'R2'],
    budget,
    unit: 'step',
    expiresAt: '2099-01-01T00:00:00Z',
    revoked: false,
  };
  return { grantId, digest: grantDigest(terms), user: terms.user, runner: terms.runner, runbooks: terms.runbooks, budget, expiresAt: terms.expiresAt };
}

async function refusal(p: Promise<unknown>): Promise<{ code: string; reason?: string; contractError?: string }> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PcqError, String(err));
    const d = (err.details ?? {}) as { reason?: string; contractError?: string };
    return { code: err.code, ...(d.reason ? { reason: d.reason } : {}), ...(d.contractError ? { contractError: d.contractError } : {}) };
  }
  return assert.fail('expected a refusal');
}

let race: ((method: string) => void) | undefined;
before(async () => {
  fake = await startSorobanRpc({ contractId: CONTRACT, networkPassphrase: PASSPHRASE, beforeApply: (m) => race?.(m) });
  fake.fund(user.publicKey);
  fake.fund(runner.publicKey);
  fake.registry.add(runner.publicKey);
});
after(() => fake.stop());

test('grant → open → finalize → revoke against the loopback RPC; refusals come from the contract', { timeout: 60_000 }, async () => {
  const asUser = vaultAs(user.secret);
  const asRunner = vaultAs(runner.secret);
  const reg = registration(10);
  const granted = await asUser.grantRunner(reg);
  assert.equal(granted.backend, 'soroban');
  assert.match(granted.txHash!, /^[0-9a-f]{64}$/);
  const [listed] = await asUser.listRunnerGrants(user.publicKey);
  assert.deepEqual(
    { ...listed, grantedAtLedger: 0 },
    { ...reg, spent: 0, reserved: 0, revokedAtLedger: null, grantedAtLedger: 0 },
    'list_runner_grants returns the registered terms',
  );

  const open1 = await asRunner.openRun({ runId: 'run-1', grantId: reg.grantId, runner: runner.publicKey, runbookId: 'R2', reserve: 4 });
  assert.equal(open1.grantDigest, reg.digest);
  assert.equal(open1.reserved, 4);
  const fin1 = await asRunner.finalizeRun({ runId: 'run-1', runner: runner.publicKey, usage: 3, ok: true });
  assert.deepEqual([fin1.outcome, fin1.usage, fin1.spentAfter, fin1.grantId], ['finalized', 3, 3, reg.grantId]);

  // BudgetExhausted from the contract: 7 left, 8 asked.
  assert.deepEqual(await refusal(asRunner.openRun({ runId: 'run-x', grantId: reg.grantId, runner: runner.publicKey, runbookId: 'R2', reserve: 8 })), {
    code: 'PCQ_BUDGET_EXHAUSTED',
    contractError: 'BudgetExhausted',
  });
  // A runbook the grant does not cover.
  assert.deepEqual(await refusal(asRunner.openRun({ runId: 'run-y', grantId: reg.grantId, runner: runner.publicKey, runbookId: 'R9', reserve: 1 })), {
    code: 'PCQ_UNAUTHORIZED_RUNNER',
    reason: 'runbook-not-granted',
    contractError: 'UnauthorizedRunner',
  });

  // Opened before the revocation: still finalizes.
  await asRunner.openRun({ runId: 'run-2', grantId: reg.grantId, runner: runner.publicKey, runbookId: 'R1', reserve: 2 });
  const revoked = await asUser.revokeRunner({ grantId: reg.grantId, user: user.publicKey });
  assert.ok(revoked.ledger > open1.ledger);
  assert.deepEqual(await refusal(asRunner.openRun({ runId: 'run-3', grantId: reg.grantId, runner: runner.publicKey, runbookId: 'R1', reserve: 1 })), {
    code: 'PCQ_UNAUTHORIZED_RUNNER',
    reason: 'revoked',
    contractError: 'UnauthorizedRunner',
  });
  assert.deepEqual(
    (await asRunner.openRuns()).map((r) => [r.runId, r.reserved, r.runner]),
    [['run-2', 2, runner.publicKey]],
    'open runs read back from the contract events (pcq status)',
  );
  const fin2 = await asRunner.finalizeRun({ runId: 'run-2', runner: runner.publicKey, usage: 0, ok: false });
  assert.deepEqual([fin2.outcome, fin2.spentAfter], ['failed', 3]);
  const [after] = await asUser.listRunnerGrants(user.publicKey);
  assert.deepEqual([after!.spent, after!.reserved, after!.revokedAtLedger], [3, 0, revoked.ledger]);

  // Every transaction the server received decoded with stellar-xdr-json and passed its checks;
  // every submitted one is signed by the address its method requires (user or runner).
  assert.deepEqual(
    fake.received.filter((r) => !r.accepted),
    [],
  );
  const sent = fake.received.filter((r) => r.rpc === 'sendTransaction');
  assert.deepEqual(
    sent.map((r) => r.method),
    ['grant_runner', 'open_run', 'finalize_run', 'open_run', 'revoke_runner', 'finalize_run'],
  );
  for (const r of sent) assert.equal(r.source, r.method === 'grant_runner' || r.method === 'revoke_runner' ? user.publicKey : runner.publicKey);
  assert.deepEqual(sent[1]!.args, { runner: runner.publicKey, run_id: 'run-1', grant_id: reg.grantId, runbook_id: 'R2', reserve: 4 });
  assert.deepEqual(sent[0]!.args, {
    user: user.publicKey,
    runner: runner.publicKey,
    grant_id: reg.grantId,
    digest: reg.digest.slice('sha256:'.length),
    runbooks: ['R1', 'R2'],
    budget: 10,
    expires_at: Date.parse('2099-01-01T00:00:00Z') / 1000,
  });

  // The events of the spec, read back through getEvents with stellar-sdk's own parser.
  const events = await new rpc.Server(fake.url, { allowHttp: true }).getEvents({ startLedger: 1, filters: [{ type: 'contract', contractIds: [CONTRACT] }] });
  assert.deepEqual(
    events.events.map((e) => scValToNative(e.topic[0]!)),
    ['runner_granted', 'run_opened', 'run_finalized', 'run_opened', 'runner_revoked', 'run_finalized'],
  );
  assert.deepEqual(scValToNative(events.events[2]!.value), { grant_id: reg.grantId, ok: true, run_id: 'run-1', usage: 3n });
});

test('a runner the agent registry no longer lists is refused by the contract (UnauthorizedRunner, not-registered)', { timeout: 30_000 }, async () => {
  const reg = registration(5, 'g-0000000000b2');
  await vaultAs(user.secret).grantRunner(reg);
  fake.registry.delete(runner.publicKey);
  try {
    assert.deepEqual(
      await refusal(vaultAs(runner.secret).openRun({ runId: 'run-r', grantId: reg.grantId, runner: runner.publicKey, runbookId: 'R1', reserve: 1 })),
      {
        code: 'PCQ_UNAUTHORIZED_RUNNER',
        reason: 'not-registered',
        contractError: 'UnauthorizedRunner',
      },
    );
  } finally {
    fake.registry.add(runner.publicKey);
  }
});

test('a transaction the ledger refuses after a clean simulation (FAILED) maps to the contract error', { timeout: 30_000 }, async () => {
  const reg = registration(5, 'g-0000000000c3');
  await vaultAs(user.secret).grantRunner(reg);
  race = (m) => void (m === 'open_run' && fake.registry.delete(runner.publicKey));
  try {
    assert.deepEqual(
      await refusal(vaultAs(runner.secret).openRun({ runId: 'run-race', grantId: reg.grantId, runner: runner.publicKey, runbookId: 'R1', reserve: 1 })),
      {
        code: 'PCQ_UNAUTHORIZED_RUNNER',
        reason: 'not-registered',
        contractError: 'UnauthorizedRunner',
      },
    );
  } finally {
    race = undefined;
    fake.registry.add(runner.publicKey);
  }
  assert.equal(fake.state().runs['run-race'], undefined);
});

test('the server refuses what the network refuses: another account signing, a tampered signature, no account', { timeout: 30_000 }, async () => {
  // The user key opening a run for the runner: require_auth(runner) is not the source's.
  const asUserForRunner = await refusal(
    vaultAs(user.secret).openRun({ runId: 'run-u', grantId: 'g-0000000000a1', runner: runner.publicKey, runbookId: 'R1', reserve: 1 }),
  );
  assert.equal(asUserForRunner.code, 'PCQ_VAULT_UNAVAILABLE');
  assert.match(fake.received.at(-1)!.why!, /needs runner .* authorization/);
  // An unfunded account cannot be a source.
  const stranger = generateKeyPair();
  assert.equal((await refusal(vaultAs(stranger.secret).listRunnerGrants(user.publicKey))).code, 'PCQ_VAULT_UNAVAILABLE');
  // A correctly built transaction whose signature is flipped: sendTransaction ERROR tx_bad_auth.
  const server = new rpc.Server(fake.url, { allowHttp: true });
  const signer = signerFromSecret(runner.secret, 'test');
  const vault = vaultAs(runner.secret) as unknown as { build(m: string, a: unknown[]): Promise<import('@stellar/stellar-sdk').Transaction> };
  const { openRunArgs } = await import('./soroban-args.ts');
  const tx = await vault.build('open_run', openRunArgs({ runId: 'run-t', grantId: 'g-0000000000b2', runner: runner.publicKey, runbookId: 'R1', reserve: 1 }));
  const prepared = rpc.assembleTransaction(tx, { ...(await server._simulateTransaction(tx)) } as never).build();
  prepared.addSignature(signer.keyid, Buffer.from(await signer.sign(prepared.hash())).toString('base64'));
  const envelope = decodeXdr('TransactionEnvelope', prepared.toXDR()) as { tx: { signatures: Array<{ signature: string }> } };
  const good = envelope.tx.signatures[0]!.signature;
  envelope.tx.signatures[0]!.signature = (good[0] === 'a' ? 'b' : 'a') + good.slice(1);
  const sent = await server.sendTransaction(TransactionBuilder.fromXDR(encodeXdr('TransactionEnvelope', envelope), PASSPHRASE));
  assert.equal(sent.status, 'ERROR');
  assert.equal((sent.errorResult as unknown as { result: { type: string } }).result.type, 'txBadAuth');
  assert.match(fake.received.at(-1)!.why!, /not signed by the source account/);
});
