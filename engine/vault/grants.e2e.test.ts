// Issue 12 acceptance through the real CLI bundle (dist/pcq.mjs; `npm run build` first), in prod:
// without a grant, with an expired grant, with an exhausted budget and with a revoked grant a run
// refuses (PCQ_UNAUTHORIZED_RUNNER / PCQ_BUDGET_EXHAUSTED) before any step starts, writing nothing
// under attestations/ or .pcq/; a granted run prints its run states, binds the grant and receipts,
// and `pcq verify` shows who authorized it, the budget and the cost. The pause switch refuses first.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { snapshotTree } from '../testing/snapshot-tree.ts';

const exec = promisify(execFile);
const NODE = resolve('node_modules/.bin/node');
const CLI = resolve('dist/pcq.mjs');
const R2 = 'runbooks/R2-relationship-inference.yaml'; // 6 steps: reserves 6 step units

let root: string;
let runner: { secret: string; publicKey: string };
let user: { secret: string; publicKey: string };

async function pcq(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(NODE, [CLI, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PCQ_ACTOR: 'local:tester', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const prod = () => ({ PCQ_MODE: 'prod', RUNNER_SECRET: runner.secret, PCQ_GRANT_USER_SECRET: user.secret });
const written = () => snapshotTree(root, ['attestations', '.pcq']);
const grantAdd = async (budget: number, expires: string): Promise<string> => {
  const r = await pcq(prod(), 'grant', 'add', '--runner', runner.publicKey, '--runbook', 'R2', '--budget', String(budget), '--expires', expires, '--json');
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { terms: { grantId: string } }).terms.grantId;
};
async function refusedWithoutWrites(code: string, reason?: string): Promise<void> {
  const before = await written();
  const run = await pcq(prod(), 'run', R2);
  assert.equal(run.code, 1, run.stdout + run.stderr);
  assert.match(run.stderr, new RegExp(code));
  if (reason) assert.match(run.stderr, new RegExp(reason));
  assert.match(run.stderr, /before any step started/);
  assert.doesNotMatch(run.stdout, /succeeded/);
  assert.deepEqual(await written(), before, 'a refused run writes nothing under attestations/ or .pcq/');
}

before(async () => {
  await stat(CLI).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  root = await makeSampleRoot('pcq-grants-');
  runner = JSON.parse((await pcq({}, 'keys', 'generate', '--json')).stdout);
  user = JSON.parse((await pcq({}, 'keys', 'generate', '--json')).stdout);
  await appendFile(
    join(root, 'policies/trust.yaml'),
    `\n  - name: grants-runner\n    publicKey: ${runner.publicKey}\n    roles: [runner]\n    status: active\n    validFrom: 2026-01-01T00:00:00Z\n    validUntil: null\n`,
  );
});

test('prod without a grant: UnauthorizedRunner before any step, nothing written', async () => {
  await refusedWithoutWrites('PCQ_UNAUTHORIZED_RUNNER', 'no grant names runner');
});

test('an expired grant refuses with UnauthorizedRunner', async () => {
  await grantAdd(100, '2026-01-02T00:00:00Z');
  await refusedWithoutWrites('PCQ_UNAUTHORIZED_RUNNER', 'expired');
});

test('a granted run: states, receipts, verify shows who authorized, budget and cost; then the budget is exhausted; then revoked', async () => {
  const grantId = await grantAdd(6, '2099-01-01T00:00:00Z'); // exactly one run of R2
  const run = await pcq(prod(), 'run', R2, '--as-of', '2026-11-16T00:00:00Z');
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /run state: pending → open → finalizing → finalized · grant g-/);
  assert.match(run.stdout, /cost 6 of 6 step unit\(s\) reserved · 6\/6 spent on the embedded vault/);
  const manifestPath = /manifest: (\S+)/.exec(run.stdout)![1]!;
  const manifest = JSON.parse(await readFile(join(root, manifestPath), 'utf8'));
  assert.equal(manifest.grant.grantId, grantId);
  assert.equal(manifest.grant.signer, user.publicKey);
  assert.equal(manifest.receipts.finalize.usage, 6);
  const record = JSON.parse(await readFile(join(root, manifestPath.replace('manifest.pcq', 'run.json')), 'utf8'));
  assert.equal(record.vault.state, 'finalized');
  const verified = await pcq({ PCQ_MODE: 'prod' }, 'verify', manifestPath);
  assert.equal(verified.code, 0, verified.stdout);
  assert.match(verified.stdout, new RegExp(`signed by user ${user.publicKey} authorized runner ${runner.publicKey}`));
  assert.match(verified.stdout, /cost 6 step unit\(s\) of 6 reserved \(finalized\); grant budget 6, 6 spent/);

  await refusedWithoutWrites('PCQ_BUDGET_EXHAUSTED');

  const revoked = await pcq(prod(), 'grant', 'revoke', grantId);
  assert.equal(revoked.code, 0, revoked.stderr);
  await refusedWithoutWrites('PCQ_UNAUTHORIZED_RUNNER', 'revoked');
  // Revoked after the run opened: the run stands.
  const again = await pcq({ PCQ_MODE: 'prod' }, 'verify', manifestPath);
  assert.equal(again.code, 0, again.stdout);
  assert.match(again.stdout, /after the run opened/);
  const list = await pcq(prod(), 'grant', 'list');
  assert.match(list.stdout, new RegExp(`${grantId}  revoked`));
});

test('the pause switch refuses every new run first, with its own code', async () => {
  await writeFile(join(root, 'policies/pause.yaml'), 'paused: true\nreason: incident 42\n');
  try {
    await refusedWithoutWrites('PCQ_RUNS_PAUSED', 'incident 42');
  } finally {
    await writeFile(join(root, 'policies/pause.yaml'), 'paused: false\n');
  }
});

test('pcq validate reports a tampered grant file with PCQ_GRANT_INVALID and its path', async () => {
  const id = await grantAdd(10, '2099-01-01T00:00:00Z');
  const file = join(root, 'contracts/grants', id, 'v1.json');
  const good = await readFile(file, 'utf8');
  assert.equal((await pcq({}, 'validate')).code, 0);
  await writeFile(file, good.replace('"budget": 10', '"budget": 10000'));
  try {
    const v = await pcq({}, 'validate');
    assert.equal(v.code, 3, v.stdout + v.stderr);
    assert.match(v.stdout + v.stderr, new RegExp(`PCQ_GRANT_INVALID.*contracts/grants/${id}/v1.json.*signature`));
    const run = await pcq(prod(), 'run', R2);
    assert.equal(run.code, 3);
  } finally {
    await writeFile(file, good);
  }
});
