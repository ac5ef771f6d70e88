// A killed or raced `pcq approve` (issue 15, resume guarantees) through the real CLI bundle
// (dist/pcq.mjs, `npm run build`). Kills are deterministic: PCQ_TEST_CRASH_AT makes the approve
// SIGKILL itself at a named point (base/test-crash.ts), never after a guessed delay:
//   - step:fetch-after         a step after the pause is running;
//   - resume:after-finalize    the vault settled the run, nothing recorded locally (the old gap);
//   - resume:before-commit     the receipt is journaled, the final manifest not committed;
//   - resume:after-commit      the final manifest is committed, the journal and lock still there.
// After each kill the run is either still paused (verifies as paused, resumable by a fresh
// `pcq approve` with the same decision; another decision is refused) or finished (verifies), never
// half-written; the vault ledger holds exactly one finalize_run for it; the manifest holds one
// decision. Then two and five approves of one paused run at once, as separate processes: exactly
// one decision lands, the others are refused PCQ_RESUME_LOCKED or PCQ_NOT_PAUSED.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { runPcq, type CliResult } from '../testing/pcq-cli.ts';
import { writeReviewerKey } from '../testing/reviewer-key.ts';
import { snapshotTree } from '../testing/snapshot-tree.ts';
import { finalizeEvents, liveApi, pausedRun, predicate, readJson, RL, setUpLiveRoot, type LiveApi, type Manifest } from '../testing/resume-kit.ts';

let root = '';
let api: LiveApi;
const pcq = (env: Record<string, string>, ...args: string[]): Promise<CliResult> => runPcq(root, env, ...args);
const approve =
  (decision: string, env: Record<string, string> = {}) =>
  (id: string) =>
    pcq(env, 'approve', id, '--decision', decision, '--by', 'ombuds-alice', '--json');
/** The store's files without lock files (a stale lock is broken, i.e. removed, by whoever comes next). */
const state = async () => new Map([...(await snapshotTree(root, ['attestations', '.pcq']))].filter(([path]) => !path.endsWith('.lock')));

