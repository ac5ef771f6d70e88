import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { evaluateReview, factsFromWebhook, type ReviewFacts } from './approval-rules.ts';
import { PcqError } from '../base/errors.ts';

const VECTORS = 'engine/testing/vectors/github-webhooks';
const load = (name: string): Record<string, any> => JSON.parse(readFileSync(`${VECTORS}/${name}`, 'utf8'));
const TICKET = 'attestations/reviews/exec-0001.yaml';

/** The real payload turned into an approval by an ombuds who neither opened nor pushed to the PR. */
function validApproval(): { payload: Record<string, any>; extra: Parameters<typeof factsFromWebhook>[1] } {
  const payload = load('pull_request_review_submitted.payload.json');
  payload.review.state = 'approved';
  payload.review.user.login = 'ombuds-alice';
  return { payload, extra: { pushers: ['pcq-bot[bot]', 'Codertocat'], changedFiles: [TICKET], ticketPath: TICKET, roster: ['ombuds-alice', 'ombuds-bob'] } };
}
const codes = (facts: ReviewFacts) =>
  evaluateReview(facts)
    .reasons.map((r) => r.code)
    .sort();

test('the real submitted payload parses: a comment by the PR author is recorded and ignored', () => {
  for (const name of ['pull_request_review_submitted.payload.json', 'pull_request_review_submitted.with-organization.payload.json']) {
    const facts = factsFromWebhook(load(name), { pushers: ['Codertocat'], changedFiles: [TICKET], ticketPath: TICKET, roster: ['ombuds-alice'] });
    assert.equal(facts.review.user.login, 'Codertocat');
    assert.equal(facts.pr.headSha, 'ec26c3e57ca3a959ca5aad62de7213c562f8c821');
    assert.equal(facts.source.pullRequest, 2);
    assert.equal(facts.source.reviewId, 237895671);
    const result = evaluateReview(facts);
    assert.equal(result.decision, 'request-info');
    assert.equal(result.counts, false);
    assert.deepEqual(result.reasons.map((r) => r.code).sort(), ['PCQ_REVIEW_NOT_ON_ROSTER', 'PCQ_REVIEW_PUSHER', 'PCQ_REVIEW_SELF_APPROVAL']);
  }
});

test('an approval by a roster ombuds on the current head, ticket only, counts', () => {
  const { payload, extra } = validApproval();
  const result = evaluateReview(factsFromWebhook(payload, extra));
  assert.deepEqual(result, { counts: true, decision: 'approve', reasons: [] });
});

test('state is compared case-insensitively; changes_requested rejects and commented requests info', () => {
  const { payload, extra } = validApproval();
  payload.review.state = 'APPROVED';
  assert.deepEqual(evaluateReview(factsFromWebhook(payload, extra)), { counts: true, decision: 'approve', reasons: [] });
  payload.review.state = 'CHANGES_REQUESTED';
  assert.equal(evaluateReview(factsFromWebhook(payload, extra)).decision, 'reject');
  payload.review.state = 'commented';
  assert.deepEqual(evaluateReview(factsFromWebhook(payload, extra)), { counts: true, decision: 'request-info', reasons: [] });
});

test('the real dismissed payload is not a decision', () => {
  const { extra } = validApproval();
  const payload = load('pull_request_review_dismissed.payload.json');
  payload.review.user.login = 'ombuds-alice';
  const result = evaluateReview(factsFromWebhook(payload, extra));
  assert.equal(result.decision, 'none');
  assert.equal(result.counts, false);
  assert.deepEqual(
    result.reasons.map((r) => r.code),
    ['PCQ_REVIEW_NOT_APPROVED'],
  );
});

test('each rule refuses on its own', () => {
  const cases: Array<[string, (p: Record<string, any>, e: ReturnType<typeof validApproval>['extra']) => void, string]> = [
    [
      'bot by type',
      (p) => {
        p.review.user.type = 'Bot';
      },
      'PCQ_REVIEW_BOT',
    ],
    [
      'bot by login suffix',
      (p, e) => {
        p.review.user.login = 'ombuds-alice[bot]';
        e.roster.push('ombuds-alice[bot]');
      },
      'PCQ_REVIEW_BOT',
    ],
    [
      'self-approval (case folded)',
      (p) => {
        p.pull_request.user.login = 'Ombuds-Alice';
      },
      'PCQ_REVIEW_SELF_APPROVAL',
    ],
    [
      'pusher',
      (_p, e) => {
        e.pushers.push('OMBUDS-ALICE');
      },
      'PCQ_REVIEW_PUSHER',
    ],
    [
      'stale commit_id',
      (p) => {
        p.review.commit_id = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';
      },
      'PCQ_REVIEW_STALE_SHA',
    ],
    [
      'head moved since the webhook',
      (_p, e) => {
        e.headSha = '0123456789abcdef0123456789abcdef01234567';
      },
      'PCQ_REVIEW_STALE_SHA',
    ],
    [
      'off roster',
      (_p, e) => {
        e.roster = ['ombuds-bob'];
      },
      'PCQ_REVIEW_NOT_ON_ROSTER',
    ],
    [
      'extra changed file',
      (_p, e) => {
        e.changedFiles.push('policies/ombuds.yaml');
      },
      'PCQ_REVIEW_EXTRA_FILES',
    ],
    [
      'ticket path disguised',
      (_p, e) => {
        e.changedFiles = ['./' + TICKET];
      },
      'PCQ_REVIEW_EXTRA_FILES',
    ],
    [
      'no ticket changed',
      (_p, e) => {
        e.changedFiles = [];
      },
      'PCQ_REVIEW_EXTRA_FILES',
    ],
    [
      'pending',
      (p) => {
        p.review.state = 'pending';
      },
      'PCQ_REVIEW_NOT_APPROVED',
    ],
  ];
  for (const [name, mutate, code] of cases) {
    const { payload, extra } = validApproval();
    mutate(payload, extra);
    const result = evaluateReview(factsFromWebhook(payload, extra));
    assert.equal(result.counts, false, name);
    assert.ok(
      result.reasons.some((r) => r.code === code),
      `${name}: ${JSON.stringify(result.reasons)}`,
    );
  }
});

