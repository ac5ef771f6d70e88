import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCelEngine, evaluateBoolean, parseCel, renderCelTemplate, templateExpressions } from './cel.ts';
import { PcqError } from '../base/errors.ts';

test('the seed metric divides integer counts as doubles', () => {
  const cel = createCelEngine();
  assert.equal(cel.evaluate('complete / total >= 0.95', { complete: 19, total: 20 }), true);
  assert.equal(cel.evaluate('complete / total >= 0.95', { complete: 18, total: 20 }), false);
  assert.equal(cel.evaluate('complete / total', { complete: 1, total: 4 }), 0.25);
});

test('results come back as plain JSON: ints, maps and lists', () => {
  const cel = createCelEngine();
  assert.equal(cel.evaluate('size(rows)', { rows: [1, 2, 3] }), 3);
  assert.deepEqual(
    cel.evaluate('rows.filter(r, r.x > 1.0).map(r, {"x": r.x, "n": r.name})', {
      rows: [
        { x: 1, name: 'a' },
        { x: 2, name: 'b' },
      ],
    }),
    [{ x: 2, n: 'b' }],
  );
  assert.deepEqual(cel.evaluate('{"a": [1, 2u, true, null]}', {}), { a: [1, 2, true, null] });
  assert.equal(cel.evaluate('row.name.startsWith("Al")', { row: { name: 'Alice' } }), true);
});

test('an evaluation error is PCQ_CEL_EVAL naming the expression', () => {
  const cel = createCelEngine();
  assert.throws(
    () => cel.evaluate('row.missing == 1.0', { row: {} }),
    (err: unknown) => err instanceof PcqError && err.code === 'PCQ_CEL_EVAL' && err.message.includes('row.missing == 1.0'),
  );
  assert.throws(
    () => cel.evaluate('params.x + 1', { params: { x: 1 } }),
    (err: unknown) => err instanceof PcqError && err.code === 'PCQ_CEL_EVAL' && /decimal point/.test(err.hint ?? ''),
  );
});

test('check reports compile errors and accepts valid expressions; compile errors throw PCQ_CEL_COMPILE', () => {
  const cel = createCelEngine();
  assert.equal(cel.check('a + b > 1.0'), undefined);
  assert.match(cel.check('1 +') ?? '', /expecting|end of input/);
  assert.equal(cel.check(''), 'expression is empty');
  assert.throws(
    () => cel.evaluate('1 +', {}),
    (err: unknown) => err instanceof PcqError && err.code === 'PCQ_CEL_COMPILE',
  );
});

test('evaluateBoolean: only literal true allows; a missing fact is false with a reason', () => {
  const cel = createCelEngine();
  assert.deepEqual(evaluateBoolean(cel, 'actor.role == "admin"', { actor: { role: 'admin' } }), { value: true });
  const missing = evaluateBoolean(cel, 'actor.role == "admin" || actor.override', { actor: { role: 'x' } });
  assert.equal(missing.value, false);
  assert.match(missing.error ?? '', /PCQ|override|not found/);
  const notBool = evaluateBoolean(cel, '"yes"', {});
  assert.equal(notBool.value, false);
  assert.match(notBool.error ?? '', /expected a bool/);
  // A negated missing fact must not become allow either.
  assert.equal(evaluateBoolean(cel, '!actor.banned', { actor: {} }).value, false);
});

test('templates render {{ CEL }} placeholders and list their expressions', () => {
  const cel = createCelEngine();
  const vars = { params: { week: '2026-W03' }, steps: { agg: { total: 12 } } };
  assert.equal(renderCelTemplate(cel, 'Week {{ params.week }}: {{steps.agg.total}} new', vars), 'Week 2026-W03: 12 new');
  assert.deepEqual(templateExpressions('a {{ x }} b {{y.z}}'), ['x', 'y.z']);
});

test('compiles once per expression and stays fast over many rows', () => {
  const cel = createCelEngine();
  const start = performance.now();
  let kept = 0;
  for (let i = 0; i < 20_000; i++) if (cel.evaluate('row.n > 10.0 && row.name != ""', { row: { n: i % 20, name: 'x' } }) === true) kept++;
  const ms = performance.now() - start;
  assert.equal(kept, 9_000);
  assert.ok(ms < 3000, `20k evaluations took ${ms.toFixed(0)} ms`);
});

test('an expression is parsed once per thread: checks, the bounded-cost test and every engine share its tree, and a parse error stays an error', () => {
  const expr = 'metrics.v >= 0.5 && size(name) < 40';
  assert.equal(parseCel(expr), parseCel(expr), 'the same tree, not a second parse');
  const a = createCelEngine();
  const b = createCelEngine();
  assert.equal(a.check(expr), undefined);
  assert.equal(a.evaluate(expr, { metrics: { v: 0.7 }, name: 'x' }), true);
  assert.equal(b.evaluate(expr, { metrics: { v: 0.2 }, name: 'x' }), false, 'a shared tree keeps no values of an earlier evaluation');
  assert.equal(a.evaluate(expr, { metrics: { v: 0.9 }, name: 'y' }), true);
  const broken = 'metrics.v >= (';
  assert.throws(() => parseCel(broken));
  assert.match(a.check(broken) ?? '', /./);
  assert.equal(b.check(broken), a.check(broken), 'the kept error reads the same');
});
