// Issue 15, the pause in the GitHub Action, end to end through the bundled Action against the loopback
// GitHub emulator (engine/testing/github-emulator.ts, requests checked against GitHub's OpenAPI):
// a dispatch of R5 pauses at its approval step and opens a pause PR (one file, the request; the body
// says what ran, the question, the schema, who decides; the deciders are requested as reviewers);
// reviews that do not count — by the run's actor, off the roster, of a moved head, dismissed, a
// comment, a malformed inputs block — change nothing (attestations/ and .pcq/ byte-identical, main
// untouched); an authorized approving review with a ```yaml block resumes the run, which is
// published, verifies with `pcq verify`, carries the runner-attested approval, and replays identically
// without asking; a request-changes review rejects another paused run (exports withheld). The
// deciding job in a real workflow starts from a fresh checkout: with the embedded vault (a file of
// the pausing job) the resume cannot settle, which the PR is told, and nothing is published.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { GitHubEmulator } from '../testing/github-emulator.ts';
import { buildActionBundle, runActionBundle, type ActionResult, readTree, grantTestRoster } from '../testing/action-harness.ts';
import { runPcq } from '../testing/pcq-cli.ts';
import { snapshotTree } from '../testing/snapshot-tree.ts';

const repo = new URL('../..', import.meta.url).pathname;
const vectors = join(repo, 'engine/testing/vectors/github-webhooks');
const bundleDir = join(repo, 'node_modules/.cache/pcq-e2e', `approval-${process.pid}`);
let bundle: string;
let gh: GitHubEmulator;
let scratch: string;
let workspace: string;

before(async () => {
  await stat(resolve('dist/pcq.mjs')).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  mkdirSync(bundleDir, { recursive: true });
  bundle = await buildActionBundle(bundleDir);
  gh = await new GitHubEmulator('pcq-org', 'pcq').start();
  scratch = mkdtempSync(join(tmpdir(), 'pcq-approval-action-'));
  workspace = join(scratch, 'ws');
  mkdirSync(workspace);
  for (const dir of ['runbooks', 'policies', 'spells']) cpSync(join(repo, dir), join(workspace, dir), { recursive: true });
  const buttons = join(workspace, 'policies/buttons.yaml');
  writeFileSync(
    buttons,
    `${readFileSync(buttons, 'utf8')}\n  escalation-approval:\n    runbook: R5\n    version: "1.0"\n    roles: [write, maintain, admin]\n    description: Escalate open alerts after an ombuds confirms the threshold (R5).\n`,
  );
  gh.state.push('main', readTree(workspace), 'maintainer-mia', 'initial');
  grantTestRoster(gh.state);
});

