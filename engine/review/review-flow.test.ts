// Issue 4 acceptance, as a user runs it (real `pcq` processes on a temp copy of the repository):
// a failing postcondition (R1, partial enrichment) seals the manifest, withholds the export, writes
// the ticket, mails the roster through the outbox and signs a "blocked" verdict; refused decisions
// (the run's own actor, someone off the roster, a bot, another execution, a stale ticket, a decided
// review) exit 1 with their code and leave every byte as it was; request-info keeps the review
// open; an approval by a roster ombuds releases the export, and `pcq verify` and
// `pcq verify-verdict` pass with the review attestation in the manifest.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { snapshotTree } from '../testing/snapshot-tree.ts';
import { parseTicket } from './ticket.ts';
import { writeReviewerKey } from '../testing/reviewer-key.ts';

const exec = promisify(execFile);
const NODE = resolve('node_modules/.bin/node');
const TSX = resolve('node_modules/tsx/dist/esm/index.mjs');
const MAIN = resolve('engine/cli/main.ts');
const ACTOR = 'local:ombuds-alice'; // an ombuds who runs the CLI herself: she may not decide her own run

let root: string;
let id: string;
let dir: string;

let bobSecret: string;

async function pcqWith(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(NODE, ['--import', TSX, MAIN, ...args], {
      cwd: root,
      env: { ...process.env, PCQ_MODE: 'dev', PCQ_ACTOR: ACTOR, RUNNER_SECRET: '', PCQ_REVIEWER_SECRET: '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const pcq = (...args: string[]) => pcqWith({}, ...args);

const reviewerKey = async (login: string): Promise<string> => (await writeReviewerKey(root, login)).secret;

const snapshot = (): Promise<Map<string, string>> => snapshotTree(root, ['attestations', join('.pcq', 'outbox')]);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pcq-review-'));
  await cp(resolve('runbooks'), join(root, 'runbooks'), { recursive: true });
  await cp(resolve('policies'), join(root, 'policies'), { recursive: true });
  await cp(resolve('spells'), join(root, 'spells'), { recursive: true });
  const run = await pcq('run', 'runbooks/R1-entity-enrichment.yaml', '--as-of', '2026-11-16T00:00:00Z', '--input', 'enrichmentSource=partial', '--json');
  assert.equal(run.code, 4, run.stderr);
  const report = JSON.parse(run.stdout) as { executionId: string; executionDir: string };
  id = report.executionId;
  dir = report.executionDir;
  bobSecret = await reviewerKey('ombuds-bob');
  await reviewerKey('ombuds-carol');
});

test('a failing postcondition: sealed, withheld, ticket written, roster mailed, verdict blocked', async () => {
  assert.deepEqual(await readdir(join(dir, 'private', 'withheld')), ['r1-enriched-entities.csv']);
  assert.deepEqual(await readdir(join(dir, 'exports')).catch(() => []), []);
  const ticket = parseTicket(await readFile(join(root, 'attestations/reviews', `${id}.yaml`), 'utf8'), 't.yaml');
  assert.equal(ticket.executionId, id);
  assert.equal(ticket.runbookId, 'R1');
  assert.equal(ticket.failedStep, 'assert-completeness');
  assert.equal(ticket.failedProver, 'kpi:completeness>=0.95');
  assert.match(ticket.reason, /0\.875 < 0\.95/);
  assert.equal(ticket.evidence.value, 0.875);
  assert.equal(ticket.state, 'open');
  assert.notEqual(ticket.assignedTo, 'ombuds-alice', "the run's actor is never assigned");
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.pcq'), 'utf8'));
  assert.equal(ticket.merkleRoot, manifest.merkleRoot);
  const outbox = await readdir(join(root, '.pcq/outbox'));
  assert.equal(outbox.length, 1);
  const mail = await readFile(join(root, '.pcq/outbox', outbox[0]!), 'utf8');
  for (const to of ['alice.okafor@ombuds.example.org', 'bob.lindqvist@ombuds.example.org', 'carol.mbeki@ombuds.example.org']) assert.ok(mail.includes(to), to);
  assert.match(mail, /Subject: \[pcq\] Ombuds review needed: R1/);
  const secret = (await readFile(join(root, '.pcq/keys/runner.secret'), 'utf8')).trim();
  assert.ok(!mail.includes(secret) && !mail.includes(secret.slice(0, 20)), 'the runner secret never leaves in a notice');
  assert.doesNotMatch(mail, /\bS[A-Z2-7]{55}\b/);
  const effects = await readFile(join(dir, 'effects.json'), 'utf8');
  assert.doesNotMatch(effects, /Ombuds review needed/, 'the review notice is not a signed effect of the run');
  assert.equal(JSON.parse(await readFile(join(dir, 'score.json'), 'utf8')).verdict, 'blocked');
  const index = JSON.parse(await readFile(join(root, 'attestations/index.json'), 'utf8'));
  assert.equal(index.executions[0].verdict, 'blocked');
  const vv = await pcq('verify-verdict', `${dir}/score.json`, `${dir}/evidence.tar.gz`, `${dir}/verdict.sig`, `${dir}/verdict.pub`);
  assert.equal(vv.code, 0, vv.stdout + vv.stderr);
  const list = await pcq('review', 'list');
  assert.equal(list.code, 0);
  assert.match(list.stdout, new RegExp(`${id}\\s+R1\\s+assert-completeness\\s+kpi:completeness>=0\\.95\\s+Metric not met.*\\s+${ticket.assignedTo}\\s+open`));
});

test('refused decisions exit 1 with their code and change no byte', async () => {
  const before = await snapshot();
  const refusals: Array<[string[], string]> = [
    [['approve', id, '--by', 'ombuds-alice'], 'PCQ_REVIEW_SELF_APPROVAL'],
    [['approve', id, '--by', 'OMBUDS-ALICE'], 'PCQ_REVIEW_PUSHER'],
    [['approve', id, '--by', 'mallory'], 'PCQ_REVIEW_NOT_ON_ROSTER'],
    [['approve', id, '--by', 'renovate[bot]'], 'PCQ_REVIEW_BOT'],
    [['approve', '20261122T000000Z-000000', '--by', 'ombuds-bob'], 'PCQ_REVIEW_NOT_FOUND'],
    [['approve', id, '--by', 'ombuds-bob', '--ticket-digest', 'sha256:' + '0'.repeat(64)], 'PCQ_REVIEW_STALE_SHA'],
    [['approve', '../R1', '--by', 'ombuds-bob'], 'PCQ_UNSAFE_ID'],
  ];
  for (const [args, code] of refusals) {
    // With a reviewer key at hand, so that the rule itself is what refuses.
    const r = await pcqWith({ PCQ_REVIEWER_SECRET: bobSecret }, 'review', ...args);
    // A refusal exits 1; an execution that does not exist (or cannot) is invalid input, 3 (docs/ERRORS.md).
    assert.equal(r.code, code === 'PCQ_REVIEW_NOT_FOUND' || code === 'PCQ_UNSAFE_ID' ? 3 : 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, new RegExp(code), args.join(' '));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  const json = await pcqWith({ PCQ_REVIEWER_SECRET: bobSecret }, 'review', 'approve', id, '--by', 'mallory', '--json');
  assert.equal(json.code, 1);
  assert.ok(JSON.parse(json.stdout).issues.some((i: { code: string }) => i.code === 'PCQ_REVIEW_NOT_ON_ROSTER'));
  // No key of one's own: refused. Another ombuds' key (bob's, for carol): refused, it is not hers.
  const keyless = await pcq('review', 'approve', id, '--by', 'ombuds-alice-2');
  assert.equal(keyless.code, 3, 'a missing key is invalid input, like a missing secret (docs/ERRORS.md)');
  assert.match(keyless.stderr, /PCQ_REVIEWER_KEY_MISSING/);
  const borrowed = await pcqWith({ PCQ_REVIEWER_SECRET: bobSecret }, 'review', 'approve', id, '--by', 'ombuds-carol');
  assert.equal(borrowed.code, 1);
  assert.match(borrowed.stderr, /PCQ_REVIEW_KEY_NOT_BOUND/);
  // The runner key (this machine's auto-generated one) may not sign on a reviewer's behalf.
  const runnerSecret = (await readFile(join(root, '.pcq/keys/runner.secret'), 'utf8')).trim();
  const runner = await pcqWith({ PCQ_REVIEWER_SECRET: runnerSecret }, 'review', 'approve', id, '--by', 'ombuds-bob');
  assert.equal(runner.code, 1);
  assert.match(runner.stderr, /PCQ_REVIEW_KEY_NOT_BOUND/);
  assert.deepEqual(await snapshot(), before, 'a refused decision changes nothing');
  assert.equal((await pcq('review', 'approve', id)).code, 2, '--by is required');
});

test('request-info keeps it open; approval by a roster ombuds releases the export; verify passes', async () => {
  // A hand edit of the ticket (state open → approved, a forged decision) changes nothing shown and
  // locks nobody out: the state is the signed reviews'.
  const ticketFile = join(root, 'attestations/reviews', `${id}.yaml`);
  const shownBefore = (await pcq('review', 'list')).stdout;
  const genuine = await readFile(ticketFile, 'utf8');
  await writeFile(
    ticketFile,
    genuine
      .replace('state: open', 'state: approved')
      .replace(
        'decisions: []',
        `decisions:\n  - executionId: ${id}\n    reviewer: ombuds-bob\n    decision: approve\n    comment: ""\n    at: 2026-11-20T00:00:00Z\n    source: local`,
      ),
  );
  const shownAfter = await pcq('review', 'list');
  assert.equal(shownAfter.code, 0, shownAfter.stderr);
  assert.equal(shownAfter.stdout, shownBefore, 'a hand-edited ticket changes nothing pcq review list shows');
  const asJson = JSON.parse((await pcq('review', 'list', '--json')).stdout);
  assert.deepEqual([asJson.reviews[0].state, asJson.reviews[0].decisions], ['open', []]);
  const listed = JSON.parse((await pcq('review', 'list', '--json', '--state', 'open')).stdout);
  const digest = listed.reviews[0].digest as string;
  const info = await pcq('review', 'request-info', id, '--by', 'ombuds-carol', '--comment', 'Which source was used?', '--ticket-digest', digest);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, /review info-requested, verdict blocked/);
  assert.deepEqual(await readdir(join(dir, 'private', 'withheld')), ['r1-enriched-entities.csv']);
  // The ticket changed: a decision on the version seen before is stale now.
  const stale = await pcq('review', 'approve', id, '--by', 'ombuds-bob', '--ticket-digest', digest);
  assert.equal(stale.code, 1);
  assert.match(stale.stderr, /PCQ_REVIEW_STALE_SHA/);

  const ok = await pcq('review', 'approve', id, '--by', 'ombuds-bob', '--comment', 'Partial source accepted for this week', '--json');
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const result = JSON.parse(ok.stdout);
  assert.equal(result.verdict, 'approved');
  assert.deepEqual(result.released, ['r1-enriched-entities.csv']);
  assert.deepEqual(await readdir(join(dir, 'exports')), ['r1-enriched-entities.csv']);
  await assert.rejects(readdir(join(dir, 'private', 'withheld')));
  const run = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'));
  assert.equal(run.verdict, 'approved');
  assert.ok(run.artifacts.every((a: { state: string }) => a.state === 'released'));
  const index = JSON.parse(await readFile(join(root, 'attestations/index.json'), 'utf8'));
  assert.equal(index.executions.find((e: { executionId: string }) => e.executionId === id).verdict, 'approved');
  const ticket = parseTicket(await readFile(join(root, 'attestations/reviews', `${id}.yaml`), 'utf8'), 't.yaml');
  assert.equal(ticket.state, 'approved');
  assert.deepEqual(
    ticket.decisions.map((d) => [d.decision, d.reviewer]),
    [
      ['request-info', 'ombuds-carol'],
      ['approve', 'ombuds-bob'],
    ],
  );

  // A retried approval (a lost reply, a crash after the commit) is idempotent: no second review.
  const manifestBytes = await readFile(join(dir, 'manifest.pcq'));
  const retried = await pcq('review', 'approve', id, '--by', 'ombuds-bob', '--comment', 'Partial source accepted for this week');
  assert.equal(retried.code, 0, retried.stdout + retried.stderr);
  assert.match(retried.stdout, /was already recorded \(nothing changed\)/);
  assert.deepEqual(await readFile(join(dir, 'manifest.pcq')), manifestBytes);

  const manifest = JSON.parse(await readFile(join(dir, 'manifest.pcq'), 'utf8'));
  assert.equal(manifest.reviews.length, 2);
  const predicate = JSON.parse(Buffer.from(manifest.reviews[1].payload, 'base64').toString()).predicate;
  assert.equal(predicate.reviewer, 'ombuds-bob');
  assert.equal(predicate.decision, 'approve');
  const verify = await pcq('verify', join(dir, 'manifest.pcq'));
  assert.equal(verify.code, 0, verify.stdout);
  assert.match(verify.stdout, /review 0: request-info by ombuds-carol .*reviewer-signed/);
  assert.match(verify.stdout, /review 1: approve by ombuds-bob .*reviewer-signed \(signed by ombuds-bob's own key G/);
  const score = JSON.parse(await readFile(join(dir, 'score.json'), 'utf8'));
  assert.equal(score.verdict, 'approved');
  assert.deepEqual(
    score.decisions.map((d: { decision: string }) => d.decision),
    ['request-info', 'approve'],
  );
  const vv = await pcq('verify-verdict', `${dir}/score.json`, `${dir}/evidence.tar.gz`, `${dir}/verdict.sig`, `${dir}/verdict.pub`, '--json');
  assert.equal(vv.code, 0, vv.stdout);

  // A decided review is final, and refusing that changes nothing either.
  const before = await snapshot();
  const again = await pcq('review', 'reject', id, '--by', 'ombuds-carol');
  assert.equal(again.code, 1);
  assert.match(again.stderr, /PCQ_REVIEW_CLOSED/);
  assert.deepEqual(await snapshot(), before);
  assert.match((await pcq('review', 'list', '--state', 'approved')).stdout, new RegExp(`${id}.*approved`));
  assert.equal((await pcq('review', 'list', '--state', 'open')).stdout, 'No ombuds reviews.\n');
});

test('pcq verify-verdict as a user: help, usage errors, a tampered copy refused with its code', async () => {
  const help = await pcq('verify-verdict', '--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: pcq verify-verdict/);
  assert.equal((await pcq('review', '--help')).code, 0);
  assert.equal((await pcq('verify-verdict', 'score.json')).code, 2);
  const files = ['score.json', 'evidence.tar.gz', 'verdict.sig', 'verdict.pub'].map((f) => join(dir, f));
  assert.equal((await pcq('verify-verdict', ...files, '--trust', 'policies/trust.yaml', '--no-trust-check')).code, 2);
  assert.equal((await pcq('verify-verdict', ...files, '--no-trust-check')).code, 0);
  // The repository trust store alone does not know this machine's dev key.
  const strict = await pcq('verify-verdict', ...files, '--trust', 'policies/trust.yaml');
  assert.equal(strict.code, 1);
  assert.match(strict.stdout, /PCQ_VERDICT_KEY_UNTRUSTED verdict-key: PCQ_KEY_UNKNOWN/);
  const sig = (await readFile(files[2]!, 'utf8')).trim();
  const tampered = join(root, 'tampered.sig');
  await writeFile(tampered, (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1) + '\n');
  const bad = await pcq('verify-verdict', files[0]!, files[1]!, tampered, files[3]!);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /^❌ Verdict verification failed\n {2}PCQ_VERDICT_SIGNATURE_INVALID verdict-signature:/);
  const missing = await pcq('verify-verdict', files[0]!, join(root, 'nope.tar.gz'), files[2]!, files[3]!);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /PCQ_FILE_NOT_FOUND/);
});
