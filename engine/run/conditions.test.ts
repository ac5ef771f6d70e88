// `when:` conditions (run/conditions.ts): the static checks `pcq validate` runs (names, ancestors,
// types, located at the `when` field), and the branch rule the run applies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunbook } from '../model/parse-runbook.ts';
import { createCelEngine } from '../runtime/cel.ts';
import type { Runbook } from '../model/runbook.ts';
import { decideBranch, whenIssues } from './conditions.ts';
import { PcqError } from '../base/errors.ts';

const cel = createCelEngine();

function runbookWith(when: string, extra = ''): Runbook {
  const text = `runbookId: T
name: T
version: "1"
inputs:
  route: { type: string, default: a }
  limit: { type: number, default: 2 }
  strict: { type: boolean, default: false }
steps:
  - stepId: first
    type: query
    needs: []
    cypher: MATCH (n) RETURN n.id AS id
  - stepId: side
    type: query
    needs: []
    cypher: MATCH (n) RETURN n.id AS id
  - stepId: count-rows
    type: aggregate
    needs: [first]
    metrics: { n: { op: count } }
  - stepId: gated
    type: aggregate
    needs: [count-rows]
    when: ${JSON.stringify(when)}
    metrics: { n: { op: count } }
${extra}`;
  const parsed = parseRunbook(text, 'runbooks/T.yaml');
  assert.ok(parsed.runbook, JSON.stringify(parsed.issues));
  return parsed.runbook;
}

const codes = (when: string) => whenIssues(runbookWith(when), cel).map((i) => i.code);

test('valid conditions over inputs, ancestors (select and index) and asOf pass', () => {
  for (const when of [
    "params.route == 'a'",
    "params.strict || steps['count-rows'].n > params.limit",
    'has(steps.first) && size(steps.first) > 0',
    "steps.first.exists(r, r.id == 'x')",
    "asOf > '2026-01-01' && !params.strict",
    'params.limit + 1.0 > 2.0 ? true : false',
  ])
    assert.deepEqual(codes(when), [], when);
});

test('an input that is not declared, a step that is not an ancestor or an unknown name is refused, located at `when`', () => {
  const issues = whenIssues(runbookWith('params.nope == 1.0 && steps.side.size() > 0 && other'), cel);
  assert.deepEqual(
    issues.map((i) => i.code),
    ['PCQ_WHEN_INVALID', 'PCQ_WHEN_INVALID', 'PCQ_WHEN_INVALID'],
  );
  assert.match(issues[0]!.message, /params\.nope` is not an input/);
  assert.match(issues[1]!.message, /steps\.side` is not an earlier step of gated/);
  assert.match(issues[2]!.message, /`other` is not a name/);
  for (const issue of issues) {
    assert.equal(issue.location?.file, 'runbooks/T.yaml');
    assert.equal(issue.location?.line, 24); // the `when:` line of step `gated`
  }
  assert.deepEqual(
    issues.map((i) => i.details?.offset),
    [0, 22, 47],
  );
  assert.deepEqual(codes("steps['side'] == null"), ['PCQ_WHEN_INVALID']);
});

test('type errors: a non-bool condition, int arithmetic on a JSON number, a string compared with a number', () => {
  assert.deepEqual(codes("params.route + 'x'"), ['PCQ_WHEN_INVALID']);
  assert.deepEqual(codes('params.limit'), ['PCQ_WHEN_INVALID']);
  assert.deepEqual(codes('params.limit * 2 > 3.0'), ['PCQ_WHEN_INVALID']);
  assert.deepEqual(codes('params.route == 3'), ['PCQ_WHEN_INVALID']);
  assert.deepEqual(codes('params.route && true'), ['PCQ_WHEN_INVALID']);
  assert.deepEqual(codes('params.route =='), ['PCQ_CEL_COMPILE']);
});

test('the branch rule: false skips, all parents skipped skips, one ran parent runs, errors fail closed', () => {
  const rb = runbookWith(
    "params.route == 'a'",
    `  - stepId: join
    type: aggregate
    needs: [gated, side]
    from: side
    metrics: { n: { op: count } }
`,
  );
  const step = (id: string) => rb.steps.find((s) => s.stepId === id)!;
  const vars = (route: string) => ({ params: { route, limit: 2, strict: false }, steps: {}, asOf: '2026-11-16T00:00:00Z' });
  assert.deepEqual(decideBranch(step('gated'), new Set(), cel, vars('a')), { condition: { expr: "params.route == 'a'", value: true } });
  assert.deepEqual(decideBranch(step('gated'), new Set(), cel, vars('b')), {
    condition: { expr: "params.route == 'a'", value: false },
    skipped: 'condition-false',
  });
  // Every parent skipped: skipped without evaluating its own condition.
  assert.deepEqual(decideBranch(step('gated'), new Set(['count-rows']), cel, vars('a')), { skipped: 'parents-skipped' });
  // One skipped parent, one that ran: the step runs.
  assert.deepEqual(decideBranch(step('join'), new Set(['gated']), cel, vars('a')), {});
  assert.deepEqual(decideBranch(step('join'), new Set(['gated', 'side']), cel, vars('a')), { skipped: 'parents-skipped' });
  // A root is never skipped by the parent rule; a condition reading a skipped step's output fails the step.
  assert.deepEqual(decideBranch(step('first'), new Set(['side']), cel, vars('a')), {});
  const reading = runbookWith('steps.first.size() > 0');
  assert.throws(
    () =>
      decideBranch(
        reading.steps.find((s) => s.stepId === 'gated')!,
        new Set(),
        cel,
        vars('a'),
      ),
    (err: unknown) => err instanceof PcqError && err.code === 'PCQ_CEL_EVAL',
  );
});
