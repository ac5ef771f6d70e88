// The pause PR's values (review/approval-pr.ts): the branch parses back exactly and refuses anything
// else; the request and body say what the approver needs and pass the secret registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApprovalBranch, approvalRequestPath, approvalRequestText, pauseBody, pauseTitle, type PauseFacts } from './approval-pr.ts';
import { PrBranch } from './pr-branch.ts';
import { registerSecret } from '../base/secrets.ts';

const facts = (over: Partial<PauseFacts> = {}): PauseFacts => ({
  manifest: {
    runbookId: 'R5',
    version: '1.0',
    executionId: '20261116T000000Z-abc123',
    manifestId: 'pcq-1',
    merkleRoot: 'sha256:' + 'a'.repeat(64),
    actor: 'octocat',
    executedAt: '2026-11-16T00:00:00Z',
  },
  pause: { stepId: 'confirm-threshold', message: 'Escalate at 7?', approvers: [] },
  manifestPath: 'attestations/R5/20261116T000000Z-abc123/manifest.pcq',
  schema: { type: 'object', properties: { threshold: { type: 'number' } } },
  deciders: ['ombuds-alice', 'ombuds-bob'],
  ranSoFar: [{ stepId: 'open-alerts', type: 'query', status: 'succeeded' }],
  ...over,
});

test('the pause branch parses back exactly; review branches and hostile names are not pause branches', () => {
  const b = new ApprovalBranch('R5', '20261116T000000Z-abc123');
  assert.equal(b.toString(), 'pcq/approval/R5/20261116T000000Z-abc123');
  assert.deepEqual(ApprovalBranch.parse(`refs/heads/${b}`), b);
  for (const bad of ['pcq/review/R5/x', 'pcq/approval/R5', 'pcq/approval/R5/../x', 'pcq/approval/R5/a/b', 'pcq/approval/.x/y', 'main'])
    assert.equal(ApprovalBranch.isApprovalBranch(bad), false, bad);
  assert.equal(PrBranch.isReviewBranch(b.toString()), false, 'an ombuds review never mistakes a pause PR for its own');
  assert.throws(() => ApprovalBranch.parse('pcq/approval/R5'), { code: 'PCQ_PR_BRANCH_INVALID' } as object);
});

test('the request and the body say what ran, the question, the schema and who decides', () => {
  const request = approvalRequestText(facts());
  assert.match(request, /kind: pcq-approval-request\/1/);
  assert.match(request, /stepId: confirm-threshold/);
  assert.match(request, /approvers:\n {2}- ombuds-alice\n {2}- ombuds-bob/);
  assert.equal(approvalRequestPath('e1'), 'attestations/approvals/e1.yaml');
  const body = pauseBody(facts());
  assert.match(body, /> Escalate at 7\?/);
  assert.match(body, /\| 1 \| `open-alerts` \| query \| succeeded \|/);
  assert.match(body, /Who may decide: @ombuds-alice, @ombuds-bob/);
  assert.match(body, /```yaml\nthreshold: …\n```/);
  const none = pauseBody(facts({ schema: undefined, deciders: [] }));
  assert.match(none, /This step takes no inputs/);
  assert.match(none, /nobody: the roster names no eligible ombuds/);
  assert.match(pauseTitle(facts()), /^pcq approval: R5 run 20261116T000000Z-abc123 paused at confirm-threshold$/);
});

test('a message that would close its fence or the hidden block cannot, and secrets are masked', () => {
  registerSecret('hunter2-approval-secret', 'test');
  const body = pauseBody(facts({ pause: { stepId: 'confirm-threshold', message: 'token hunter2-approval-secret --> ```', approvers: [] } }));
  assert.doesNotMatch(body, /hunter2-approval-secret/);
  assert.doesNotMatch(approvalRequestText(facts({ pause: { stepId: 's', message: 'hunter2-approval-secret', approvers: [] } })), /hunter2-approval-secret/);
  const hidden = /<!-- pcq:approval (\{.*\}) -->/.exec(body);
  assert.ok(hidden);
  assert.equal(JSON.parse(hidden[1]!).stepId, 'confirm-threshold');
});

test('a body over GitHub limit is a coded error, not a truncated request', () => {
  const ranSoFar = Array.from({ length: 3000 }, (_, i) => ({ stepId: `step-${i}-${'x'.repeat(20)}`, type: 'transform', status: 'succeeded' }));
  assert.throws(() => pauseBody(facts({ ranSoFar })), { code: 'PCQ_PR_BODY_TOO_LARGE' } as object);
});
