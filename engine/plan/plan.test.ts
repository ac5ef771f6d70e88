import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseRunbook } from '../model/parse-runbook.ts';
import type { Runbook } from '../model/runbook.ts';
import { PcqErrors, type PcqIssue } from '../base/errors.ts';
import { planRunbook } from './plan.ts';
import { graphIssues } from './graph-issues.ts';
import { MinHeap, byCodeUnit } from './min-heap.ts';

/** Steps as `id: needs` lines (needs omitted = implicit), all assertions. */
function runbookOf(steps: string, provers = ''): Runbook {
  const parsed = parseRunbook(`runbookId: T\nname: t\nversion: "1"\nsteps:\n${steps}${provers}`, 'rb.yaml');
  assert.deepEqual(parsed.issues, []);
  return parsed.runbook!;
}
const step = (id: string, needs?: string[], extra = '') =>
  `  - stepId: ${id}\n    type: assertion\n${needs ? `    needs: [${needs.join(', ')}]\n` : ''}${extra}`;
const issuesOf = (rb: Runbook): PcqIssue[] => {
  try {
    planRunbook(rb);
    return [];
  } catch (err) {
    assert.ok(err instanceof PcqErrors);
    return err.issues;
  }
};

test('ties are broken by stepId, whatever the file order', () => {
  const a = runbookOf(step('zeta', []) + step('alpha', []) + step('mid', []) + step('end', ['zeta', 'alpha']));
  const b = runbookOf(step('mid', []) + step('end', ['zeta', 'alpha']) + step('alpha', []) + step('zeta', []));
  assert.deepEqual(planRunbook(a).order, ['alpha', 'mid', 'zeta', 'end']);
  assert.deepEqual(planRunbook(b).order, planRunbook(a).order);
});

test('code-unit order, not locale order: "B" before "a", "a10" before "a9"', () => {
  const rb = runbookOf(step('a9', []) + step('a', []) + step('B', []) + step('a10', []));
  assert.deepEqual(planRunbook(rb).order, ['B', 'a', 'a10', 'a9']);
});

test('levels are longest-path depths; needs and dependants both ways', () => {
  //   a → b → c
  //   a ------→ d ← c
  const rb = runbookOf(step('a', []) + step('b') + step('c') + step('d', ['a', 'c']) + step('e', []));
  const plan = planRunbook(rb);
  assert.deepEqual(plan.levels, [['a', 'e'], ['b'], ['c'], ['d']]);
  assert.deepEqual(plan.depth, { a: 0, e: 0, b: 1, c: 2, d: 3 });
  assert.deepEqual(plan.needs.d, ['a', 'c']);
  assert.deepEqual(plan.dependants.a, ['b', 'd']);
  assert.deepEqual(plan.order, ['a', 'b', 'c', 'd', 'e']);
});

test('a cycle is named as a path, located at a step in it', () => {
  const rb = runbookOf(step('a', ['c']) + step('b', ['a']) + step('c', ['b']) + step('x', []));
  const issues = issuesOf(rb);
  assert.deepEqual(
    issues.map((i) => i.code),
    ['PCQ_CYCLE'],
  );
  assert.equal(issues[0]!.message, 'steps form a cycle: a → b → c → a');
  assert.deepEqual(issues[0]!.details, { cycle: ['a', 'b', 'c', 'a'] });
  assert.deepEqual(issues[0]!.location, { file: 'rb.yaml', line: 7, col: 12 });
});

test('every cycle is reported, a self-need included; implicit needs can close a cycle', () => {
  const rb = runbookOf(step('p', ['p']) + step('q', ['s']) + step('r') + step('s') + step('t', []));
  assert.deepEqual(
    issuesOf(rb).map((i) => i.message),
    ['steps form a cycle: p → p', 'steps form a cycle: q → r → s → q'],
  );
});

test('dangling needs point at the entry; duplicate ids at the second', () => {
  const rb = runbookOf(step('a', []) + step('b', ['a', 'nope']) + step('a', []));
  const issues = issuesOf(rb);
  assert.deepEqual(
    issues.map((i) => [i.code, i.location?.line, i.location?.col]),
    [
      ['PCQ_DUPLICATE_STEP_ID', 11, 13],
      ['PCQ_DANGLING_NEED', 10, 16],
    ],
  );
  assert.match(issues[1]!.message, /needs "nope"/);
});

