// The signed branch decision (FORMATS.md "Conditional steps"): a predicate's `condition` and
// `skipped` must agree with its status (step-predicate.ts), and a step is skipped with its parents
// exactly when every parent was skipped by a branch (verify-links.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkStepPredicate } from './step-predicate.ts';
import { verifyStepLinks, type StepFacts } from './verify-links.ts';

const base = {
  runbookId: 'R4',
  runbookVersion: '1.0',
  runbookDigest: `sha256:${'a'.repeat(64)}`,
  stepId: 's',
  type: 'query',
  timestamp: '2026-11-16T00:00:00Z',
  previousAttestationHash: null,
  needs: [],
  parents: [],
  proofs: { preconditions: [], postconditions: [] },
  artifacts: [],
  recordings: [],
  inputs: null,
  outputs: null,
};

test('condition and skipped must be well formed and agree with the status', () => {
  const cond = (value: boolean) => ({ expr: "params.route == 'a'", value });
  assert.deepEqual(checkStepPredicate({ ...base, status: 'succeeded' }), []);
  assert.deepEqual(checkStepPredicate({ ...base, status: 'succeeded', condition: cond(true) }), []);
  assert.deepEqual(checkStepPredicate({ ...base, status: 'skipped', condition: cond(false), skipped: 'condition-false' }), []);
  assert.deepEqual(checkStepPredicate({ ...base, status: 'skipped', skipped: 'parents-skipped' }), []);
  const bad: Array<Record<string, unknown>> = [
    { status: 'succeeded', condition: cond(false) }, // false but ran
    { status: 'succeeded', skipped: 'condition-false', condition: cond(false) }, // skipped but status says ran
    { status: 'skipped', skipped: 'condition-false', condition: cond(true) }, // true but skipped by it
    { status: 'skipped', skipped: 'parents-skipped', condition: cond(true) },
    { status: 'skipped', skipped: 'maybe' },
    { status: 'succeeded', condition: { expr: 'x', value: 'yes' } },
    { status: 'succeeded', condition: { expr: 'x', value: true, extra: 1 } },
  ];
  for (const fields of bad) assert.notDeepEqual(checkStepPredicate({ ...base, ...fields }), [], JSON.stringify(fields));
});

function facts(steps: Array<{ id: string; needs: string[]; skipped?: string }>): StepFacts[] {
  const hash = (i: number) => `sha256:${String(i).padStart(64, '0')}`;
  const index = new Map(steps.map((s, i) => [s.id, i]));
  return steps.map((s, i) => ({
    index: i,
    stepId: s.id,
    claimedHash: hash(i),
    hash: hash(i),
    predicate: {
      previousAttestationHash: i === 0 ? null : hash(i - 1),
      needs: s.needs,
      parents: s.needs.map((n) => hash(index.get(n)!)),
      proofs: {},
      ...(s.skipped ? { skipped: s.skipped } : {}),
    },
  }));
}

function failures(steps: Array<{ id: string; needs: string[]; skipped?: string }>): string[] {
  const out: string[] = [];
  const f = facts(steps);
  verifyStepLinks(
    f.map((x) => ({ stepId: x.stepId, proofs: {} })),
    f,
    (code, _check, _m, stepId) => out.push(`${code}:${stepId}`),
    () => {},
  );
  return out;
}

test('the parent rule is checked on the signed predicates', () => {
  assert.deepEqual(
    failures([
      { id: 'a', needs: [], skipped: 'condition-false' },
      { id: 'b', needs: ['a'], skipped: 'parents-skipped' },
    ]),
    [],
  );
  // One parent ran: the step may not claim its parents were all skipped.
  assert.deepEqual(
    failures([
      { id: 'a', needs: [], skipped: 'condition-false' },
      { id: 'r', needs: [] },
      { id: 'b', needs: ['a', 'r'], skipped: 'parents-skipped' },
    ]),
    ['PCQ_BRANCH_MISMATCH:b'],
  );
  // Every parent skipped: the step must be skipped with them.
  assert.deepEqual(
    failures([
      { id: 'a', needs: [], skipped: 'condition-false' },
      { id: 'b', needs: ['a'] },
    ]),
    ['PCQ_BRANCH_MISMATCH:b'],
  );
  // A root cannot be skipped with its (no) parents.
  assert.deepEqual(failures([{ id: 'a', needs: [], skipped: 'parents-skipped' }]), ['PCQ_BRANCH_MISMATCH:a']);
});
