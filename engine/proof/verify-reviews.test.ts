// The offline approval rules in `pcq verify` (proof/review-rules.ts via verify-reviews.ts): every
// forbidden decision is signed with a key that HAS the reviewer role (so only the rule can catch
// it) and fails with its own code, on the Node and the browser paths alike; the genuine ones pass.
import { sealedManifestDigest } from './manifest.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeSigner, nodeVerify } from './ed25519-node.ts';
import { nobleVerify } from './ed25519-browser.ts';
import { sha256Node } from './hash-node.ts';
import { serializeManifest } from './manifest.ts';
import { appendReview, buildReviewEnvelope } from './review-attestation.ts';
import type { Manifest, ReviewInput, ReviewSource } from '../base/signed-records.ts';
import { sampleRun, RUNNER_SEED } from './sample-run.fixture.ts';
import type { Signer } from '../base/signer.ts';
import type { TrustStore, TrustedKey } from './trust.ts';
import { verifyManifest, type VerifyReport } from './verify-manifest.ts';
import { countedDecisions } from './verify-reviews.ts';

const runner = nodeSigner(RUNNER_SEED);
const seed = (n: number) => nodeSigner(new Uint8Array(32).fill(n));
const alice = seed(40);
const bob = seed(41);
const octocat = seed(42); // the sample run's actor
const mallory = seed(43);
const bot = seed(44);
const devRunner = seed(45);
const entry = (publicKey: string, over: Partial<TrustedKey>): TrustedKey => ({
  name: 'k',
  publicKey,
  roles: ['reviewer'],
  status: 'active',
  validFrom: '2026-01-01T00:00:00Z',
  validUntil: null,
  ...over,
});
const trust: TrustStore = {
  keys: [
    entry(runner.keyid, { roles: ['runner'] }),
    entry(alice.keyid, { login: 'ombuds-alice' }),
    entry(bob.keyid, { login: 'ombuds-bob' }),
    entry(octocat.keyid, { login: 'octocat' }),
    entry(mallory.keyid, { login: 'mallory' }),
    entry(bot.keyid, { login: 'renovate[bot]' }),
    entry(devRunner.keyid, { roles: ['runner', 'reviewer'], login: 'ombuds-alice', origin: 'local-runner' }),
  ],
};
// The actor and the bot are on the roster here, so that only the rule under test can fail.
const ROSTER = ['ombuds-alice', 'ombuds-bob', 'octocat', 'renovate[bot]'];
const AFTER = '2026-03-02T00:00:00Z'; // the sample run's asOf is 2026-03-01T10:00:00Z

const failedCodes = (r: VerifyReport) => [...new Set(r.checks.filter((c) => !c.ok).map((c) => c.code))].sort();

async function decide(
  manifest: Manifest,
  decisions: Array<{ signer: Signer; reviewer: string; decision?: ReviewInput['decision']; at?: string; source?: ReviewSource }>,
): Promise<string> {
  let m = manifest;
  for (const d of decisions) {
    const review: ReviewInput = {
      merkleRoot: manifest.merkleRoot,
      manifestDigest: sealedManifestDigest(manifest, sha256Node),
      manifestId: manifest.manifestId,
      executionId: manifest.executionId,
      decision: d.decision ?? 'approve',
      reviewer: d.reviewer,
      source: d.source ?? { kind: 'local' },
      at: d.at ?? AFTER,
    };
    m = appendReview(m, await buildReviewEnvelope(review, d.signer));
  }
  return serializeManifest(m);
}

async function codes(text: string, roster: readonly string[] | null = ROSTER): Promise<string[]> {
  const options = roster === null ? {} : { roster };
  const node = await verifyManifest(text, trust, nodeVerify, { sha256: sha256Node, ...options });
  const browser = await verifyManifest(text, trust, nobleVerify, options);
  assert.deepEqual(browser, node, 'the browser verifier agrees with pcq verify');
  return failedCodes(node);
}

const github = (over: Partial<Extract<ReviewSource, { kind: 'github' }>> = {}): ReviewSource => ({
  kind: 'github',
  repository: 'acme/ops',
  pullRequest: 7,
  reviewId: 99,
  commitId: 'a'.repeat(40),
  headSha: 'a'.repeat(40),
  reviewerType: 'User',
  evaluation: { counts: true, decision: 'approve', reasons: [] },
  ...over,
});

test('genuine decisions verify and say their kind: reviewer-signed and runner-attested-github', async () => {
  const { manifest } = await sampleRun({ steps: 2 });
  const text = await decide(manifest, [
    { signer: bob, reviewer: 'ombuds-bob', decision: 'request-info' },
    { signer: alice, reviewer: 'Ombuds-Alice', at: '2026-03-03T00:00:00Z' },
  ]);
  assert.deepEqual(await codes(text), []);
  const report = await verifyManifest(text, trust, nodeVerify, { sha256: sha256Node, roster: ROSTER });
  const said = report.checks.filter((c) => c.check === 'review').map((c) => c.message);
  assert.ok(said.length === 2 && said.every((m) => m.includes('reviewer-signed')), said.join('\n'));
  const attested = await decide(manifest, [{ signer: runner, reviewer: 'ombuds-bob', source: github() }]);
  assert.deepEqual(await codes(attested), []);
  const counted = await countedDecisions(JSON.parse(text), { trust, roster: ROSTER }, nodeVerify);
  assert.deepEqual([counted.state, counted.indices], ['approved', [0, 1]]);
});

