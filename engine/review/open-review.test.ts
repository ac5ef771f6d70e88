// The ticket a blocked run opens and the notice the roster gets (pure parts of open-review.ts):
// first failed postcondition, deterministic assignee that is never the run's actor, and a notice
// that carries ids and the failing sentence but none of the prover's raw details.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reviewNotice, ticketForRun } from './open-review.ts';
import { parseRoster } from './roster.ts';
import { parseTicket, ticketToString } from './ticket.ts';
import { sampleRun } from '../proof/sample-run.fixture.ts';
import type { FailedProof } from '../base/run-record.ts';

const roster = parseRoster(`roster:
  - {login: ombuds-alice, name: Alice, email: alice@example.org}
  - {login: ombuds-bob, name: Bob, email: bob@example.org}
`);

const failed = (stepId: string, phase: FailedProof['phase'], prover: string): FailedProof => ({
  stepId,
  phase,
  proof: { prover, type: 'metric', result: 'fail', evidence: `${prover} not met`, details: { value: 0.5, token: 'SECRET-DETAIL' } },
});

test('the ticket names the first failed postcondition, round-trips, and never assigns the actor', async () => {
  const { manifest } = await sampleRun({ steps: 3, executionId: 'exec-open-1' });
  const ticket = ticketForRun(
    manifest,
    [failed('step-000', 'precondition', 'pre'), failed('step-001', 'postcondition', 'kpi:a'), failed('step-002', 'postcondition', 'kpi:b')],
    roster,
  );
  assert.equal(ticket.failedStep, 'step-001');
  assert.equal(ticket.failedProver, 'kpi:a');
  assert.equal(ticket.reason, 'kpi:a not met');
  assert.deepEqual(ticket.evidence, { value: 0.5, token: 'SECRET-DETAIL', phase: 'postcondition', type: 'metric' });
  assert.equal(ticket.merkleRoot, manifest.merkleRoot);
  assert.equal(ticket.createdAt, manifest.executedAt, "the run's clock, so a replay writes the same ticket");
  assert.deepEqual(parseTicket(ticketToString(ticket), 't.yaml'), ticket);
  for (let i = 0; i < 20; i++) {
    for (const actor of ['ombuds-alice', 'local:ombuds-alice', 'OMBUDS-BOB', 'local:ombuds-bob']) {
      const t = ticketForRun({ ...manifest, executionId: `exec-${i}`, actor }, [failed('step-001', 'postcondition', 'kpi:a')], roster);
      assert.notEqual(t.assignedTo.toLowerCase(), actor.replace('local:', '').toLowerCase(), `${actor} exec-${i}`);
    }
  }
  assert.throws(() => ticketForRun(manifest, [], roster), { code: 'PCQ_REVIEW_NOTHING_FAILED' });
});

test('the notice goes to every roster address with ids and the failing sentence, not the details', async () => {
  const { manifest } = await sampleRun({ steps: 2, executionId: 'exec-open-2' });
  const ticket = ticketForRun(manifest, [failed('step-001', 'postcondition', 'kpi:a')], roster);
  const notice = reviewNotice(ticket, roster);
  assert.deepEqual(notice.to, ['alice@example.org', 'bob@example.org']);
  assert.match(notice.subject, /exec-open-2 blocked by kpi:a/);
  assert.match(notice.text, /Failed step: {3}step-001/);
  assert.match(notice.text, /pcq review approve exec-open-2 --by <login>/);
  assert.doesNotMatch(notice.text, /SECRET-DETAIL/);
});
