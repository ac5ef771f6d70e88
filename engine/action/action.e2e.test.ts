// The Action end to end, run the way the runner runs it: the esbuild bundle (as action.yml's
// `main`) spawned with INPUT_*, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_EVENT_PATH, GITHUB_TOKEN
// and GITHUB_API_URL pointed at the loopback emulator, over a temp copy of runbooks/ + policies/ + spells/.
// The emulator refuses any request, and records any response, that breaks GitHub's OpenAPI description.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair } from '../runtime/keys.ts';
import { cpSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildActionBundle, runActionBundle, type ActionResult, readTree, grantTestRoster } from '../testing/action-harness.ts';
import { GitHubEmulator } from '../testing/github-emulator.ts';
import { PrBody } from '../review/pr-body.ts';
import { PLAN_MARKER } from '../github/sticky-comment.ts';
import { RETRY_RUNBOOK } from '../testing/retry-runbook.ts';

const repo = new URL('../..', import.meta.url).pathname;
const vectors = join(repo, 'engine/testing/vectors/github-webhooks');
// One folder per test process: the bundle and the module files it starts (graph child, CEL and
// Ed25519 workers) sit side by side, as scripts/build.mjs lays them out in dist/.
const bundleDir = join(repo, 'node_modules/.cache/pcq-e2e', `action-${process.pid}`);
const bundle = join(bundleDir, 'action.mjs');
let gh: GitHubEmulator;
let workspace: string;
let scratch: string;

before(async () => {
  await buildActionBundle(bundleDir);
  gh = await new GitHubEmulator('pcq-org', 'pcq').start();
  scratch = mkdtempSync(join(tmpdir(), 'pcq-action-e2e-'));
  workspace = join(scratch, 'ws');
  mkdirSync(workspace);
  cpSync(join(repo, 'runbooks'), join(workspace, 'runbooks'), { recursive: true });
  cpSync(join(repo, 'policies'), join(workspace, 'policies'), { recursive: true });
  cpSync(join(repo, 'spells'), join(workspace, 'spells'), { recursive: true });
  const files = { ...readTree(workspace) };
  gh.state.push('main', files, 'maintainer-mia', 'initial');
  grantTestRoster(gh.state);
});

