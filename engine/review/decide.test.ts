// decideReview as the GitHub Action calls it: facts from a real pull_request_review webhook payload
// (engine/testing/vectors/github-webhooks) replace the local ones. The unmodified vector (the PR
// author reviewing their own PR, off the roster) is refused; a ticket or facts for another
// execution, a decision the review does not express, and a signing key without the reviewer role
// are refused too — each with nothing written. A counted "changes requested" rejects the run for
// good: exports stay withheld, verdict rejected, manifest and verdict still verify.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, type PcqConfig } from '../runtime/config.ts';
import { runRunbookFile, type RunReport } from '../run/run-runbook.ts';
import { loadRunnerSigner } from '../runtime/keys.ts';
import { loadTrustStore } from '../runtime/trust-store.ts';
import { nodeSigner, nodeVerify } from '../proof/ed25519-node.ts';
import { sha256Node } from '../proof/hash-node.ts';
import { verifyManifest } from '../proof/verify-manifest.ts';
import type { Signer } from '../base/signer.ts';
import { verifyVerdict } from '../verdict/verify-verdict.ts';
import { factsFromWebhook } from './approval-rules.ts';
import { decideReview, type DecideReviewInput } from './decide.ts';
import { snapshotTree } from '../testing/snapshot-tree.ts';
import { parseTicket, ticketPath } from './ticket.ts';
import { localReviewFacts } from './local-facts.ts';

const VECTOR = 'engine/testing/vectors/github-webhooks/pull_request_review_submitted.payload.json';
const ROSTER = ['ombuds-alice', 'ombuds-bob', 'ombuds-carol'];
let root: string;
let config: PcqConfig;
let report: RunReport;
let signer: Signer;
let payload: Record<string, any>;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pcq-decide-'));
  await cp(resolve('runbooks'), join(root, 'runbooks'), { recursive: true });
  await cp(resolve('policies'), join(root, 'policies'), { recursive: true });
  await cp(resolve('spells'), join(root, 'spells'), { recursive: true });
  const env = { PCQ_MODE: 'dev' };
  config = await loadConfig({ env, cwd: root, flags: { actor: 'octocat' } });
  report = await runRunbookFile({
    config,
    file: join(root, 'runbooks/R1-entity-enrichment.yaml'),
    rawParams: { enrichmentSource: 'partial' },
    asOf: '2026-11-16T00:00:00Z',
    env,
    executionId: 'exec-gh-1',
    startedAt: '2026-11-22T00:00:00Z',
  });
  signer = (await loadRunnerSigner({ env: {}, root, mode: 'dev' })).signer;
  payload = JSON.parse(await readFile(VECTOR, 'utf8'));
});

const snapshot = (): Promise<Map<string, string>> => snapshotTree(root, ['attestations']);

function githubInput(review: Record<string, unknown>, over: Partial<DecideReviewInput> = {}, ticket = ticketPath('exec-gh-1')): DecideReviewInput {
  const p = structuredClone(payload);
  Object.assign(p.review, review);
  const wh = factsFromWebhook(p, { pushers: ['octocat'], changedFiles: [ticket], ticketPath: ticket, roster: ROSTER, headSha: p.review.commit_id });
  const state = String(p.review.state).toLowerCase();
  return {
    config,
    executionId: 'exec-gh-1',
    reviewer: p.review.user.login,
    signer,
    decision: state === 'approved' ? 'approve' : state === 'changes_requested' ? 'reject' : 'request-info',
    source: {
      kind: 'github',
      pullRequest: wh.source.pullRequest,
      reviewId: wh.source.reviewId,
      commitId: wh.source.commitId,
      repository: wh.source.repository,
    },
    facts: wh,
    ...over,
  };
}

const refusedWith = async (input: DecideReviewInput, codes: string[]) => {
  await assert.rejects(decideReview(input), (err: { code?: string; issues?: Array<{ code: string }> }) => {
    const got = err.issues ? err.issues.map((i) => i.code) : [err.code];
    for (const c of codes) assert.ok(got.includes(c), `${c} in ${got.join(', ')}`);
    return true;
  });
};

