// Resume as solid as the rest of the engine (issue 15, `pcq approve`), through the real CLI bundle
// (dist/pcq.mjs, `npm run build`), against a loopback API (127.0.0.1) whose answers the test
// controls:
//   - the world changed: the API answers differently between the pause and the decision; the
//     resume serves the steps before the pause from the paused run's recordings (the API is never
//     asked again), the final chain starts with the paused attestations and verifies, replay is
//     identical;
//   - hostile files: a tampered paused manifest, tampered recordings, a garbage or forged resume
//     journal each refuse the approve with a catalogued code and nothing changed.
// Crash and concurrency are in resume-crash.e2e.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { runPcq, type CliResult } from '../testing/pcq-cli.ts';
import { writeReviewerKey } from '../testing/reviewer-key.ts';
import { snapshotTree } from '../testing/snapshot-tree.ts';
import { liveApi, pausedRun, predicate, readJson, RL, setUpLiveRoot, type LiveApi, type Manifest } from '../testing/resume-kit.ts';

let root = '';
let api: LiveApi;
const pcq = (env: Record<string, string>, ...args: string[]): Promise<CliResult> => runPcq(root, env, ...args);

before(async () => {
  await stat(resolve('dist/pcq.mjs')).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  api = await liveApi();
  root = await makeSampleRoot('pcq-resume-');
  await setUpLiveRoot(root, api.base);
  await writeReviewerKey(root, 'ombuds-alice');
});
after(async () => {
  await api?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

test(
  'the API answers differently after the pause: the resume serves the prefix from the paused recordings, verifies, replays identically',
  { timeout: 240_000 },
  async () => {
    api.answers.rate = 1;
    const { executionId, manifestPath, paused } = await pausedRun(root, RL);
    assert.deepEqual(
      paused.steps.map((s) => s.stepId),
      ['fetch-rate'],
    );
    assert.equal(api.calls.rate, 1);
    assert.equal(api.calls.after, 0, 'nothing after the approval ran');
    // The world changes between the pause and the decision.
    api.answers.rate = 2;
    const approved = await pcq({}, 'approve', executionId, '--decision', 'approve', '--by', 'ombuds-alice', '--json');
    assert.equal(approved.code, 0, approved.stdout + approved.stderr);
    assert.equal(api.calls.rate, 1, 'the step before the pause was answered from its recording, not asked again');
    assert.equal(api.calls.after, 1, 'the step after the approval called the live API');
    const final = await readJson<Manifest>(resolve(root, manifestPath));
    assert.equal(final.state, undefined);
    assert.deepEqual(
      final.steps.map((s) => s.stepId),
      ['fetch-rate', 'confirm', 'fetch-after'],
    );
    assert.equal(final.steps[0]!.attestationHash, paused.steps[0]!.attestationHash, 'the paused attestation, byte for byte');
    assert.deepEqual(predicate(final, 'fetch-rate').outputs, { rate: 1 }, 'the answer the run signed at the pause');
    assert.deepEqual(predicate(final, 'fetch-after').outputs, { after: true, rate: 2 });
    // The final recordings hold both exchanges, so the run replays offline.
    const recordings = await readJson<Array<{ request: { url: string } }>>(join(resolve(root, manifestPath), '..', 'recordings.json'));
    assert.deepEqual(recordings.map((r) => new URL(r.request.url).pathname).sort(), ['/after', '/rate']);
    const verified = await pcq({}, 'verify', manifestPath, '--json');
    assert.equal(verified.code, 0, verified.stdout);
    const replay = await pcq({}, 'replay', executionId, '--json');
    assert.equal(replay.code, 0, replay.stdout + replay.stderr);
    assert.equal((JSON.parse(replay.stdout) as { identical: boolean }).identical, true);
    assert.equal(api.calls.rate + api.calls.after, 2, 'replay asked the API nothing');
    await assert.rejects(stat(join(resolve(root, manifestPath), '..', 'private', 'resume.json')), 'the resume journal is gone once committed');
  },
);

test(
  'hostile files: a tampered manifest, tampered recordings, a garbage or forged resume journal refuse with a code, nothing changed',
  { timeout: 240_000 },
  async () => {
    const { executionId, manifestPath } = await pausedRun(root, RL);
    const dir = join(resolve(root, manifestPath), '..');
    const cases: Array<{ file: string; edit: (text: string) => string; code: number; expect: RegExp }> = [
      // The paused manifest is signed: an edited Merkle root fails its verification.
      {
        file: 'manifest.pcq',
        edit: (t) => t.replace(/"merkleRoot": ?"sha256:[0-9a-f]/, (m) => m.slice(0, -1) + (m.endsWith('0') ? '1' : '0')),
        code: 1,
        expect: /PCQ_[A-Z_]+/,
      },
      { file: 'recordings.json', edit: (t) => t.replace(/"rate": ?\d+/, '"rate": 99'), code: 1, expect: /PCQ_REPLAY_RECORDING_MISMATCH/ },
      { file: 'private/resume.json', edit: () => '{"format":"pcq-resume/1", not json', code: 3, expect: /PCQ_RESUME_JOURNAL_INVALID/ },
    ];
    for (const c of cases) {
      const path = join(dir, c.file);
      const original = await readFile(path, 'utf8').catch(() => undefined);
      const edited = c.edit(original ?? '');
      assert.notEqual(edited, original, `${c.file}: the edit changed nothing`);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, edited);
      const before = await snapshotTree(root, ['attestations', '.pcq']);
      const refused = await pcq({}, 'approve', executionId, '--decision', 'approve', '--by', 'ombuds-alice');
      assert.equal(refused.code, c.code, `${c.file}: ${refused.stdout}${refused.stderr}`);
      assert.match(refused.stderr, c.expect, c.file);
      assert.deepEqual(await snapshotTree(root, ['attestations', '.pcq']), before, `${c.file}: the refusal changed a file`);
      if (original === undefined) await rm(path);
      else await writeFile(path, original);
    }
    // A journal of the right shape whose decision another key signed (a forged approval): refused.
    const forged = await forgedJournal(root, executionId, dir);
    await writeFile(join(dir, 'private', 'resume.json'), forged);
    const before = await snapshotTree(root, ['attestations', '.pcq']);
    const refused = await pcq({}, 'approve', executionId, '--decision', 'approve', '--by', 'ombuds-alice');
    assert.equal(refused.code, 3, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /PCQ_RESUME_JOURNAL_INVALID/);
    assert.deepEqual(await snapshotTree(root, ['attestations', '.pcq']), before);
    await rm(join(dir, 'private', 'resume.json'));
    // Everything restored: the run still resumes.
    const approved = await pcq({}, 'approve', executionId, '--decision', 'reject', '--by', 'ombuds-alice');
    assert.equal(approved.code, 0, approved.stdout + approved.stderr);
  },
);

/** A journal whose decision envelope's signature was altered: well formed, not signed by the key it names. */
async function forgedJournal(repo: string, executionId: string, dir: string): Promise<string> {
  // Interrupt a real approve after it journaled its decision, then flip one byte of the signature.
  const killed = await runPcq(repo, { PCQ_TEST_CRASH_AT: 'step:fetch-after' }, 'approve', executionId, '--decision', 'approve', '--by', 'ombuds-alice');
  assert.equal(killed.code, null, `the crash point was reached: ${killed.stdout}${killed.stderr}`);
  const journal = await readJson<{ envelope: { signatures: Array<{ sig: string }> } }>(join(dir, 'private', 'resume.json'));
  const sig = journal.envelope.signatures[0]!.sig;
  journal.envelope.signatures[0]!.sig = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
  await rm(join(dir, '.resume.lock'), { force: true });
  return JSON.stringify(journal);
}
