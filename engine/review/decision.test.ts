import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDecision, isClosed, stateAfter, type Decision } from './decision.ts';
import { openTicket, type Ticket } from './ticket.ts';
import { PcqError } from '../base/errors.ts';

const ticket = (): Ticket =>
  openTicket({
    runbookId: 'R3',
    executionId: 'exec-42',
    manifestId: 'pcq-exec-42',
    merkleRoot: 'sha256:' + '0f'.repeat(32),
    failedStep: 'export-report',
    failedProver: 'citations:every-claim',
    reason: '2 of 5 claims cite fewer than 1 citation: c2, c4',
    evidence: { offending: ['c2', 'c4'] },
    assignedTo: 'ombuds-carol',
    roster: ['ombuds-carol'],
    createdAt: '2026-01-05T10:00:00Z',
  });
const d = (decision: Decision['decision'], executionId = 'exec-42'): Decision => ({
  executionId,
  reviewer: 'ombuds-carol',
  decision,
  comment: '',
  at: '2026-01-05T11:00:00Z',
  source: 'local',
});

function refusedWith(code: string, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof PcqError && err.code === code && typeof err.hint === 'string');
}

test('approve closes the ticket as approved; reject as rejected; both are final', () => {
  const approved = applyDecision(ticket(), d('approve'));
  assert.equal(approved.state, 'approved');
  assert.equal(approved.decisions.length, 1);
  assert.ok(isClosed(approved.state));
  refusedWith('PCQ_REVIEW_CLOSED', () => applyDecision(approved, d('reject')));
  const rejected = applyDecision(ticket(), d('reject'));
  assert.equal(rejected.state, 'rejected');
  refusedWith('PCQ_REVIEW_CLOSED', () => applyDecision(rejected, d('approve')));
  refusedWith('PCQ_REVIEW_CLOSED', () => applyDecision(rejected, d('request-info')));
});

test('request-info keeps the ticket open for a later decision', () => {
  const asked = applyDecision(ticket(), d('request-info'));
  assert.equal(asked.state, 'info-requested');
  assert.equal(isClosed(asked.state), false);
  const again = applyDecision(asked, d('request-info'));
  const done = applyDecision(again, d('approve'));
  assert.deepEqual(
    done.decisions.map((x) => x.decision),
    ['request-info', 'request-info', 'approve'],
  );
  assert.equal(stateAfter(done.decisions), 'approved');
});

test('a decision for another execution is refused and the ticket is untouched', () => {
  const original = ticket();
  refusedWith('PCQ_REVIEW_WRONG_EXECUTION', () => applyDecision(original, d('approve', 'exec-43')));
  assert.equal(original.state, 'open');
  assert.equal(original.decisions.length, 0);
});
