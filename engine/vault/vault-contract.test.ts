// The contract's rules (contracts/README.md): UnauthorizedRunner for every way a grant fails,
// BudgetExhausted of its own, revocation immediate for new runs while an already open run still
// finalizes, finalize re-checks the runner, and a property: any interleaving of opens and finalizes
// keeps spent + reserved within the budget and spent = the sum of settled usage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { VaultContractError, emptyVaultState, finalizeRun, grantRunner, openRun, revokeRunner, type VaultState } from './vault-contract.ts';

const U = 'GUSER',
  R = 'GRUNNER';
const ctx = (registered = true, now = new Date('2026-06-01T00:00:00Z')) => ({ isRegisteredRunner: (r: string) => registered && r === R, now });
const granted = (budget = 10, runbooks = ['*'], expiresAt = '2027-01-01T00:00:00Z'): VaultState =>
  grantRunner(emptyVaultState(), { grantId: 'g-1', digest: 'sha256:x', user: U, runner: R, runbooks, budget, expiresAt }).state;
const open = (s: VaultState, runId: string, reserve = 3, c = ctx()) => openRun(s, { runId, grantId: 'g-1', runner: R, runbookId: 'R1', reserve }, c);
const refusal = (fn: () => unknown): [string, string | undefined] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof VaultContractError) return [err.errorName, err.reason];
    throw err;
  }
  return ['none', undefined];
};

test('UnauthorizedRunner: no grant, other runner, not registered, revoked, expired, runbook not granted', () => {
  assert.deepEqual(
    refusal(() => openRun(emptyVaultState(), { runId: 'a', grantId: 'g-1', runner: R, runbookId: 'R1', reserve: 1 }, ctx())),
    ['UnauthorizedRunner', 'no-grant'],
  );
  assert.deepEqual(
    refusal(() => openRun(granted(), { runId: 'a', grantId: 'g-1', runner: 'GOTHER', runbookId: 'R1', reserve: 1 }, ctx())),
    ['UnauthorizedRunner', 'other-runner'],
  );
  assert.deepEqual(
    refusal(() => open(granted(), 'a', 1, ctx(false))),
    ['UnauthorizedRunner', 'not-registered'],
  );
  assert.deepEqual(
    refusal(() => open(revokeRunner(granted(), { grantId: 'g-1', user: U }).state, 'a')),
    ['UnauthorizedRunner', 'revoked'],
  );
  assert.deepEqual(
    refusal(() => open(granted(10, ['*'], '2026-05-01T00:00:00Z'), 'a')),
    ['UnauthorizedRunner', 'expired'],
  );
  assert.deepEqual(
    refusal(() => open(granted(10, ['R2']), 'a')),
    ['UnauthorizedRunner', 'runbook-not-granted'],
  );
  assert.deepEqual(
    refusal(() => open(granted(2), 'a', 3)),
    ['BudgetExhausted', undefined],
  );
});

test('a run opened before the revocation finalizes; one opened after cannot open at all', () => {
  const opened = open(granted(), 'before').state;
  const revoked = revokeRunner(opened, { grantId: 'g-1', user: U }).state;
  assert.deepEqual(
    refusal(() => open(revoked, 'after')),
    ['UnauthorizedRunner', 'revoked'],
  );
  const fin = finalizeRun(revoked, { runId: 'before', runner: R, usage: 2, ok: true }, ctx());
  assert.equal(fin.result.state, 'finalized');
  assert.equal(fin.grant.spent, 2);
  assert.equal(fin.grant.reserved, 0);
});

test('finalize re-checks: another runner, a runner removed from the registry, usage over the reservation, twice', () => {
  const s = open(granted(), 'a').state;
  assert.deepEqual(
    refusal(() => finalizeRun(s, { runId: 'a', runner: 'GOTHER', usage: 1, ok: true }, ctx())),
    ['UnauthorizedRunner', 'other-runner'],
  );
  assert.deepEqual(
    refusal(() => finalizeRun(s, { runId: 'a', runner: R, usage: 1, ok: true }, ctx(false))),
    ['UnauthorizedRunner', 'not-registered'],
  );
  assert.deepEqual(
    refusal(() => finalizeRun(s, { runId: 'a', runner: R, usage: 4, ok: true }, ctx())),
    ['UsageOverReservation', undefined],
  );
  const done = finalizeRun(s, { runId: 'a', runner: R, usage: 0, ok: false }, ctx()).state;
  assert.equal(done.runs.a!.state, 'failed');
  assert.deepEqual(
    refusal(() => finalizeRun(done, { runId: 'a', runner: R, usage: 0, ok: false }, ctx())),
    ['RunNotOpen', undefined],
  );
});

test('property: any sequence of opens and finalizes never spends past the budget and loses no usage', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 20 }),
      fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 })), { maxLength: 40 }),
      (budget, ops) => {
        let s = granted(budget);
        let settled = 0;
        const openIds: string[] = [];
        ops.forEach(([isOpen, a, b], i) => {
          try {
            if (isOpen || openIds.length === 0) {
              s = open(s, `r${i}`, a).state;
              openIds.push(`r${i}`);
            } else {
              const id = openIds.splice(b % openIds.length, 1)[0]!;
              const usage = Math.min(a, s.runs[id]!.reserved);
              s = finalizeRun(s, { runId: id, runner: R, usage, ok: true }, ctx()).state;
              settled += usage;
            }
          } catch (err) {
            if (!(err instanceof VaultContractError)) throw err;
          }
          const g = s.grants['g-1']!;
          assert.ok(g.spent + g.reserved <= budget);
          assert.equal(g.spent, settled);
        });
      },
    ),
  );
});
