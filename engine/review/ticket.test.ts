import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openTicket, parseTicket, ticketPath, ticketToString, type Ticket } from './ticket.ts';
import { applyDecision, type Decision } from './decision.ts';
import { PcqErrors } from '../base/errors.ts';

const FILE = 'attestations/reviews/exec-7.yaml';
const ROOT = 'sha256:' + 'ab'.repeat(32);

function sampleTicket(): Ticket {
  return openTicket({
    runbookId: 'R1',
    executionId: 'exec-7',
    manifestId: 'pcq-exec-7',
    merkleRoot: ROOT,
    failedStep: 'assert-completeness',
    failedProver: 'kpi:completeness>=0.95',
    reason: 'Metric not met: complete=548 total=600 → complete / total = 0.913 < 0.95',
    evidence: { measured: { complete: 548, total: 600 }, value: 0.9133333333333333, threshold: 0.95 },
    assignedTo: 'ombuds-bob',
    roster: ['ombuds-alice', 'ombuds-bob'],
    createdAt: '2026-01-05T10:00:00Z',
  });
}
const decision = (kind: Decision['decision'], extra: Partial<Decision> = {}): Decision =>
  ({
    executionId: 'exec-7',
    reviewer: 'ombuds-alice',
    decision: kind,
    comment: 'looked at the evidence',
    at: '2026-01-06T09:00:00Z',
    source: 'local',
    ...extra,
  }) as Decision;

function issuesOf(fn: () => unknown): Array<{ code: string; message: string; line?: number }> {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PcqErrors, String(err));
    return err.issues.map((i) => ({ code: i.code, message: i.message, line: i.location?.line }));
  }
  assert.fail('expected PcqErrors');
}

test('a ticket with decisions from both sources round-trips byte for byte', () => {
  let ticket = applyDecision(sampleTicket(), decision('request-info'));
  ticket = applyDecision(
    ticket,
    decision('approve', {
      reviewer: 'ombuds-bob',
      source: 'github',
      pullRequest: 12,
      reviewId: 34,
      commitId: 'ec26c3e57ca3a959ca5aad62de7213c562f8c821',
    } as Partial<Decision>),
  );
  const text = ticketToString(ticket);
  assert.match(text, /^# pcq ombuds review ticket/);
  assert.match(text, /^state: approved$/m);
  const parsed = parseTicket(text, FILE);
  assert.deepEqual(parsed, ticket);
  assert.equal(ticketToString(parsed), text);
  assert.equal(ticketPath('exec-7'), FILE);
});

test('malformed tickets give coded issues with the line of the problem', () => {
  const good = ticketToString(sampleTicket());
  const lineOf = (needle: string) => good.split('\n').findIndex((l) => l.startsWith(needle)) + 1;
  const wrongRoot = issuesOf(() => parseTicket(good.replace(ROOT, 'sha256:xyz'), FILE));
  assert.deepEqual(
    wrongRoot.map((i) => [i.code, i.line]),
    [['PCQ_TICKET_INVALID', lineOf('merkleRoot:')]],
  );
  const traversal = issuesOf(() => parseTicket(good.replace('executionId: exec-7', 'executionId: ../../etc'), FILE));
  assert.equal(traversal[0]!.code, 'PCQ_TICKET_INVALID');
  const many = issuesOf(() =>
    parseTicket(
      good.replace('state: open', 'state: merged').replace('assignedTo: ombuds-bob', 'assignedTo: 7').replace('decisions: []', 'decisions: nope'),
      FILE,
    ),
  );
  assert.equal(many.length, 3, JSON.stringify(many));
  assert.deepEqual(
    issuesOf(() => parseTicket('state: [unclosed', FILE)).map((i) => i.code),
    ['PCQ_TICKET_MALFORMED'],
  );
  assert.deepEqual(
    issuesOf(() => parseTicket('- a list', FILE)).map((i) => i.code),
    ['PCQ_TICKET_MALFORMED'],
  );
  const extra = issuesOf(() => parseTicket(good + 'approvedBy: me\n', FILE));
  assert.match(extra[0]!.message, /unknown field "approvedBy"/);
});

test('a hand-edited state or decision list is read for its shape only (the signed reviews decide)', () => {
  // Nothing believes these fields (review/signed-decisions.ts rewrites them from the manifest), so
  // refusing the file would only hide the ticket and lock the real ombuds out.
  const edited = ticketToString(sampleTicket()).replace('state: open', 'state: approved');
  assert.equal(parseTicket(edited, FILE).state, 'approved');
  const garbage = ticketToString(sampleTicket()).replace('state: open', 'state: released');
  assert.match(issuesOf(() => parseTicket(garbage, FILE))[0]!.message, /state "released" is not one of/);
});

test('a decision for another execution inside the file is refused', () => {
  const ticket = applyDecision(sampleTicket(), decision('request-info'));
  const text = ticketToString(ticket).replace(/executionId: exec-7\n(\s+reviewer)/, 'executionId: exec-8\n$1');
  assert.match(issuesOf(() => parseTicket(text, FILE))[0]!.message, /for execution exec-8/);
});

// Property: whatever the (valid) content, parse(toString(t)) is t and printing is stable.
test('property: parse ⇄ toString round-trip', () => {
  const word = fc.string({ minLength: 1, maxLength: 24 }).filter((s) => s.trim() !== '');
  const login = fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/);
  const iso = fc.integer({ min: 0, max: 4102444800000 }).map((ms) => new Date(ms).toISOString());
  const json = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);
  const arbDecision = fc.oneof(
    fc.record({
      reviewer: login,
      decision: fc.constantFrom('request-info' as const),
      comment: fc.string({ maxLength: 40 }),
      at: iso,
      source: fc.constant('local' as const),
    }),
    fc.record({
      reviewer: login,
      decision: fc.constantFrom('request-info' as const),
      comment: fc.string({ maxLength: 40 }),
      at: iso,
      source: fc.constant('github' as const),
      pullRequest: fc.integer({ min: 1, max: 1e6 }),
      reviewId: fc.integer({ min: 1, max: 1e9 }),
      commitId: fc.stringMatching(/^[0-9a-f]{40}$/),
    }),
  );
  const arb = fc.record({
    runbookId: word,
    executionId: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,30}$/),
    manifestId: word,
    merkleRoot: fc.stringMatching(/^[0-9a-f]{64}$/).map((h) => 'sha256:' + h),
    failedStep: word,
    failedProver: word,
    reason: word,
    evidence: fc.dictionary(word, json, { maxKeys: 4 }).map((e) => JSON.parse(JSON.stringify(e)) as Record<string, unknown>),
    assignedTo: login,
    roster: fc.array(login, { minLength: 1, maxLength: 4 }),
    createdAt: iso,
    middle: fc.array(arbDecision, { maxLength: 3 }),
    last: fc.option(fc.constantFrom('approve' as const, 'reject' as const)),
  });
  fc.assert(
    fc.property(arb, ({ middle, last, ...fields }) => {
      let ticket = openTicket(fields);
      for (const d of middle) ticket = applyDecision(ticket, { ...d, executionId: fields.executionId } as Decision);
      if (last) ticket = applyDecision(ticket, { ...decision(last), executionId: fields.executionId });
      const text = ticketToString(ticket);
      const parsed = parseTicket(text, FILE);
      assert.deepEqual(parsed, ticket);
      assert.equal(ticketToString(parsed), text);
    }),
    { numRuns: 300 },
  );
});