after(async () => {
  rmSync(bundleDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
  await gh.stop();
  assert.deepEqual(gh.rejectedRequests, [], 'the Action sent a request GitHub would refuse');
});

const action = (inputs: Record<string, string>, eventName: string, payload: unknown, actor: string): Promise<ActionResult> =>
  runActionBundle({ bundle, workspace, scratch, apiUrl: gh.url, inputs, eventName, payload, actor }).then((r) => {
    assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace reaches the log');
    return r;
  });

async function dispatchR5(asOf: string): Promise<{ id: string; prNumber: number; res: ActionResult }> {
  const payload = JSON.parse(readFileSync(join(vectors, 'workflow_dispatch_payload.json'), 'utf8')) as unknown;
  const res = await action(
    { command: 'run', button: 'escalation-approval', params: '{"minSeverity": 7}', 'as-of': asOf },
    'workflow_dispatch',
    payload,
    'octocat',
  );
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.equal(res.outputs.verdict, 'paused');
  const id = res.outputs['execution-id']!;
  const pr = [...gh.state.pulls.values()].find((p) => p.head === `pcq/approval/R5/${id}`);
  assert.ok(pr, 'pause PR opened');
  return { id, prNumber: pr.number, res };
}

async function review(prNumber: number, reviewer: string, state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED', body = '', commitId?: string) {
  const r = gh.state.review(prNumber, reviewer, state, commitId, body);
  return { review: r, res: await reviewEvent(prNumber, r.id, reviewer) };
}

async function reviewEvent(prNumber: number, reviewId: number, actor: string): Promise<ActionResult> {
  const p = JSON.parse(readFileSync(join(vectors, 'pull_request_review_submitted.payload.json'), 'utf8')) as Record<string, any>;
  const pr = gh.state.pull(prNumber);
  const r = pr.reviews.find((x) => x.id === reviewId)!;
  Object.assign(p.review, {
    id: r.id,
    state: r.state.toLowerCase(),
    commit_id: r.commitId,
    body: r.body,
    user: { ...p.review.user, login: r.user, type: 'User' },
  });
  Object.assign(p.pull_request, { number: prNumber, user: { ...p.pull_request.user, login: pr.user, type: gh.state.user(pr.user).type } });
  Object.assign(p.pull_request.head, { ref: pr.head, sha: gh.state.headSha(pr) });
  Object.assign(p.pull_request.base, { ref: pr.base, sha: gh.state.branchSha(pr.base) });
  return action({ command: 'review' }, 'pull_request_review', p, actor);
}

const comments = (prNumber: number) => [...gh.state.comments.values()].filter((c) => c.issue === prNumber).map((c) => c.body);
const manifestOnMain = (id: string) => JSON.parse(gh.state.fileAt(`attestations/R5/${id}/manifest.pcq`, 'main')!.toString('utf8')) as Record<string, any>;
const payloadOf = (envelope: { payload: string }) => JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: Record<string, any> };

let paused: { id: string; prNumber: number };