before(async () => {
  await stat(resolve('dist/pcq.mjs')).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  api = await liveApi();
  root = await makeSampleRoot('pcq-resume-crash-');
  await setUpLiveRoot(root, api.base);
  await writeReviewerKey(root, 'ombuds-alice');
});
after(async () => {
  await api?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

/** The journal (decision + settlement with its receipt) validates with python3-jsonschema against schemas/resume-journal.schema.json. */
async function journalMatchesSchema(dir: string): Promise<void> {
  const { stdout } = await promisify(execFile)('/usr/bin/python3', [resolve('scripts/validate-files.py'), root], { maxBuffer: 1 << 24 }).catch(
    (err: { stdout: string }) => ({ stdout: err.stdout }),
  );
  const report = JSON.parse(stdout) as { files: Array<{ path: string; schema: string; ok: boolean; errors: unknown[] }> };
  const entry = report.files.find((f) => f.path.endsWith('private/resume.json') && join(root, f.path).startsWith(dir));
  assert.ok(entry, `validate-files.py saw the journal: ${stdout.slice(0, 500)}`);
  assert.equal(entry.schema, 'resume-journal.schema.json');
  assert.deepEqual(entry.errors, []);
  assert.equal(entry.ok, true);
  const journal = await readJson<{ settlement?: { receipt?: unknown } }>(join(dir, 'private', 'resume.json'));
  assert.ok(journal.settlement?.receipt, 'the receipt is journaled before the commit');
}

async function verifyCode(manifestPath: string): Promise<number> {
  return (await pcq({}, 'verify', manifestPath, '--json')).code;
}

for (const point of ['step:fetch-after', 'resume:after-finalize', 'resume:before-commit'] as const) {
  test(`killed at ${point}: still paused, one settlement, the same decision carries it on, another is refused`, { timeout: 240_000 }, async () => {
    const { executionId, manifestPath, paused } = await pausedRun(root, RL);
    const dir = join(resolve(root, manifestPath), '..');
    const pausedText = await readFile(resolve(root, manifestPath), 'utf8');
    const killed = await approve('approve', { PCQ_TEST_CRASH_AT: point })(executionId);
    assert.equal(killed.code, null, `killed at ${point}: ${killed.stdout}${killed.stderr}`);
    // Not half-written: the paused manifest, byte for byte, verifying as paused.
    assert.equal(await readFile(resolve(root, manifestPath), 'utf8'), pausedText);
    assert.equal(paused.state, 'paused');
    assert.equal(await verifyCode(manifestPath), 4);
    const lock = await readJson<{ pid: number }>(join(dir, '.resume.lock'));
    assert.throws(() => process.kill(lock.pid, 0), 'the lock left behind is a dead process’s');
    if (point === 'resume:before-commit') await journalMatchesSchema(dir);
    const settledBefore = (await finalizeEvents(root, executionId)).length;
    assert.equal(settledBefore, point === 'step:fetch-after' ? 0 : 1);

    // Another decision is refused: the run has its one decision, journaled.
    const before = await state();
    const other = await approve('reject')(executionId);
    assert.equal(other.code, 1, other.stdout + other.stderr);
    assert.match(other.stdout + other.stderr, /PCQ_RESUME_DECIDED/);
    assert.deepEqual(await state(), before, 'the refused decision changed nothing');

    // The same decision carries it on: finished, verifying, settled exactly once.
    const repaired = await approve('approve')(executionId);
    assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
    const final = await readJson<Manifest>(resolve(root, manifestPath));
    assert.equal(final.state, undefined);
    assert.equal(final.approvals?.length, 1);
    assert.equal((predicate(final, 'confirm').approval as { decision: string }).decision, 'approve');
    assert.equal(await verifyCode(manifestPath), 0);
    const events = (await finalizeEvents(root, executionId)) as Array<{ ledger: number }>;
    assert.equal(events.length, 1, 'finalize_run once');
    assert.equal(final.receipts?.finalize?.ledger, events[0]!.ledger, 'the manifest binds the one settlement');
    await assert.rejects(stat(join(dir, 'private', 'resume.json')));
    await assert.rejects(stat(join(dir, '.resume.lock')));
  });
}

test('killed at resume:after-commit: finished and verifying; the next approve says it is decided and clears the journal', { timeout: 240_000 }, async () => {
  const { executionId, manifestPath } = await pausedRun(root, RL);
  const dir = join(resolve(root, manifestPath), '..');
  const killed = await approve('reject', { PCQ_TEST_CRASH_AT: 'resume:after-commit' })(executionId);
  assert.equal(killed.code, null, killed.stdout + killed.stderr);
  assert.equal(await verifyCode(manifestPath), 0);
  await stat(join(dir, 'private', 'resume.json')); // left behind by the kill
  const again = await approve('reject')(executionId);
  assert.equal(again.code, 1, again.stdout + again.stderr);
  assert.match(again.stdout + again.stderr, /PCQ_NOT_PAUSED/);
  await assert.rejects(stat(join(dir, 'private', 'resume.json')), 'the leftover journal is removed');
  assert.equal((await finalizeEvents(root, executionId)).length, 1);
  const final = await readJson<Manifest>(resolve(root, manifestPath));
  assert.equal((predicate(final, 'confirm').approval as { decision: string }).decision, 'reject');
  assert.equal(await verifyCode(manifestPath), 0);
});

for (const n of [2, 5]) {
  test(`${n} approves of one paused run at once: exactly one decision lands, the others are refused`, { timeout: 240_000 }, async () => {
    const { executionId, manifestPath } = await pausedRun(root, RL);
    const decisions = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 'approve' : 'reject'));
    const results = await Promise.all(decisions.map((d) => approve(d)(executionId)));
    const won = results.flatMap((r, i) => (r.code === 0 ? [i] : []));
    assert.equal(won.length, 1, results.map((r) => `${r.code}: ${(r.stdout + r.stderr).slice(-300)}`).join('\n'));
    for (const [i, r] of results.entries()) {
      if (i === won[0]) continue;
      const out = r.stdout + r.stderr;
      assert.ok((r.code === 75 && /PCQ_RESUME_LOCKED/.test(out)) || (r.code === 1 && /PCQ_NOT_PAUSED/.test(out)), `${r.code}: ${out}`);
    }
    const final = await readJson<Manifest>(resolve(root, manifestPath));
    assert.equal(final.approvals?.length, 1);
    assert.equal((predicate(final, 'confirm').approval as { decision: string }).decision, decisions[won[0]!]);
    assert.equal((await finalizeEvents(root, executionId)).length, 1);
    assert.equal(await verifyCode(manifestPath), 0);
  });
}
