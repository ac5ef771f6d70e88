// The stoppable CEL engine (cel-sandbox.ts): same answers and errors as the in-process engine, and
// a bomb is stopped at its deadline with PCQ_CEL_LIMIT, after which evaluation goes on in a fresh worker.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createCelSandbox, waitForFlag } from './cel-sandbox.ts';
import { Worker } from 'node:worker_threads';
import { createCelEngine } from './cel.ts';
import { PcqError } from '../base/errors.ts';
import { OutputTable, celStepsView } from '../base/step-outputs.ts';

const sandbox = createCelSandbox({ memoryLimitBytes: 512 * 1024 * 1024 });
const local = createCelEngine();
after(() => sandbox.close());

test('answers as the in-process engine does, kept vars included', () => {
  const steps = {
    a: [
      { id: 1, name: 'x' },
      { id: 2, name: 'y' },
    ],
  };
  for (const expr of ['1 + 2', "steps.a.map(r, r.name).join('-')", 'size(steps.a) == 2 && params.k == "v"', '{"n": 1.5, "l": [1, 2]}']) {
    for (let i = 0; i < 2; i++)
      assert.deepEqual(sandbox.evaluate(expr, { steps, params: { k: 'v' } }), local.evaluate(expr, { steps, params: { k: 'v' } }), expr);
  }
  // The same `steps` object is kept by the worker; a new object is sent again.
  assert.equal(sandbox.evaluate('size(steps.a)', { steps: { a: [1] }, params: {} }), 1);
});

test('errors keep their codes: compile and evaluation', () => {
  assert.throws(
    () => sandbox.evaluate('1 +', {}),
    (e: unknown) => e instanceof PcqError && e.code === 'PCQ_CEL_COMPILE',
  );
  assert.throws(
    () => sandbox.evaluate('nope.x', {}),
    (e: unknown) => e instanceof PcqError && e.code === 'PCQ_CEL_EVAL',
  );
});

test('a bomb is stopped at its deadline with PCQ_CEL_LIMIT; the next evaluation works', () => {
  const bomb = Array.from({ length: 12 }).reduce<string>((e) => `${e}.replace('', 'aaaaaaaa')`, "'ab'");
  const started = Date.now();
  assert.throws(
    () => sandbox.evaluate(`size(${bomb})`, {}, { deadline: Date.now() + 1000 }),
    (e: unknown) => e instanceof PcqError && e.code === 'PCQ_CEL_LIMIT',
  );
  assert.ok(Date.now() - started < 1000 + 500, `stopped after ${Date.now() - started} ms`);
  assert.equal(sandbox.evaluate('40 + 2', {}), 42);
});

test('steps views cross as deltas of the output table: prefixes, overlays, a new table and a replaced worker agree with the in-process engine', () => {
  const expr = "size(steps) == 0 ? 'none' : steps.map(k, k).join(',') + ':' + string(has(steps.s1) ? steps.s1.v : -1.0)";
  const check = (view: Readonly<Record<string, unknown>>) =>
    assert.equal(sandbox.evaluate(expr, { steps: celStepsView(view) }), local.evaluate(expr, { steps: celStepsView(view) }));
  const table = new OutputTable();
  const early = table.snapshot(); // taken before any commit: must stay empty
  for (let i = 0; i < 5; i++) {
    table.set(`s${i}`, { v: i + 0.5 });
    check(table.snapshot());
    check(table.snapshot([`s${i + 1}`, { v: 9.5 }])); // the running step's own output overlaid
  }
  check(early);
  assert.equal(sandbox.evaluate('size(steps)', { steps: celStepsView(early) }), 0);
  // A stopped worker is replaced: the new one starts from an empty mirror.
  assert.throws(() =>
    sandbox.evaluate(
      "size('ab'.replace('', 'aaaaaaaaaaaaaaaa').replace('', 'aaaaaaaaaaaaaaaa').replace('', 'aaaaaaaaaaaaaaaa').replace('', 'aaaaaaaaaaaaaaaa').replace('', 'aaaaaaaaaaaaaaaa').replace('', 'aaaaaaaaaaaaaaaa'))",
      {},
      { deadline: Date.now() + 500 },
    ),
  );
  check(table.snapshot());
  // Another run's table replaces the mirror instead of mixing with it.
  const other = new OutputTable();
  other.set('s1', { v: 7.5 });
  check(other.snapshot());
  table.set('s5', { v: 5.5 });
  check(table.snapshot());
});

test('a late notify from the previous evaluation is not an answer: the wait goes on until the flag is set', async () => {
  const buffer = new SharedArrayBuffer(8);
  const flag = new Int32Array(buffer);
  const worker = new Worker(new URL('../testing/stale-notify-worker.ts', import.meta.url), { workerData: { buffer, notifyAfterMs: 100, setAfterMs: 300 } });
  try {
    const started = Date.now();
    assert.equal(waitForFlag(flag, 0, 20_000), true);
    assert.equal(Atomics.load(flag, 0), 1, 'returned only once the flag was set, not at the stale wake-up');
    assert.ok(Date.now() - started >= 300, `waited ${Date.now() - started} ms`);
  } finally {
    await worker.terminate();
  }
  const unset = new Int32Array(new SharedArrayBuffer(4));
  const started = Date.now();
  assert.equal(waitForFlag(unset, 0, 50), false, 'an unset flag times out');
  assert.ok(Date.now() - started >= 49);
});
