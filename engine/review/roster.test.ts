import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignOmbuds, loadRoster, parseRoster, rosterLogins, type Roster } from './roster.ts';
import { PcqError, PcqErrors } from '../base/errors.ts';

const roster = await loadRoster('policies/ombuds.yaml');

test('the repository roster loads with names, emails and the hash-round-robin rule', () => {
  assert.deepEqual(rosterLogins(roster), ['ombuds-alice', 'ombuds-bob', 'ombuds-carol']);
  assert.ok(roster.members.every((m) => m.email.endsWith('@ombuds.example.org') && m.name.length > 0));
  assert.deepEqual(roster.assignment, { rule: 'hash-round-robin', excludeActor: true });
});

test('assignment is deterministic, spreads over the roster, and skips the actor', () => {
  const counts = new Map<string, number>();
  for (let i = 0; i < 300; i++) {
    const id = `exec-${i}`;
    const first = assignOmbuds(roster, id).login;
    assert.equal(assignOmbuds(roster, id).login, first, 'same execution, same ombuds');
    counts.set(first, (counts.get(first) ?? 0) + 1);
    assert.notEqual(assignOmbuds(roster, id, first).login.toLowerCase(), first, 'never the actor');
    assert.notEqual(assignOmbuds(roster, id, first.toUpperCase()).login, first, 'actor compared ignoring case');
  }
  assert.equal(counts.size, 3);
  for (const n of counts.values()) assert.ok(n > 60, `uneven spread: ${[...counts]}`);
  // Member order in the file does not matter: the pool is sorted by login.
  const reversed: Roster = { ...roster, members: [...roster.members].reverse() };
  assert.equal(assignOmbuds(reversed, 'exec-1').login, assignOmbuds(roster, 'exec-1').login);
  const keepActor: Roster = { ...roster, assignment: { rule: 'hash-round-robin', excludeActor: false } };
  const someone = assignOmbuds(keepActor, 'exec-5').login;
  assert.equal(assignOmbuds(keepActor, 'exec-5', someone).login, someone);
});

test('malformed rosters are coded errors', () => {
  const codes = (text: string) => {
    try {
      parseRoster(text);
    } catch (err) {
      assert.ok(err instanceof PcqErrors);
      return err.issues.map((i) => i.code);
    }
    return [];
  };
  assert.deepEqual(codes('roster: []\n'), ['PCQ_ROSTER_INVALID']);
  assert.deepEqual(codes('roster:\n  - {login: "bad login", name: X, email: x@example.org}\n'), ['PCQ_ROSTER_INVALID']);
  assert.deepEqual(codes('roster:\n  - {login: a, name: A, email: nope}\n'), ['PCQ_ROSTER_INVALID']);
  assert.deepEqual(codes('roster:\n  - {login: a, name: A, email: a@x.org}\n  - {login: A, name: A2, email: a2@x.org}\n'), ['PCQ_ROSTER_INVALID']);
  assert.deepEqual(codes('roster:\n  - {login: a, name: A, email: a@x.org}\nassignment: {rule: random}\n'), ['PCQ_ROSTER_INVALID']);
  assert.deepEqual(codes('roster: [\n'), ['PCQ_POLICY_YAML']);
  assert.deepEqual(codes('roster:\n  - {login: a, name: A, email: a@x.org}\n'), []);
  assert.throws(
    () => assignOmbuds({ ...roster, members: [] }, 'x'),
    (e: unknown) => e instanceof PcqError && e.code === 'PCQ_ROSTER_INVALID',
  );
});
