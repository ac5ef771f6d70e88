// Issue 15 acceptance, human-in-the-loop pause, through the real CLI bundle (dist/pcq.mjs, `npm run
// build`): R5 pauses at its approval step, verifies as paused (exit 4, state paused) and replays
// identically; unauthorized decisions (off the roster, another ombuds' key, inputs off the schema)
// are refused with attestations/ and .pcq/ byte-identical; an authorized approve with a corrected
// threshold resumes the run, whose final manifest starts with the paused attestations byte for
// byte, verifies, and replays identically without asking; a second decision is refused. A reject
// ends the run with nothing after the approval run and no export released.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { runPcq, type CliResult } from '../testing/pcq-cli.ts';
import { writeReviewerKey } from '../testing/reviewer-key.ts';
import { snapshotTree } from '../testing/snapshot-tree.ts';

const R5 = 'runbooks/R5-escalation-approval.yaml';
const AS_OF = '2026-11-16T00:00:00Z';
let root: string;
let alice: string;

const pcq = (env: Record<string, string>, ...args: string[]): Promise<CliResult> => runPcq(root, env, ...args);

interface Manifest {
  state?: string;
  pause?: { stepId: string };
  merkleRoot: string;
  approvals?: unknown[];
  steps: Array<{ stepId: string; attestationHash: string; attestation: { payload: string } }>;
}

const readManifest = async (path: string): Promise<Manifest> => JSON.parse(await readFile(resolve(root, path), 'utf8')) as Manifest;
const predicate = (m: Manifest, stepId: string): Record<string, unknown> =>
  (JSON.parse(Buffer.from(m.steps.find((s) => s.stepId === stepId)!.attestation.payload, 'base64').toString('utf8')) as { predicate: Record<string, unknown> })
    .predicate;

before(async () => {
  await stat(resolve('dist/pcq.mjs')).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  root = await makeSampleRoot('pcq-approval-');
  alice = (await writeReviewerKey(root, 'ombuds-alice')).secret;
  await writeReviewerKey(root, 'mallory'); // a key bound to a login that is not on the roster
});

async function pausedRun(): Promise<{ executionId: string; manifestPath: string; paused: Manifest }> {
  const run = await pcq({}, 'run', R5, '--as-of', AS_OF, '--json');
  assert.equal(run.code, 4, run.stderr);
  const report = JSON.parse(run.stdout) as { executionId: string; manifestPath: string; status: string; pause: { stepId: string } };
  assert.equal(report.status, 'paused');
  assert.equal(report.pause.stepId, 'confirm-threshold');
  return { executionId: report.executionId, manifestPath: report.manifestPath, paused: await readManifest(report.manifestPath) };
}