test('a run that pauses in the Action opens a pause PR: one request file, what ran, the question, the schema, the deciders', async () => {
  const { id, prNumber, res } = await dispatchR5('2026-11-16T00:00:00Z');
  paused = { id, prNumber };
  const pr = gh.state.pull(prNumber);
  assert.equal(res.outputs['approval-pr-url'], `https://github.com/pcq-org/pcq/pull/${prNumber}`);
  assert.equal(res.outputs['review-pr-url'], '');
  assert.deepEqual(
    gh.state.pullFiles(pr).map((f) => f.path),
    [`attestations/approvals/${id}.yaml`],
  );
  assert.match(pr.title, /R5 run .* paused at confirm-threshold/);
  assert.match(pr.body, /Escalate the open alerts at or above the proposed severity threshold\?/);
  assert.match(pr.body, /\| 1 \| `open-alerts` \| query \| succeeded \|\n\| 2 \| `triage` \| aggregate \| succeeded \|/);
  assert.match(pr.body, /"threshold": \{\n\s+"type": "number"/, 'the input schema');
  assert.match(pr.body, /```yaml\nthreshold: …\n```/, 'how to supply inputs');
  assert.match(pr.body, /Who may decide: @ombuds-alice, @ombuds-bob, @ombuds-carol/);
  assert.match(pr.body, /<!-- pcq:approval \{.*"stepId":"confirm-threshold".*\} -->/);
  assert.deepEqual([...pr.requestedReviewers].sort(), ['ombuds-alice', 'ombuds-bob', 'ombuds-carol']);
  const request = gh.state.fileAt(`attestations/approvals/${id}.yaml`, pr.head)!.toString('utf8');
  assert.match(request, /kind: pcq-approval-request\/1/);
  assert.equal(gh.state.fileAt(`attestations/approvals/${id}.yaml`, 'main'), null, 'the request lives only on the PR branch');
  const manifest = manifestOnMain(id);
  assert.equal(manifest.state, 'paused');
  assert.ok(request.includes(`pausedMerkleRoot: ${manifest.merkleRoot}`));
  assert.match(res.summary, /R5 v1\.0: paused/);
  assert.match(res.summary, /\[pause PR: review it to decide confirm-threshold\]/);
  const verify = await runPcq(workspace, {}, 'verify', `attestations/R5/${id}/manifest.pcq`, '--json');
  assert.equal(verify.code, 4, verify.stdout + verify.stderr);
  assert.equal((JSON.parse(verify.stdout) as { state: string }).state, 'paused');
});

test('reviews that do not count change nothing: the actor, off the roster, a moved head, dismissed, a comment, malformed inputs', async () => {
  const { id, prNumber } = paused;
  const before = await snapshotTree(workspace, ['attestations', '.pcq']);
  const mainBefore = gh.state.branchSha('main');
  const unchanged = async (what: string) => {
    assert.deepEqual(await snapshotTree(workspace, ['attestations', '.pcq']), before, `${what} changed a file`);
    assert.equal(gh.state.branchSha('main'), mainBefore, `${what} published something`);
    assert.equal(gh.state.pull(prNumber).state, 'open', `${what} closed the PR`);
  };
  const self = await review(prNumber, 'octocat', 'APPROVED');
  assert.equal(self.res.code, 0, self.res.stdout + self.res.stderr);
  assert.equal(self.res.outputs.verdict, 'refused');
  assert.match(self.res.stdout, /PCQ_REVIEW_PUSHER/);
  await unchanged("the run's actor's approval");
  const rita = await review(prNumber, 'reader-rita', 'APPROVED', '```yaml\nthreshold: 8\n```');
  assert.equal(rita.res.outputs.verdict, 'refused');
  assert.match(rita.res.stdout, /PCQ_REVIEW_NOT_ON_ROSTER/);
  await unchanged('an approval off the roster');
  const comment = await review(prNumber, 'ombuds-alice', 'COMMENTED', 'Why 7?');
  assert.equal(comment.res.outputs.verdict, 'ignored');
  await unchanged('a comment');
  const dismissed = gh.state.review(prNumber, 'ombuds-alice', 'APPROVED');
  dismissed.state = 'DISMISSED' as never;
  const res = await reviewEvent(prNumber, dismissed.id, 'ombuds-alice');
  assert.equal(res.outputs.verdict, 'ignored', res.stdout);
  await unchanged('a dismissed approval');
  const malformed = await review(prNumber, 'ombuds-alice', 'APPROVED', 'Lower it:\n\n```yaml\nthreshold: 12\n```\n');
  assert.equal(malformed.res.code, 0, malformed.res.stdout + malformed.res.stderr);
  assert.equal(malformed.res.outputs.verdict, 'refused');
  await unchanged('inputs off the schema');
  const located = comments(prNumber).at(-1)!;
  assert.match(located, new RegExp(`PCQ_APPROVAL_INPUTS_INVALID\` review ${malformed.review.id} on PR #${prNumber}:4:12: confirm-threshold input threshold`));
  const notCounted = comments(prNumber);
  assert.equal(notCounted.length, 3, 'the actor, off the roster and the malformed block are answered; the comment and the dismissal are not');
  assert.ok(notCounted.every((c) => /recorded and \*\*not counted\*\*/.test(c) && /The run stays paused\. Nothing was changed/.test(c)));
  // The head moves (a push to the PR branch): an approval of the old head is stale.
  const pr = gh.state.pull(prNumber);
  const oldHead = gh.state.headSha(pr);
  const requestPath = `attestations/approvals/${id}.yaml`;
  gh.state.push(pr.head, { [requestPath]: `${gh.state.fileAt(requestPath, pr.head)!.toString('utf8')}# touched\n` }, 'github-actions[bot]');
  const stale = await review(prNumber, 'ombuds-bob', 'APPROVED', '', oldHead);
  assert.equal(stale.res.outputs.verdict, 'refused');
  assert.match(stale.res.stdout, /PCQ_REVIEW_STALE_SHA/);
  await unchanged('an approval of a moved head');
  const verify = await runPcq(workspace, {}, 'verify', `attestations/R5/${id}/manifest.pcq`, '--json');
  assert.equal(verify.code, 4, 'still paused');
});

test('an authorized approval with inputs resumes the run: published, runner-attested, verifies, replays identically', async () => {
  const { id, prNumber } = paused;
  const pausedManifest = manifestOnMain(id);
  const ok = await review(prNumber, 'ombuds-bob', 'APPROVED', 'Confirmed, one notch higher:\n\n```yaml\nthreshold: 8\n```\n');
  assert.equal(ok.res.code, 0, ok.res.stdout + ok.res.stderr);
  assert.equal(ok.res.outputs.verdict, 'approved');
  assert.equal(ok.res.outputs['execution-id'], id);
  const pr = gh.state.pull(prNumber);
  assert.equal(pr.state, 'closed');
  assert.equal(pr.mergedSha, null, 'closed, never merged: the request file is not part of the run');
  assert.match(comments(prNumber).at(-1)!, /confirm-threshold approved: the run resumed and ended \*\*succeeded\*\*/);
  const manifest = manifestOnMain(id);
  assert.equal(manifest.state, undefined, 'no longer paused');
  assert.deepEqual(
    manifest.steps.slice(0, 2).map((s: { attestationHash: string }) => s.attestationHash),
    pausedManifest.steps.map((s: { attestationHash: string }) => s.attestationHash),
  );
  assert.equal(manifest.approvals.length, 1);
  const decision = payloadOf(manifest.approvals[0]).predicate;
  assert.equal(decision.kind, 'runner-attested-github');
  assert.deepEqual(decision.inputs, { threshold: 8 });
  assert.equal(decision.reviewer, 'ombuds-bob');
  assert.equal(decision.pausedMerkleRoot, pausedManifest.merkleRoot);
  assert.deepEqual(
    [decision.source.pullRequest, decision.source.reviewId, decision.source.reviewerType, decision.source.evaluation],
    [prNumber, ok.review.id, 'User', { counts: true, decision: 'approve', reasons: [] }],
  );
  assert.equal(decision.source.commitId, decision.source.headSha);
  assert.equal(manifest.approvals[0].signatures[0].keyid, manifest.executedBy, 'the runner attests; it does not sign as the reviewer');
  const escalated = gh.state.fileAt(`attestations/R5/${id}/exports/r5-escalations.json`, 'main');
  assert.ok(escalated, 'the export is released on main');
  const verify = await runPcq(workspace, {}, 'verify', `attestations/R5/${id}/manifest.pcq`, '--json');
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /on pull request #\d+ \(review \d+\), attested by the runner key/);
  const replay = await runPcq(workspace, {}, 'replay', id, '--json');
  assert.equal(replay.code, 0, replay.stdout + replay.stderr);
  const replayed = JSON.parse(replay.stdout) as { identical: boolean; replayedMerkleRoot: string };
  assert.equal(replayed.identical, true);
  assert.equal(replayed.replayedMerkleRoot, manifest.merkleRoot);
  // A late review of the decided run changes nothing.
  const before = await snapshotTree(workspace, ['attestations', '.pcq']);
  gh.state.pull(prNumber).state = 'open';
  const late = await reviewEvent(prNumber, gh.state.review(prNumber, 'ombuds-carol', 'CHANGES_REQUESTED').id, 'ombuds-carol');
  gh.state.pull(prNumber).state = 'closed';
  assert.equal(late.outputs.verdict, 'ignored', late.stdout);
  assert.deepEqual(await snapshotTree(workspace, ['attestations', '.pcq']), before);
});

test('a request-changes review rejects the paused run: it ends, nothing after the step runs, exports withheld', async () => {
  const { id, prNumber } = await dispatchR5('2026-11-17T00:00:00Z');
  const no = await review(prNumber, 'ombuds-carol', 'CHANGES_REQUESTED', 'Not this week.\n```yaml\nthreshold: 2\n```');
  assert.equal(no.res.code, 0, no.res.stdout + no.res.stderr);
  assert.equal(no.res.outputs.verdict, 'rejected');
  assert.equal(gh.state.pull(prNumber).state, 'closed');
  const manifest = manifestOnMain(id);
  const decision = payloadOf(manifest.approvals[0]).predicate;
  assert.deepEqual([decision.decision, decision.reviewer, decision.inputs], ['reject', 'ombuds-carol', {}], 'a rejection carries no inputs');
  const index = JSON.parse(gh.state.fileAt('attestations/index.json', 'main')!.toString('utf8')) as {
    executions: Array<{ executionId: string; verdict: string }>;
  };
  assert.equal(index.executions.find((e) => e.executionId === id)?.verdict, 'rejected');
  assert.ok(![...gh.state.commit(gh.state.branchSha('main')).files.keys()].some((p) => p.startsWith(`attestations/R5/${id}/exports/`)), 'nothing released');
  const verify = await runPcq(workspace, {}, 'verify', `attestations/R5/${id}/manifest.pcq`, '--json');
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
});

test("a deciding job on a fresh checkout without the paused run's vault fails loudly: a PR comment, nothing published, still paused", async () => {
  const { id, prNumber } = await dispatchR5('2026-11-18T00:00:00Z');
  // The ombuds job's checkout: the publish branch as GitHub holds it, plus the same runner key
  // (RUNNER_SECRET in a workflow); the embedded ledger (.pcq/ledger/vault.json) stayed behind.
  const fresh = join(scratch, 'fresh');
  for (const path of gh.state.commit(gh.state.branchSha('main')).files.keys()) {
    mkdirSync(dirname(join(fresh, path)), { recursive: true });
    writeFileSync(join(fresh, path), gh.state.fileAt(path, 'main')!);
  }
  cpSync(join(workspace, '.pcq/keys'), join(fresh, '.pcq/keys'), { recursive: true });
  const mainBefore = gh.state.branchSha('main');
  const r = gh.state.review(prNumber, 'ombuds-bob', 'APPROVED', undefined, '```yaml\nthreshold: 8\n```');
  const p = JSON.parse(readFileSync(join(vectors, 'pull_request_review_submitted.payload.json'), 'utf8')) as Record<string, any>;
  const pr = gh.state.pull(prNumber);
  Object.assign(p.review, { id: r.id, state: 'approved', commit_id: r.commitId, body: r.body, user: { ...p.review.user, login: 'ombuds-bob', type: 'User' } });
  Object.assign(p.pull_request, { number: prNumber, user: { ...p.pull_request.user, login: pr.user, type: gh.state.user(pr.user).type } });
  Object.assign(p.pull_request.head, { ref: pr.head, sha: gh.state.headSha(pr) });
  Object.assign(p.pull_request.base, { ref: pr.base, sha: gh.state.branchSha(pr.base) });
  const res = await runActionBundle({
    bundle,
    workspace: fresh,
    scratch,
    apiUrl: gh.url,
    inputs: { command: 'review' },
    eventName: 'pull_request_review',
    payload: p,
    actor: 'ombuds-bob',
  });
  assert.equal(res.code, 1, res.stdout + res.stderr);
  assert.match(res.stdout, /::error::PCQ_RESUME_RUN_NOT_OPEN/, 'the vault cannot settle a run it never opened');
  assert.match(
    comments(prNumber).at(-1)!,
    /counts, but the run could not be resumed:\n\n- `PCQ_RESUME_RUN_NOT_OPEN`[\s\S]*Nothing was published; the run stays paused/,
  );
  assert.equal(gh.state.branchSha('main'), mainBefore, 'nothing published');
  assert.equal(gh.state.pull(prNumber).state, 'open');
  assert.equal(manifestOnMain(id).state, 'paused');
});
