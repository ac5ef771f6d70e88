// The approval barrier (run/approval-gate.ts): an approval step waits for every step before it in
// chain order and every later step waits for it; runbooks without approvals keep their own needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Step } from '../model/runbook.ts';
import fc from 'fast-check';
import { approvalBarriers, haltedAfterRejection, pauseOf, rejectionGate } from './approval-gate.ts';

const step = (stepId: string, type: string, needs: string[] = [], config: Record<string, unknown> = {}): Step =>
  ({ stepId, type, needs, config, preconditions: [], postconditions: [], retry: { attempts: 1 }, timeoutMs: 0, private: false }) as unknown as Step;

test('without approval steps the scheduling needs are the steps own', () => {
  const steps = [step('a', 'query'), step('b', 'query'), step('c', 'transform', ['a'])];
  const needs = approvalBarriers(
    steps.map((s) => s.stepId),
    new Map(steps.map((s) => [s.stepId, s])),
  );
  assert.deepEqual(Object.fromEntries(needs), { a: [], b: [], c: ['a'] });
});

test('an approval waits for everything before it; everything after it waits for it', () => {
  const steps = [
    step('a', 'query'),
    step('b', 'query'),
    step('gate', 'approval', ['a'], { message: 'ok?' }),
    step('c', 'query'),
    step('d', 'transform', ['c']),
  ];
  const needs = approvalBarriers(
    steps.map((s) => s.stepId),
    new Map(steps.map((s) => [s.stepId, s])),
  );
  assert.deepEqual(needs.get('gate')!.sort(), ['a', 'b']);
  assert.deepEqual(needs.get('c'), ['gate']);
  assert.deepEqual(needs.get('d')!.sort(), ['c', 'gate']);
  assert.deepEqual(needs.get('a'), []);
});

test('a rejected approval halts the steps after it, not those before; the pause names its approvers', () => {
  const steps = [step('a', 'query'), step('gate', 'approval', ['a'], { message: 'ok?', approvers: ['ombuds-bob'] }), step('c', 'query')];
  const order = steps.map((s) => s.stepId);
  const byId = new Map(steps.map((s) => [s.stepId, s]));
  assert.equal(haltedAfterRejection({ gate: { decision: 'reject' } }, order, 'c', byId), true);
  assert.equal(haltedAfterRejection({ gate: { decision: 'approve' } }, order, 'c', byId), false);
  assert.equal(haltedAfterRejection({ gate: { decision: 'reject' } }, order, 'a', byId), false);
  assert.deepEqual(pauseOf(byId.get('gate')!), { stepId: 'gate', message: 'ok?', approvers: ['ombuds-bob'] });
});

test('rejectionGate (prepared once per run) answers as haltedAfterRejection for every step and decision', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ approval: fc.boolean(), decision: fc.constantFrom('reject', 'approve', undefined) }), { minLength: 1, maxLength: 12 }),
      (spec) => {
        const steps = spec.map((s, i) => step(`s${i}`, s.approval ? 'approval' : 'query'));
        const order = steps.map((s) => s.stepId);
        const byId = new Map(steps.map((s) => [s.stepId, s]));
        const outputs = Object.fromEntries(spec.flatMap((s, i) => (s.approval && s.decision ? [[`s${i}`, { decision: s.decision }]] : [])));
        const gate = rejectionGate(order, byId);
        for (const id of order) assert.equal(gate(outputs, id), haltedAfterRejection(outputs, order, id, byId), id);
      },
    ),
  );
});