test('R5: pause, verify as paused, refuse unauthorized decisions unchanged, approve, verify, replay identical', { timeout: 240_000 }, async () => {
  const { executionId, manifestPath, paused } = await pausedRun();
  assert.equal(paused.state, 'paused');
  assert.deepEqual(
    paused.steps.map((s) => s.stepId),
    ['open-alerts', 'triage'],
  );
  const verifiedPaused = await pcq({}, 'verify', manifestPath, '--json');
  assert.equal(verifiedPaused.code, 4, verifiedPaused.stdout);
  const pausedReport = JSON.parse(verifiedPaused.stdout) as { ok: boolean; state: string };
  assert.equal(pausedReport.ok, true);
  assert.equal(pausedReport.state, 'paused');
  const outbox = await readFile(join(root, '.pcq/outbox', (await import('node:fs/promises').then((f) => f.readdir(join(root, '.pcq/outbox'))))[0]!), 'utf8');
  assert.match(outbox, /Approval needed: R5/);
  const replayPaused = await pcq({}, 'replay', executionId, '--json');
  assert.equal(replayPaused.code, 0, replayPaused.stdout + replayPaused.stderr);

  const before = await snapshotTree(root, ['attestations', '.pcq']);
  const refusals: Array<[Record<string, string>, string[], number, string]> = [
    [{}, ['--by', 'mallory'], 1, 'PCQ_REVIEW_NOT_ON_ROSTER'],
    [{ PCQ_REVIEWER_SECRET: alice }, ['--by', 'ombuds-bob'], 1, 'PCQ_REVIEW_KEY_NOT_BOUND'],
    [{}, ['--by', 'ombuds-alice', '--input', 'threshold=12'], 3, 'PCQ_APPROVAL_INPUTS_INVALID'],
    [{}, ['--by', 'ombuds-alice', '--input', 'extra=1'], 3, 'PCQ_APPROVAL_INPUTS_INVALID'],
  ];
  for (const [env, args, code, expected] of refusals) {
    const refused = await pcq(env, 'approve', executionId, '--decision', 'approve', ...args);
    assert.equal(refused.code, code, `${args.join(' ')}: ${refused.stdout}${refused.stderr}`);
    assert.match(refused.stderr, new RegExp(expected));
    assert.deepEqual(await snapshotTree(root, ['attestations', '.pcq']), before, `${args.join(' ')} changed a file`);
  }

  const approved = await pcq({}, 'approve', executionId, '--decision', 'approve', '--by', 'ombuds-alice', '--input', 'threshold=8.0', '--json');
  assert.equal(approved.code, 0, approved.stdout + approved.stderr);
  const final = await readManifest(manifestPath);
  assert.equal(final.state, undefined);
  assert.equal(final.approvals?.length, 1);
  // The chain covers the pre-pause steps (the paused attestations, byte for byte), the decision and the rest.
  assert.deepEqual(
    final.steps.slice(0, 2).map((s) => s.attestationHash),
    paused.steps.map((s) => s.attestationHash),
  );
  assert.deepEqual(
    final.steps.map((s) => s.stepId),
    ['open-alerts', 'triage', 'confirm-threshold', 'escalate', 'escalation-list'],
  );
  const approval = predicate(final, 'confirm-threshold').approval as Record<string, unknown>;
  assert.equal(approval.decision, 'approve');
  assert.equal(approval.reviewer, 'ombuds-alice');
  assert.deepEqual(approval.inputs, { threshold: 8 });
  assert.equal(approval.pausedMerkleRoot, paused.merkleRoot);
  // The corrected threshold reached the later step: severities 8 and 9.5 escalate, 7 does not.
  const exported = JSON.parse(await readFile(resolve(root, manifestPath, '..', 'exports', 'r5-escalations.json'), 'utf8')) as Array<{ id: string }>;
  assert.deepEqual(
    exported.map((r) => r.id),
    ['A003', 'A002'],
  );

  const verified = await pcq({}, 'verify', manifestPath, '--json');
  assert.equal(verified.code, 0, verified.stdout);
  assert.equal((JSON.parse(verified.stdout) as { state: string }).state, 'complete');
  const replay = await pcq({}, 'replay', executionId, '--json');
  assert.equal(replay.code, 0, replay.stdout + replay.stderr);
  const replayed = JSON.parse(replay.stdout) as { identical: boolean; replayedMerkleRoot: string };
  assert.equal(replayed.identical, true);
  assert.equal(replayed.replayedMerkleRoot, final.merkleRoot);

  const afterApprove = await snapshotTree(root, ['attestations', '.pcq']);
  const again = await pcq({}, 'approve', executionId, '--decision', 'reject', '--by', 'ombuds-alice');
  assert.equal(again.code, 1, again.stderr);
  assert.match(again.stderr, /PCQ_NOT_PAUSED/);
  assert.deepEqual(await snapshotTree(root, ['attestations', '.pcq']), afterApprove);
});

test('R5: a rejection ends the run, nothing after the approval runs, exports withheld; verify and replay hold', { timeout: 240_000 }, async () => {
  const { executionId, manifestPath } = await pausedRun();
  const rejected = await pcq({}, 'approve', executionId, '--decision', 'reject', '--by', 'ombuds-alice', '--comment', 'threshold too low', '--json');
  assert.equal(rejected.code, 0, rejected.stdout + rejected.stderr);
  const report = JSON.parse(rejected.stdout) as { run: { status: string; verdict: string; executionDir: string } };
  assert.equal(report.run.status, 'rejected');
  assert.equal(report.run.verdict, 'rejected');
  const final = await readManifest(manifestPath);
  assert.equal((predicate(final, 'confirm-threshold').approval as { decision: string }).decision, 'reject');
  for (const stepId of ['escalate', 'escalation-list']) assert.equal(predicate(final, stepId).status, 'skipped', stepId);
  await assert.rejects(stat(join(report.run.executionDir, 'exports')), 'no export is released');
  const verified = await pcq({}, 'verify', manifestPath, '--json');
  assert.equal(verified.code, 0, verified.stdout);
  const replay = await pcq({}, 'replay', executionId, '--json');
  assert.equal(replay.code, 0, replay.stdout + replay.stderr);
  assert.equal((JSON.parse(replay.stdout) as { replayedMerkleRoot: string }).replayedMerkleRoot, final.merkleRoot);
});