test('the local backend applies the same rules to local facts', () => {
  const local = (reviewer: string, actor: string): ReviewFacts => ({
    review: { state: 'approved', user: { login: reviewer, type: 'User' }, commit_id: 'sha256:' + 'a'.repeat(64) },
    pr: { author: actor, pushers: [actor], headSha: 'sha256:' + 'a'.repeat(64), changedFiles: [TICKET], ticketPath: TICKET },
    roster: ['ombuds-alice', 'ombuds-bob'],
  });
  assert.equal(evaluateReview(local('ombuds-bob', 'local:dev')).counts, true);
  assert.deepEqual(codes(local('ombuds-bob', 'ombuds-bob')), ['PCQ_REVIEW_PUSHER', 'PCQ_REVIEW_SELF_APPROVAL']);
});

test('malformed payloads are coded errors, never crashes', () => {
  const { extra } = validApproval();
  const broken: Array<[string, (p: Record<string, any>) => unknown]> = [
    [
      'review.user.login',
      (p) => {
        delete p.review.user.login;
        return p;
      },
    ],
    [
      'review.commit_id',
      (p) => {
        p.review.commit_id = 'not-a-sha';
        return p;
      },
    ],
    [
      'review.state',
      (p) => {
        p.review.state = 42;
        return p;
      },
    ],
    [
      'pull_request.head.sha',
      (p) => {
        p.pull_request.head = null;
        return p;
      },
    ],
    [
      'review.id',
      (p) => {
        p.review.id = '237895671';
        return p;
      },
    ],
    [
      'review.user.login',
      (p) => {
        p.review.user = ['x'];
        return p;
      },
    ],
    ['(payload)', () => null],
    ['(payload)', () => []],
  ];
  for (const [path, mutate] of broken) {
    const payload = mutate(validApproval().payload);
    assert.throws(
      () => factsFromWebhook(payload, extra),
      (err: unknown) => err instanceof PcqError && err.code === 'PCQ_WEBHOOK_MALFORMED' && (err.details as { path: string }).path === path,
      path,
    );
  }
});

// Property: whatever the inputs, an approval that violates any rule never counts, and a review
// counts only when every rule holds.
test('property: no input that violates a rule ever counts', () => {
  const login = fc.constantFrom('ombuds-alice', 'Ombuds-Alice', 'ombuds-bob', 'mallory', 'dependabot[bot]', 'Codertocat', '');
  const sha = fc.constantFrom(
    'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
    'EC26C3E57CA3A959CA5AAD62DE7213C562F8C821',
    'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
    '',
  );
  const file = fc.constantFrom(TICKET, 'policies/ombuds.yaml', './' + TICKET, 'attestations/reviews/other.yaml');
  const arb = fc.record({
    review: fc.record({
      state: fc.constantFrom('approved', 'APPROVED', 'Approved', 'changes_requested', 'commented', 'dismissed', 'pending', ''),
      user: fc.record({ login, type: fc.constantFrom('User', 'Bot', 'bot', 'Organization') }),
      commit_id: sha,
    }),
    pr: fc.record({
      author: login,
      pushers: fc.array(login, { maxLength: 3 }),
      headSha: sha,
      changedFiles: fc.array(file, { maxLength: 3 }),
      ticketPath: fc.constantFrom(TICKET, ''),
    }),
    roster: fc.array(login, { maxLength: 3 }),
  });
  fc.assert(
    fc.property(arb, (facts) => {
      const f = (s: string) => s.toLowerCase();
      const who = f(facts.review.user.login);
      const allHold =
        ['approved', 'changes_requested', 'commented'].includes(f(facts.review.state)) &&
        who !== '' &&
        facts.roster.some((r) => f(r) === who) &&
        f(facts.pr.author) !== who &&
        !facts.pr.pushers.some((p) => f(p) === who) &&
        f(facts.review.user.type) !== 'bot' &&
        !who.endsWith('[bot]') &&
        facts.review.commit_id !== '' &&
        f(facts.review.commit_id) === f(facts.pr.headSha) &&
        facts.pr.ticketPath !== '' &&
        facts.pr.changedFiles.length > 0 &&
        facts.pr.changedFiles.every((x) => x === facts.pr.ticketPath);
      const result = evaluateReview(facts);
      assert.equal(result.counts, allHold);
      assert.equal(result.counts, result.reasons.length === 0);
    }),
    { numRuns: 3000 },
  );
});
