// cel-bounded.ts: only expressions whose cost the syntax bounds skip the CEL worker; every bomb of
// issue 10's containment tests, every macro and every strings-extension function goes to the worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBoundedExpression } from './cel-bounded.ts';
import { createCelSandbox } from './cel-sandbox.ts';
import { PcqError } from '../base/errors.ts';

test('comparisons, logic, arithmetic, indexing, in, size, has and conversions are bounded', () => {
  for (const expr of [
    'v >= 0.0',
    'complete / total >= 0.95',
    "params.route == 'investigate' && steps.triage.severe > 0.0",
    'has(steps.a.b) ? steps.a.b[0] : -1.0',
    "size(steps.x.rows) > 2 && 'k' in steps.x && double(int(3.7)) == 3.0",
    '[1, 2, {"a": v}][2].a == v',
    'a + b + c > 0.0',
  ])
    assert.equal(isBoundedExpression(expr), true, expr);
});

test('macros, string functions, regexes, more than two additions and unparseable text go to the worker', () => {
  const bomb = Array.from({ length: 12 }).reduce<string>((e) => `${e}.replace('', 'aaaaaaaa')`, "'ab'");
  for (const expr of [
    `size(${bomb})`,
    'steps.x.rows.all(r, r.v > 0.0)',
    'steps.x.rows.map(r, r.v).size() > 0',
    '[1,2,3].filter(x, x > 1) == [2, 3]',
    "'aaaa'.matches('(a+)+$')",
    "'a'.contains('a')",
    "['a'].join('-') == 'a'",
    's + s + s + s',
    "'x'.repeat(100)",
    '1 +',
    `${'v - ('.repeat(200)}v${')'.repeat(200)} == 1.0`,
    Array.from({ length: 300 }, (_, i) => `v == ${i}.0`).join(' || '),
  ])
    assert.equal(isBoundedExpression(expr), false, expr.slice(0, 80));
});

test('the sandbox answers bounded expressions in the calling thread with the same values and codes', async () => {
  const sandbox = createCelSandbox({ memoryLimitBytes: 256 * 1024 * 1024 });
  try {
    assert.equal(sandbox.evaluate('v >= 0.0 && size(xs) == 2', { v: 1.5, xs: [1, 2] }), true);
    assert.throws(
      () => sandbox.evaluate('nope.x > 1.0', {}),
      (e: unknown) => e instanceof PcqError && e.code === 'PCQ_CEL_EVAL',
    );
    assert.throws(
      () => sandbox.evaluate('v > ', {}),
      (e: unknown) => e instanceof PcqError && e.code === 'PCQ_CEL_COMPILE',
    );
    // An unbounded one still stops at its deadline in the worker.
    const bomb = Array.from({ length: 12 }).reduce<string>((e) => `${e}.replace('', 'aaaaaaaa')`, "'ab'");
    assert.throws(
      () => sandbox.evaluate(`size(${bomb})`, {}, { deadline: Date.now() + 500 }),
      (e: unknown) => e instanceof PcqError && e.code === 'PCQ_CEL_LIMIT',
    );
  } finally {
    await sandbox.close();
  }
});
