// The Soroban backend through the real CLI (dist/pcq.mjs; `npm run build` first) against the
// loopback Soroban RPC server (engine/testing/soroban-rpc.ts), configured the runner playbook's way
// (PCQ_VAULT_BACKEND=soroban, RUNNER_RPC_URL, RUNNER_NETWORK_PASSPHRASE, RUNNER_CONTRACT_ID,
// RUNNER_AGENT_REGISTRY_ID): `pcq grant add` registers the grant with a grant_runner transaction
// signed by the user, `pcq run` opens and finalizes with transactions signed by the runner, the
// manifest binds the Soroban receipts (contract id, transaction hashes) and verifies; a revocation
// the contract holds refuses the next run with UnauthorizedRunner from the RPC side, nothing written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { snapshotTree } from '../testing/snapshot-tree.ts';
import { runPcq } from '../testing/pcq-cli.ts';
import { startSorobanRpc, type SorobanRpcFake } from '../testing/soroban-rpc.ts';
import { signerFromSecret } from '../runtime/keys.ts';
import { SorobanVault } from './soroban-vault.ts';

const CONTRACT = 'CCJDYFWYPCHWM5JLM5TZKS2OJM7KAL7A72YI3AYU4BNBZCQFVNLDUCRP';
const REGISTRY = 'CAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const PASSPHRASE = 'Standalone Network ; February 2017';
const R2 = 'runbooks/R2-relationship-inference.yaml';
let fake: SorobanRpcFake;
let root: string;
let runner: { secret: string; publicKey: string };
let user: { secret: string; publicKey: string };
const env = () => ({
  PCQ_MODE: 'prod',
  RUNNER_SECRET: runner.secret,
  PCQ_GRANT_USER_SECRET: user.secret,
  PCQ_VAULT_BACKEND: 'soroban',
  RUNNER_RPC_URL: fake.url,
  RUNNER_NETWORK_PASSPHRASE: PASSPHRASE,
  RUNNER_CONTRACT_ID: CONTRACT,
  RUNNER_AGENT_REGISTRY_ID: REGISTRY,
  RUNNER_POLL_INTERVAL_MS: '20',
});
const pcq = (e: Record<string, string>, ...args: string[]) => runPcq(root, e, ...args);

before(async () => {
  await stat(resolve('dist/pcq.mjs')).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  fake = await startSorobanRpc({ contractId: CONTRACT, networkPassphrase: PASSPHRASE });
  root = await makeSampleRoot('pcq-soroban-');
  runner = JSON.parse((await pcq({}, 'keys', 'generate', '--json')).stdout);
  user = JSON.parse((await pcq({}, 'keys', 'generate', '--json')).stdout);
  for (const k of [runner, user]) fake.fund(k.publicKey);
  fake.registry.add(runner.publicKey);
  await appendFile(
    join(root, 'policies/trust.yaml'),
    `\n  - name: soroban-runner\n    publicKey: ${runner.publicKey}\n    roles: [runner]\n    status: active\n    validFrom: 2026-01-01T00:00:00Z\n    validUntil: null\n`,
  );
});
after(() => fake.stop());

test('pcq config show lists the RUNNER_* settings with their sources', { timeout: 60_000 }, async () => {
  const shown = await pcq(env(), 'config', 'show', '--sources');
  assert.equal(shown.code, 0, shown.stderr);
  for (const [key, value, origin] of [
    ['vault.backend', 'soroban', 'PCQ_VAULT_BACKEND'],
    ['vault.rpcUrl', fake.url, 'RUNNER_RPC_URL'],
    ['vault.contractId', CONTRACT, 'RUNNER_CONTRACT_ID'],
    ['vault.agentRegistryId', REGISTRY, 'RUNNER_AGENT_REGISTRY_ID'],
    ['vault.networkPassphrase', PASSPHRASE, 'RUNNER_NETWORK_PASSPHRASE'],
    ['vault.finalizeOnError', 'true', 'default'],
  ])
    assert.match(shown.stdout, new RegExp(`${key!.replace('.', '\\.')}\\s+${value!.replace(/[.*+?^${}()|[\]\\;]/g, '\\$&')}\\s.*${origin}`));
});

test('grant → run (open, finalize) → verify → revoke on the contract → refused from the RPC side', { timeout: 180_000 }, async () => {
  const added = await pcq(
    env(),
    'grant',
    'add',
    '--runner',
    runner.publicKey,
    '--runbook',
    'R2',
    '--budget',
    '20',
    '--expires',
    '2099-01-01T00:00:00Z',
    '--json',
  );
  assert.equal(added.code, 0, added.stderr);
  const grantId = (JSON.parse(added.stdout) as { terms: { grantId: string } }).terms.grantId;
  assert.ok(fake.state().grants[grantId], 'grant_runner reached the contract');

  const run = await pcq(env(), 'run', R2, '--as-of', '2026-11-16T00:00:00Z');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /run state: pending → open → finalizing → finalized · grant g-.* on the soroban vault/);
  const manifestPath = /manifest: (\S+)/.exec(run.stdout)![1]!;
  const manifest = JSON.parse(await readFile(join(root, manifestPath), 'utf8'));
  assert.equal(manifest.receipts.open.backend, 'soroban');
  assert.equal(manifest.receipts.open.contractId, CONTRACT);
  assert.match(manifest.receipts.finalize.txHash, /^[0-9a-f]{64}$/);
  assert.equal(fake.state().grants[grantId]!.spent, manifest.receipts.finalize.usage);
  const verified = await pcq({ PCQ_MODE: 'prod' }, 'verify', manifestPath);
  assert.equal(verified.code, 0, verified.stdout + verified.stderr);

  // The user revokes on the contract directly (another client; the grant file does not know yet):
  // the file still says active, so pcq gets as far as open_run, and the contract refuses it.
  await new SorobanVault({
    rpcUrl: fake.url,
    networkPassphrase: PASSPHRASE,
    contractId: CONTRACT,
    source: signerFromSecret(user.secret, 't'),
    pollIntervalMs: 20,
  }).revokeRunner({
    grantId,
    user: user.publicKey,
  });
  const before = await snapshotTree(root, ['attestations', '.pcq']);
  const refused = await pcq(env(), 'run', R2, '--as-of', '2026-11-16T00:00:00Z');
  assert.equal(refused.code, 1, refused.stdout + refused.stderr);
  assert.match(refused.stderr, /PCQ_UNAUTHORIZED_RUNNER.*before any step started.*open_run refused by the contract/);
  assert.deepEqual(await snapshotTree(root, ['attestations', '.pcq']), before);

  // pcq grant revoke records it in the grant file (the contract already holds it: idempotent).
  const revoked = await pcq(env(), 'grant', 'revoke', grantId);
  assert.equal(revoked.code, 0, revoked.stderr);
  const again = await pcq({ PCQ_MODE: 'prod' }, 'verify', manifestPath);
  assert.equal(again.code, 0, again.stdout);

  const sent = fake.received.filter((r) => r.rpc === 'sendTransaction');
  assert.deepEqual(
    fake.received.filter((r) => !r.accepted),
    [],
  );
  assert.deepEqual(
    sent.map((r) => [r.method, r.source]),
    [
      ['grant_runner', user.publicKey],
      ['open_run', runner.publicKey],
      ['finalize_run', runner.publicKey],
      ['revoke_runner', user.publicKey],
      ['grant_runner', user.publicKey],
      ['revoke_runner', user.publicKey],
    ],
  );
});