test('unknown provers and provers of the other phase are refused at the entry', () => {
  const rb = runbookOf(step('a', [], '    preconditions: [kpi, ghost]\n    postconditions: [kpi]\n'), 'provers:\n  postconditions:\n    kpi: {type: metric}\n');
  const issues = graphIssues(rb);
  assert.deepEqual(
    issues.map((i) => [i.code, i.location?.line]),
    [
      ['PCQ_UNKNOWN_PROVER', 8],
      ['PCQ_UNKNOWN_PROVER', 8],
    ],
  );
  // Both are errors: planRunbook refuses both (an undeclared prover would fail closed at run time).
  assert.deepEqual(
    issuesOf(rb).map((i) => i.code),
    ['PCQ_UNKNOWN_PROVER', 'PCQ_UNKNOWN_PROVER'],
  );
  assert.match(issues[0]!.message, /under preconditions, but it is declared under provers.postconditions/);
  assert.match(issues[1]!.message, /"ghost", which is not declared/);
  assert.deepEqual(
    issues.map((i) => i.severity ?? 'error'),
    ['error', 'error'],
  );
});

test('an undeclared prover id that is a typo of a declared one gets a did-you-mean', () => {
  const rb = runbookOf(
    step('a', [], '    preconditions: ["authority:read_entites"]\n'),
    'provers:\n  preconditions:\n    "authority:read_entities": {type: opa, policy: p}\n',
  );
  const [issue] = graphIssues(rb);
  assert.equal(issue?.code, 'PCQ_UNKNOWN_PROVER');
  assert.match(issue!.hint!, /Did you mean "authority:read_entities"\?/);
  assert.equal(issue!.location?.line, 8);
});

test('all graph problems come out together, in a stable order', () => {
  const rb = runbookOf(step('a', ['b']) + step('b', ['a']) + step('c', ['zzz'], '    preconditions: [nope]\n'));
  assert.deepEqual(
    graphIssues(rb).map((i) => i.code),
    ['PCQ_DANGLING_NEED', 'PCQ_UNKNOWN_PROVER', 'PCQ_CYCLE'],
  );
});

test('property: the order is a topological order, and the same for any file order', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 80 }), fc.integer(), (n, pairs, seed) => {
      const ids = Array.from({ length: n }, (_, i) => `s${(i * 7919 + seed) % 1000}-${i}`);
      const needs = ids.map(() => new Set<string>());
      for (const [x, y] of pairs) {
        const lo = Math.min(x % n, y % n);
        const hi = Math.max(x % n, y % n);
        if (lo !== hi) needs[hi]!.add(ids[lo]!); // edges go forward in index: acyclic by construction
      }
      const text = (order: number[]) => order.map((i) => step(ids[i]!, [...needs[i]!])).join('');
      const forward = planRunbook(runbookOf(text(ids.map((_, i) => i))));
      const reversed = planRunbook(runbookOf(text(ids.map((_, i) => n - 1 - i))));
      assert.deepEqual(reversed.order, forward.order);
      const position = new Map(forward.order.map((id, i) => [id, i]));
      ids.forEach((id, i) => {
        for (const need of needs[i]!) assert.ok(position.get(need)! < position.get(id)!);
      });
    }),
    { numRuns: 60 },
  );
});

test('the heap pops in order', () => {
  const heap = new MinHeap<string>(byCodeUnit);
  for (const s of ['d', 'a', 'c', 'b', 'a']) heap.push(s);
  assert.deepEqual([heap.pop(), heap.pop(), heap.pop(), heap.pop(), heap.pop(), heap.pop()], ['a', 'a', 'b', 'c', 'd', undefined]);
});

test('a 2,000-step chain plans, and closes into one named cycle, without deep recursion', () => {
  const rb = runbookOf(Array.from({ length: 2000 }, (_, i) => `  - {stepId: s${i}, type: assertion}\n`).join(''));
  assert.equal(planRunbook(rb).levels.length, 2000);
  rb.steps[0]!.needs = ['s1999'];
  const issues = graphIssues(rb);
  assert.deepEqual(
    issues.map((i) => i.code),
    ['PCQ_CYCLE'],
  );
  assert.equal((issues[0]!.details?.cycle as string[]).length, 2001);
});