test('each forbidden approval signed with a reviewer-role key fails pcq verify with its own code', async () => {
  const { manifest } = await sampleRun({ steps: 2 });
  const cases: Array<[string, Parameters<typeof decide>[1], string[]]> = [
    ["the run's actor", [{ signer: octocat, reviewer: 'octocat' }], ['PCQ_REVIEW_SELF_APPROVAL']],
    ['an off-roster login', [{ signer: mallory, reviewer: 'mallory' }], ['PCQ_REVIEW_NOT_ON_ROSTER']],
    ['a bot', [{ signer: bot, reviewer: 'renovate[bot]' }], ['PCQ_REVIEW_BOT']],
    ['dated before the run', [{ signer: alice, reviewer: 'ombuds-alice', at: '2026-03-01T09:59:59Z' }], ['PCQ_REVIEW_BEFORE_RUN']],
    [
      'a second final decision',
      [
        { signer: alice, reviewer: 'ombuds-alice' },
        { signer: bob, reviewer: 'ombuds-bob', decision: 'reject', at: '2026-03-03T00:00:00Z' },
      ],
      ['PCQ_REVIEW_FINAL_REPEATED'],
    ],
    [
      'out of order (dated before the one ahead)',
      [
        { signer: bob, reviewer: 'ombuds-bob', decision: 'request-info', at: '2026-03-04T00:00:00Z' },
        { signer: alice, reviewer: 'ombuds-alice', at: '2026-03-03T00:00:00Z' },
      ],
      ['PCQ_REVIEW_OUT_OF_ORDER'],
    ],
    [
      'out of order (after the final one)',
      [
        { signer: alice, reviewer: 'ombuds-alice' },
        { signer: bob, reviewer: 'ombuds-bob', decision: 'request-info', at: '2026-03-03T00:00:00Z' },
      ],
      ['PCQ_REVIEW_OUT_OF_ORDER'],
    ],
    ["another reviewer's key", [{ signer: alice, reviewer: 'ombuds-bob' }], ['PCQ_REVIEW_KEY_NOT_BOUND']],
    ["the run's runner key on a reviewer's behalf", [{ signer: runner, reviewer: 'ombuds-alice' }], ['PCQ_REVIEW_KEY_NOT_BOUND']],
    ['a key pcq made by itself (local-runner)', [{ signer: devRunner, reviewer: 'ombuds-alice' }], ['PCQ_REVIEW_KEY_NOT_BOUND']],
    ['a GitHub review of a stale commit', [{ signer: runner, reviewer: 'ombuds-bob', source: github({ commitId: 'b'.repeat(40) }) }], ['PCQ_REVIEW_STALE_SHA']],
    ['a GitHub bot account', [{ signer: runner, reviewer: 'ombuds-bob', source: github({ reviewerType: 'Bot' }) }], ['PCQ_REVIEW_BOT']],
    [
      'a GitHub review the rules refused',
      [{ signer: runner, reviewer: 'ombuds-bob', source: github({ evaluation: { counts: false, decision: 'approve', reasons: ['PCQ_REVIEW_PUSHER'] } }) }],
      ['PCQ_REVIEW_INVALID'],
    ],
    ['a GitHub attestation by a reviewer key', [{ signer: alice, reviewer: 'ombuds-alice', source: github() }], ['PCQ_KEY_ROLE_MISSING']], // listed, but not as runner
  ];
  for (const [name, decisions, expected] of cases) {
    assert.deepEqual(await codes(await decide(manifest, decisions)), expected, name);
  }
  // The runner key even WITH the reviewer role and a login never signs for a reviewer.
  const runnerAsReviewer: TrustStore = { keys: [...trust.keys, entry(runner.keyid, { login: 'ombuds-alice' })] };
  const text = await decide(manifest, [{ signer: runner, reviewer: 'ombuds-alice' }]);
  const report = await verifyManifest(text, runnerAsReviewer, nodeVerify, { sha256: sha256Node, roster: ROSTER });
  assert.deepEqual(failedCodes(report), ['PCQ_REVIEW_KEY_NOT_BOUND']);
});

test('without a roster a manifest with decisions fails closed; one without decisions does not care', async () => {
  const { manifest } = await sampleRun({ steps: 2 });
  assert.deepEqual(await codes(await decide(manifest, [{ signer: alice, reviewer: 'ombuds-alice' }]), null), ['PCQ_REVIEW_ROSTER_MISSING']);
  assert.deepEqual(await codes(serializeManifest(manifest), null), []);
});

test('a forged decision counts for nothing: the state comes from the decisions that keep the rules', async () => {
  const { manifest } = await sampleRun({ steps: 2 });
  // A forged early approval by the actor does not close the review for the real ombuds.
  const text = await decide(manifest, [
    { signer: octocat, reviewer: 'octocat' },
    { signer: alice, reviewer: 'ombuds-alice', decision: 'reject', at: '2026-03-03T00:00:00Z' },
  ]);
  const counted = await countedDecisions(JSON.parse(text), { trust, roster: ROSTER }, nodeVerify);
  assert.deepEqual([counted.state, counted.indices, counted.ignored], ['rejected', [1], 1]);
  const none = await countedDecisions(JSON.parse(await decide(manifest, [{ signer: mallory, reviewer: 'mallory' }])), { trust, roster: ROSTER }, nodeVerify);
  assert.equal(none.state, 'open');
});