after(async () => {
  rmSync(bundleDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
  await gh.stop();
  assert.deepEqual(gh.rejectedRequests, [], 'the Action sent a request GitHub would refuse');
});

async function runAction(
  inputs: Record<string, string>,
  ctx: { eventName: string; payload: unknown; actor: string },
  extraEnv: Record<string, string> = {},
): Promise<ActionResult> {
  const res = await runActionBundle({ bundle, workspace, scratch, apiUrl: gh.url, inputs, ...ctx, env: extraEnv });
  assert.doesNotMatch(res.stdout + res.stderr, /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace reaches the log');
  return res;
}

const base = () => JSON.parse(readFileSync(join(vectors, 'pull_request_opened.payload.json'), 'utf8')) as Record<string, any>;

function prPayload(number: number): Record<string, unknown> {
  const pr = gh.state.pull(number);
  const p = base();
  p.number = number;
  Object.assign(p.pull_request, { number, user: { ...p.pull_request.user, login: pr.user, type: 'User' } });
  Object.assign(p.pull_request.head, { ref: pr.head, sha: gh.state.headSha(pr) });
  Object.assign(p.pull_request.base, { ref: pr.base, sha: gh.state.branchSha(pr.base) });
  return p;
}

function reviewPayload(number: number, reviewId: number): Record<string, unknown> {
  const p = JSON.parse(readFileSync(join(vectors, 'pull_request_review_submitted.payload.json'), 'utf8')) as Record<string, any>;
  const pr = gh.state.pull(number);
  const r = pr.reviews.find((x) => x.id === reviewId)!;
  const bot = gh.state.user(pr.user);
  Object.assign(p.review, { id: r.id, state: r.state.toLowerCase(), commit_id: r.commitId, user: { ...p.review.user, login: r.user, type: 'User' } });
  Object.assign(p.pull_request, { number, user: { ...p.pull_request.user, login: pr.user, type: bot.type } });
  Object.assign(p.pull_request.head, { ref: pr.head, sha: gh.state.headSha(pr) });
  Object.assign(p.pull_request.base, { ref: pr.base, sha: gh.state.branchSha(pr.base) });
  return p;
}

test('PR validation: annotation at file:line, one sticky plan comment updated on a re-run', async () => {
  const r2 = readFileSync(join(workspace, 'runbooks/R2-relationship-inference.yaml'), 'utf8');
  const broken = r2.replace(/^provers:\n/m, '  - stepId: audit-extra\n    type: transform\n    needs: [find-pairs]\n    timeout: forever\n\nprovers:\n');
  assert.notEqual(broken, r2);
  gh.state.branches.set('feature/audit', gh.state.branchSha('main'));
  gh.state.push('feature/audit', { 'runbooks/R2-relationship-inference.yaml': broken }, 'octocat', 'add audit step');
  const pr = gh.state.openPull({ title: 'Add audit step', body: '', user: 'octocat', head: 'feature/audit', base: 'main' });
  const prWorkspaceFile = join(workspace, 'runbooks/R2-relationship-inference.yaml');
  writeFileSync(prWorkspaceFile, broken); // the checkout of the PR head
  try {
    const ctx = { eventName: 'pull_request', payload: prPayload(pr.number), actor: 'octocat' };
    const first = await runAction({ command: 'validate' }, ctx);
    assert.equal(first.code, 1, first.stdout + first.stderr);
    const line = broken.split('\n').findIndex((l) => l.includes('timeout: forever')) + 1;
    assert.match(first.stdout, new RegExp(`::error title=PCQ_[A-Z_]+,file=runbooks/R2-relationship-inference\\.yaml,line=${line},col=\\d+::`));
    assert.equal(first.outputs.verdict, 'invalid');
    const comments = () => [...gh.state.comments.values()].filter((c) => c.issue === pr.number);
    assert.equal(comments().length, 1);
    const body = comments()[0]!.body;
    assert.ok(body.startsWith(PLAN_MARKER));
    assert.match(body, /steps added \| removed \| changed/);
    assert.match(body, /\| `audit-extra` \| — \| — \|/);
    assert.doesNotMatch(body, /deleted/);
    assert.match(body, /```mermaid\nflowchart LR/);
    assert.match(body, /\*\*Policies that apply:\*\*.*policies\/ombuds\.yaml/);
    const second = await runAction({ command: 'validate' }, ctx);
    assert.equal(second.code, 1);
    assert.equal(comments().length, 1, 'the plan comment is updated, never duplicated');
  } finally {
    writeFileSync(prWorkspaceFile, r2);
  }
});

test('dispatch: an unknown button or a caller without the role fails before anything runs', async () => {
  const ctx = {
    eventName: 'workflow_dispatch',
    payload: JSON.parse(readFileSync(join(vectors, 'workflow_dispatch_payload.json'), 'utf8')),
    actor: 'octocat',
  };
  const unknown = await runAction({ command: 'run', button: 'rm-rf', params: '{}' }, ctx);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stdout, /::error::PCQ_BUTTON_UNKNOWN there is no button "rm-rf"/);
  const forbidden = await runAction({ command: 'run', button: 'enrich-entities', params: '{}' }, { ...ctx, actor: 'reader-rita' });
  assert.equal(forbidden.code, 1);
  assert.match(forbidden.stdout, /PCQ_BUTTON_FORBIDDEN reader-rita \(repository permission: read\)/);
  assert.equal(existsSync(join(workspace, 'attestations')), false, 'nothing ran');
});

test('dispatch in prod with a revoked runner key is refused before any step and publishes nothing', async () => {
  const ctx = {
    eventName: 'workflow_dispatch',
    payload: JSON.parse(readFileSync(join(vectors, 'workflow_dispatch_payload.json'), 'utf8')),
    actor: 'octocat',
  };
  const revoked = generateKeyPair();
  const trustFile = join(workspace, 'policies/trust.yaml');
  const original = readFileSync(trustFile, 'utf8');
  writeFileSync(
    trustFile,
    `${original}\n  - {name: stolen-runner, publicKey: ${revoked.publicKey}, roles: [runner], status: revoked, validFrom: null, validUntil: null}\n`,
  );
  try {
    const head = gh.state.branchSha('main');
    const res = await runAction({ command: 'run', button: 'enrich-entities', params: '{}' }, ctx, { PCQ_MODE: 'prod', RUNNER_SECRET: revoked.secret });
    assert.notEqual(res.code, 0);
    assert.match(res.stdout, /::error::PCQ_KEY_REVOKED refused before any step started/);
    assert.equal(existsSync(join(workspace, 'attestations')), false, 'nothing ran, nothing was written');
    assert.equal(gh.state.branchSha('main'), head, 'nothing was published');
  } finally {
    writeFileSync(trustFile, original);
  }
});

let blocked: { executionId: string; prNumber: number };

test('dispatch that passes: outputs, one published commit, summary with table and DAG', async () => {
  const before = gh.state.branchSha('main');
  const ctx = {
    eventName: 'workflow_dispatch',
    payload: JSON.parse(readFileSync(join(vectors, 'workflow_dispatch_payload.json'), 'utf8')),
    actor: 'octocat',
  };
  const res = await runAction({ command: 'run', button: 'enrich-entities', params: '{"enrichmentSource":"full"}', 'as-of': '2026-03-01T00:00:00Z' }, ctx);
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.equal(res.outputs.verdict, 'pass');
  assert.match(res.outputs['execution-id'] ?? '', /^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
  assert.equal(res.outputs['manifest-path'], `attestations/R1/${res.outputs['execution-id']}/manifest.pcq`);
  assert.equal(res.outputs['review-pr-url'], '');
  const head = gh.state.branchSha('main');
  assert.deepEqual(gh.state.commit(head).parents, [before], 'exactly one commit');
  assert.ok(gh.state.fileAt(res.outputs['manifest-path']!, 'main'), 'manifest published');
  assert.ok(gh.state.fileAt('attestations/index.json', 'main'));
  assert.match(res.summary, /## ✅ R1 v1\.1: pass/);
  // The summary links the run's page on the published site (GitHub Pages address of the repo).
  assert.match(res.summary, /\[site page\]\(https:\/\/[a-z0-9-]+\.github\.io\/[\w.-]+\/runs\/R1\/[\w.-]+\/\)/);
  assert.match(res.summary, /\| step \| type \| status \| duration \| attempts \| proofs \|/);
  assert.match(res.summary, /classDef succeeded/);
  assert.match(res.stdout, /::group::Run runbooks\/R1-entity-enrichment\.yaml/);
  // Readiness first, then the run's typed events as log lines (issue 13).
  assert.ok(res.stdout.indexOf('::group::pcq doctor') < res.stdout.indexOf('::group::Run '), 'doctor runs first');
  assert.match(res.stdout, /^▶ fetch-external-data started$/m);
  assert.match(res.stdout, /^✓ assert-completeness succeeded in /m);
  passed = res.outputs['execution-id']!;
});

let passed = '';

test('replay-of a published run reproduces it and publishes the comparison', async () => {
  const ctx = {
    eventName: 'workflow_dispatch',
    payload: JSON.parse(readFileSync(join(vectors, 'workflow_dispatch_payload.json'), 'utf8')),
    actor: 'octocat',
  };
  const res = await runAction({ command: 'run', button: 'enrich-entities', 'replay-of': passed }, ctx);
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.equal(res.outputs.verdict, 'reproduced');
  assert.match(res.summary, /replay of R1 .*: reproduced/);
  assert.ok([...gh.state.commit(gh.state.branchSha('main')).files.keys()].some((p) => p.startsWith(`attestations/R1/${passed}/replays/`)));
  const wrong = await runAction({ command: 'run', button: 'infer-relationships', 'replay-of': passed }, { ...ctx, actor: 'maintainer-mia' });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stdout, /PCQ_BUTTON_FORBIDDEN execution .* is a run of R1/);
});

test('dispatch that blocks: exports withheld, review PR with only the ticket, roster as reviewers', async () => {
  const ctx = {
    eventName: 'workflow_dispatch',
    payload: JSON.parse(readFileSync(join(vectors, 'workflow_dispatch_payload.json'), 'utf8')),
    actor: 'octocat',
  };
  const res = await runAction({ command: 'run', button: 'enrich-entities', params: '{"enrichmentSource":"partial"}', 'as-of': '2026-03-01T00:00:00Z' }, ctx);
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.equal(res.outputs.verdict, 'blocked');
  const id = res.outputs['execution-id']!;
  const pr = [...gh.state.pulls.values()].find((p) => p.head === `pcq/review/R1/${id}`)!;
  assert.ok(pr, 'review PR opened');
  assert.equal(res.outputs['review-pr-url'], `https://github.com/pcq-org/pcq/pull/${pr.number}`);
  assert.deepEqual(
    gh.state.pullFiles(pr).map((f) => f.path),
    [`attestations/reviews/${id}.yaml`],
  );
  const body = PrBody.parse(pr.body);
  assert.equal(body.executionId, id);
  assert.equal(body.failedProver, 'kpi:completeness>=0.95');
  assert.ok(pr.requestedReviewers.length >= 2 && pr.requestedReviewers.every((l) => l.startsWith('ombuds-')));
  assert.ok(gh.state.fileAt(`attestations/R1/${id}/manifest.pcq`, 'main'));
  assert.equal(gh.state.fileAt(`attestations/reviews/${id}.yaml`, 'main'), null, 'the ticket is only on the review branch');
  const withheld = Object.keys(readTree(join(workspace, 'attestations/R1', id))).filter((f) => f.startsWith('private/withheld/'));
  assert.ok(withheld.length > 0);
  const published = [...gh.state.commit(gh.state.branchSha('main')).files.keys()].filter((p) => p.startsWith(`attestations/R1/${id}/`));
  assert.ok(!published.some((p) => p.includes('/private/')), 'nothing private is committed');
  assert.ok(published.includes(`attestations/R1/${id}/sealed/withheld/r1-enriched-entities.csv.age`), 'the sealed copy is');
  assert.match(res.summary, /R1 v1\.1: blocked/);
  assert.match(res.summary, /classDef blocked/);
  blocked = { executionId: id, prNumber: pr.number };
});

test("a self-approval (the run's own actor) and a stale-SHA approval are recorded and refused", async () => {
  gh.state.permissions.set('octocat', 'write');
  const self = gh.state.review(blocked.prNumber, 'octocat', 'APPROVED');
  const res1 = await runAction(
    { command: 'review' },
    { eventName: 'pull_request_review', payload: reviewPayload(blocked.prNumber, self.id), actor: 'octocat' },
  );
  assert.equal(res1.code, 0, res1.stdout + res1.stderr);
  assert.equal(res1.outputs.verdict, 'refused');
  assert.match(res1.stdout, /PCQ_REVIEW_PUSHER/);
  const pr = gh.state.pull(blocked.prNumber);
  const oldHead = gh.state.headSha(pr);
  // The bot refreshes the ticket: the head moves, and an approval of the old head is stale.
  gh.state.push(
    pr.head,
    {
      [`attestations/reviews/${blocked.executionId}.yaml`]:
        readFileSync(join(workspace, `attestations/reviews/${blocked.executionId}.yaml`), 'utf8') + '# refreshed\n',
    },
    'github-actions[bot]',
  );
  const stale = gh.state.review(blocked.prNumber, 'ombuds-bob', 'APPROVED', oldHead);
  const res2 = await runAction(
    { command: 'review' },
    { eventName: 'pull_request_review', payload: reviewPayload(blocked.prNumber, stale.id), actor: 'ombuds-bob' },
  );
  assert.equal(res2.code, 0, res2.stdout + res2.stderr);
  assert.equal(res2.outputs.verdict, 'refused');
  assert.match(res2.stdout, /PCQ_REVIEW_STALE_SHA/);
  assert.equal(pr.state, 'open');
  assert.equal(pr.mergedSha, null);
  const notes = [...gh.state.comments.values()].filter((c) => c.issue === blocked.prNumber).map((c) => c.body);
  assert.equal(notes.length, 2);
  assert.ok(notes.every((n) => /recorded and \*\*not counted\*\*/.test(n)));
  assert.ok(
    Object.keys(readTree(join(workspace, 'attestations/R1', blocked.executionId))).some((f) => f.startsWith('private/withheld/')),
    'still withheld',
  );
});

test('an approving review by a roster ombuds releases the export and merges the PR', async () => {
  // The workspace is the BASE branch's checkout (ombuds.yml never checks out PR code): no ticket
  // on disk; the Action reads it from the PR head through the API.
  const ticketRel = `attestations/reviews/${blocked.executionId}.yaml`;
  rmSync(join(workspace, ticketRel), { force: true });
  const review = gh.state.review(blocked.prNumber, 'ombuds-bob', 'APPROVED');
  const res = await runAction(
    { command: 'review' },
    { eventName: 'pull_request_review', payload: reviewPayload(blocked.prNumber, review.id), actor: 'ombuds-bob' },
  );
  assert.equal(res.code, 0, res.stdout + res.stderr);
  assert.equal(res.outputs.verdict, 'approved');
  const pr = gh.state.pull(blocked.prNumber);
  assert.ok(pr.mergedSha, 'merged');
  const dir = `attestations/R1/${blocked.executionId}`;
  const onMain = [...gh.state.commit(gh.state.branchSha('main')).files.keys()].filter((p) => p.startsWith(dir));
  assert.ok(
    onMain.some((p) => p.startsWith(`${dir}/exports/`)),
    'export released on main',
  );
  assert.ok(!onMain.some((p) => p.startsWith(`${dir}/withheld/`) || p.startsWith(`${dir}/private/`)), 'nothing withheld on main');
  const manifest = JSON.parse(gh.state.fileAt(`${dir}/manifest.pcq`, 'main')!.toString('utf8')) as {
    executedBy: string;
    reviews?: Array<{ payload: string; signatures: Array<{ keyid: string }> }>;
  };
  assert.equal(manifest.reviews?.length, 1, 'the signed review attestation is in the published manifest');
  // The runner attests the GitHub facts it checked; it does not sign as the reviewer.
  const predicate = JSON.parse(Buffer.from(manifest.reviews![0]!.payload, 'base64').toString('utf8')).predicate;
  assert.equal(predicate.kind, 'runner-attested-github');
  assert.deepEqual(
    [predicate.reviewer, predicate.source.pullRequest, predicate.source.reviewId, predicate.source.reviewerType],
    ['ombuds-bob', blocked.prNumber, review.id, 'User'],
  );
  assert.equal(predicate.source.commitId, predicate.source.headSha, 'the review was of the PR head');
  assert.deepEqual(predicate.source.evaluation, { counts: true, decision: 'approve', reasons: [] });
  assert.equal(manifest.reviews![0]!.signatures[0]!.keyid, manifest.executedBy);
  assert.match(gh.state.fileAt(ticketRel, 'main')!.toString('utf8'), /state: approved/);
});

test('request-info keeps the review open and records it on the PR branch; a later rejection closes it for good', async () => {
  const ctx = {
    eventName: 'workflow_dispatch',
    payload: JSON.parse(readFileSync(join(vectors, 'workflow_dispatch_payload.json'), 'utf8')),
    actor: 'octocat',
  };
  const run = await runAction({ command: 'run', button: 'enrich-entities', params: '{"enrichmentSource":"partial"}', 'as-of': '2026-03-02T00:00:00Z' }, ctx);
  assert.equal(run.outputs.verdict, 'blocked', run.stdout);
  const id = run.outputs['execution-id']!;
  const pr = [...gh.state.pulls.values()].find((p) => p.head === `pcq/review/R1/${id}`)!;
  const ask = gh.state.review(pr.number, 'ombuds-carol', 'COMMENTED', undefined, 'Which source was partial?');
  const res1 = await runAction({ command: 'review' }, { eventName: 'pull_request_review', payload: reviewPayload(pr.number, ask.id), actor: 'ombuds-carol' });
  assert.equal(res1.code, 0, res1.stdout + res1.stderr);
  assert.equal(res1.outputs.verdict, 'info-requested');
  assert.equal(pr.state, 'open');
  assert.match(gh.state.fileAt(`attestations/reviews/${id}.yaml`, pr.head)!.toString('utf8'), /decision: request-info/);
  assert.deepEqual(
    gh.state.pullFiles(pr).map((f) => f.path),
    [`attestations/reviews/${id}.yaml`],
    'still only the ticket',
  );
  const reject = gh.state.review(pr.number, 'ombuds-carol', 'CHANGES_REQUESTED');
  const res2 = await runAction(
    { command: 'review' },
    { eventName: 'pull_request_review', payload: reviewPayload(pr.number, reject.id), actor: 'ombuds-carol' },
  );
  assert.equal(res2.code, 0, res2.stdout + res2.stderr);
  assert.equal(res2.outputs.verdict, 'rejected');
  assert.equal(pr.state, 'closed');
  assert.equal(pr.mergedSha, null);
  const index = JSON.parse(gh.state.fileAt('attestations/index.json', 'main')!.toString('utf8')) as {
    executions: Array<{ executionId: string; verdict: string }>;
  };
  assert.equal(index.executions.find((e) => e.executionId === id)?.verdict, 'rejected');
  assert.ok(![...gh.state.commit(gh.state.branchSha('main')).files.keys()].some((p) => p.startsWith(`attestations/R1/${id}/exports/`)), 'nothing released');
});

const RT = RETRY_RUNBOOK;

test('retry: a failed run re-run as a new execution linked to it (retryOf), published; status counts pending dispatches', async () => {
  const ctx = {
    eventName: 'workflow_dispatch',
    payload: JSON.parse(readFileSync(join(vectors, 'workflow_dispatch_payload.json'), 'utf8')),
    actor: 'octocat',
  };
  const buttonsFile = join(workspace, 'policies/buttons.yaml');
  const buttons = readFileSync(buttonsFile, 'utf8');
  const rtFile = join(workspace, 'runbooks/RT.yaml');
  writeFileSync(
    buttonsFile,
    `${buttons}\n  retry-sample:\n    runbook: RT\n    version: "1.0"\n    roles: [write, maintain, admin]\n    description: Retry sample.\n`,
  );
  writeFileSync(rtFile, RT);
  try {
    const failed = await runAction({ command: 'run', button: 'retry-sample', 'as-of': '2026-11-16T00:00:00Z' }, ctx);
    assert.equal(failed.code, 1, failed.stdout + failed.stderr);
    assert.equal(failed.outputs.verdict, 'failed');
    const original = failed.outputs['execution-id']!;
    // Wrong button: the retry runs RT again, so it needs RT's button (as a replay does).
    const wrong = await runAction({ command: 'retry', button: 'enrich-entities', 'execution-id': original }, ctx);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stdout, /PCQ_BUTTON_FORBIDDEN execution .* is a run of RT/);
    const missing = await runAction({ command: 'retry', button: 'retry-sample' }, ctx);
    assert.match(missing.stdout, /PCQ_USAGE command retry needs the input `execution-id`/);
    // The transient cause is gone (the label exists): retry through the Action.
    writeFileSync(rtFile, RT.replace('(e:Missing)', '(e:Entity)'));
    const before = gh.state.branchSha('main');
    const retried = await runAction({ command: 'retry', button: 'retry-sample', 'execution-id': original }, ctx);
    assert.equal(retried.code, 0, retried.stdout + retried.stderr);
    assert.equal(retried.outputs.verdict, 'pass');
    const id = retried.outputs['execution-id']!;
    assert.notEqual(id, original);
    assert.match(retried.stdout, new RegExp(`retry of ${original} \\(manifest sha256:[0-9a-f]{64}\\): runbooks/RT.yaml as of 2026-11-16T00:00:00Z`));
    assert.deepEqual(gh.state.commit(gh.state.branchSha('main')).parents, [before], 'one published commit');
    const manifest = JSON.parse(gh.state.fileAt(retried.outputs['manifest-path']!, 'main')!.toString('utf8')) as Record<string, any>;
    assert.equal(manifest.retryOf.executionId, original);
    assert.equal(manifest.executedAt, '2026-11-16T00:00:00Z');
    assert.match(retried.summary, /## ✅ RT v1\.0: pass/);
    const again = await runAction({ command: 'retry', button: 'retry-sample', 'execution-id': id }, ctx);
    assert.equal(again.code, 1);
    assert.match(again.stdout, /PCQ_RETRY_NOT_FAILED/);

    // status: pending dispatches are the repository's workflow runs queued or in progress.
    gh.state.workflowRuns.push(
      { id: 901, name: 'run', status: 'queued', event: 'workflow_dispatch' },
      { id: 902, name: 'run', status: 'in_progress', event: 'workflow_dispatch' },
      { id: 903, name: 'run', status: 'completed', event: 'workflow_dispatch' },
    );
    const status = await runAction({ command: 'status' }, ctx);
    assert.equal(status.code, 0, status.stdout + status.stderr);
    assert.equal(status.outputs.pending, '2');
    assert.equal(status.outputs['queue-depth'], '2');
    assert.equal(status.outputs.healthy, 'true');
    assert.match(status.stdout, /queue depth 2: 0 open on the embedded vault, 2 pending dispatch\(es\)/);
    assert.match(status.stdout, new RegExp(`${id}  RT  succeeded .* retry of ${original}`));
    assert.match(status.summary, /Pending dispatches: 2/);
    // Without a token there is no GitHub port: pending is unknown, never guessed.
    const blind = await runAction({ command: 'status' }, ctx, { GITHUB_TOKEN: '', INPUT_TOKEN: '' });
    assert.equal(blind.code, 0, blind.stdout + blind.stderr);
    assert.equal(blind.outputs.pending, '');
    assert.match(blind.stdout, /queue depth 0: 0 open on the embedded vault\n/);
    assert.match(blind.summary, /Pending dispatches: unknown/);
  } finally {
    gh.state.workflowRuns.length = 0;
    writeFileSync(buttonsFile, buttons);
    rmSync(rtFile);
  }
});