test('refusals from real webhook facts change nothing', async () => {
  const before = await snapshot();
  // The vector unchanged: Codertocat comments on their own PR, and is no ombuds.
  await refusedWith(githubInput({}), ['PCQ_REVIEW_SELF_APPROVAL', 'PCQ_REVIEW_NOT_ON_ROSTER']);
  // A roster ombuds, but the review is of an older commit than the PR head.
  const stale = githubInput({ state: 'approved', user: { login: 'ombuds-bob', type: 'User' } });
  stale.facts!.pr.headSha = 'f'.repeat(40);
  await refusedWith(stale, ['PCQ_REVIEW_STALE_SHA']);
  // Facts for another execution's ticket.
  await refusedWith(githubInput({ state: 'approved', user: { login: 'ombuds-bob', type: 'User' } }, {}, ticketPath('exec-other')), [
    'PCQ_REVIEW_WRONG_EXECUTION',
  ]);
  // The review approves, the caller claims reject.
  await refusedWith(githubInput({ state: 'approved', user: { login: 'ombuds-bob', type: 'User' } }, { decision: 'reject' }), ['PCQ_USAGE']);
  // A signing key that is not a trusted runner: its attestation of the PR review would never verify.
  await refusedWith(githubInput({ state: 'approved', user: { login: 'ombuds-bob', type: 'User' } }, { signer: nodeSigner(new Uint8Array(32).fill(9)) }), [
    'PCQ_KEY_UNKNOWN',
  ]);
  // A ticket copied under another execution id.
  const copy = join(root, 'attestations/reviews/exec-copy.yaml');
  await writeFile(copy, await readFile(join(root, 'attestations/reviews/exec-gh-1.yaml')));
  await refusedWith({ config, executionId: 'exec-copy', decision: 'approve', reviewer: 'ombuds-bob', source: { kind: 'local' }, signer }, [
    'PCQ_REVIEW_WRONG_EXECUTION',
  ]);
  await rm(copy);
  assert.deepEqual(await snapshot(), before);
  // Another process is deciding the same ticket right now.
  const lock = join(root, 'attestations/reviews/exec-gh-1.yaml.lock');
  await writeFile(lock, '');
  await refusedWith(githubInput({ state: 'approved', user: { login: 'ombuds-bob', type: 'User' } }), ['PCQ_REVIEW_LOCKED']);
  await rm(lock);
  assert.deepEqual(await snapshot(), before);
});

test('a counted "changes requested" rejects for good; the manifest and verdict still verify', async () => {
  const result = await decideReview(
    githubInput({ state: 'CHANGES_REQUESTED', user: { login: 'Ombuds-Carol', type: 'User' } }, { comment: 'Enrichment source is not acceptable' }),
  );
  assert.equal(result.verdict, 'rejected');
  assert.deepEqual(result.released, []);
  const dir = report.executionDir;
  assert.deepEqual(await readdir(join(dir, 'private', 'withheld')), ['r1-enriched-entities.csv']);
  await assert.rejects(readdir(join(dir, 'exports')));
  const ticket = parseTicket(await readFile(join(root, 'attestations/reviews/exec-gh-1.yaml'), 'utf8'), 't.yaml');
  assert.equal(ticket.state, 'rejected');
  const d = ticket.decisions[0]!;
  assert.ok(d.source === 'github' && d.pullRequest === 2 && d.reviewId === payload.review.id && d.commitId === payload.review.commit_id);
  assert.equal(JSON.parse(await readFile(join(dir, 'run.json'), 'utf8')).verdict, 'rejected');
  const trust = await loadTrustStore({ root, includeLocal: true });
  const manifestText = await readFile(join(dir, 'manifest.pcq'), 'utf8');
  const v = await verifyManifest(manifestText, trust, nodeVerify, { sha256: sha256Node, roster: ROSTER });
  assert.equal(v.ok, true, JSON.stringify(v.checks.filter((c) => !c.ok)));
  const predicate = JSON.parse(Buffer.from(JSON.parse(manifestText).reviews[0].payload, 'base64').toString()).predicate;
  assert.deepEqual(
    [predicate.kind, predicate.decision, predicate.reviewer, predicate.source.kind, predicate.source.pullRequest],
    ['runner-attested-github', 'reject', 'Ombuds-Carol', 'github', 2],
  );
  // The runner attests the facts it checked: the reviewed commit was the PR head, a User, counted.
  assert.deepEqual(
    [predicate.source.commitId, predicate.source.headSha, predicate.source.reviewerType, predicate.source.evaluation],
    [payload.review.commit_id, payload.review.commit_id, 'User', { counts: true, decision: 'reject', reasons: [] }],
  );
  const vv = await verifyVerdict({
    scoreText: await readFile(join(dir, 'score.json'), 'utf8'),
    evidence: new Uint8Array(await readFile(join(dir, 'evidence.tar.gz'))),
    sigText: await readFile(join(dir, 'verdict.sig'), 'utf8'),
    pubText: await readFile(join(dir, 'verdict.pub'), 'utf8'),
    trust,
    roster: ROSTER,
    verify: nodeVerify,
    sha256: sha256Node,
  });
  assert.equal(vv.ok, true, JSON.stringify(vv.checks.filter((c) => !c.ok)));
  assert.equal(result.score.verdict, 'rejected');
  // Rejected is final.
  await refusedWith({ config, executionId: 'exec-gh-1', decision: 'approve', reviewer: 'ombuds-bob', source: { kind: 'local' }, signer }, [
    'PCQ_REVIEW_CLOSED',
  ]);
});

test('local facts: the CLI actor in both spellings is author and pusher; digest seen vs current', () => {
  const f = localReviewFacts({
    decision: 'approve',
    reviewer: 'ombuds-bob',
    actor: 'local:ombuds-alice',
    currentDigest: 'sha256:aa',
    ticketPath: 't.yaml',
    roster: ROSTER,
  });
  assert.equal(f.pr.author, 'ombuds-alice');
  assert.deepEqual(f.pr.pushers, ['local:ombuds-alice', 'ombuds-alice']);
  assert.equal(f.review.commit_id, 'sha256:aa');
  assert.equal(f.review.state, 'approved');
  assert.equal(
    localReviewFacts({ decision: 'reject', reviewer: 'x[bot]', actor: 'octocat', currentDigest: 'a', seenDigest: 'b', ticketPath: 't', roster: [] }).review.user
      .type,
    'Bot',
  );
});
