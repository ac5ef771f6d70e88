import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseAsOf, parseInputFlags, resolveParams } from './run-params.ts';
import { PcqErrors } from '../base/errors.ts';
import type { Runbook } from '../model/runbook.ts';

const runbook = {
  runbookId: 'R9',
  name: 'x',
  version: '1',
  inputs: {
    source: { type: 'string', enum: ['full', 'partial'], default: 'full' },
    threshold: { type: 'number', default: 5 },
    dryRun: { type: 'boolean' },
  },
  steps: [],
  provers: {},
  source: { file: 'r.yaml', digest: 'sha256:' },
} as unknown as Runbook;

test('defaults apply and strings coerce to declared types', () => {
  assert.deepEqual(resolveParams(runbook, { threshold: '7', dryRun: 'true' }), { dryRun: true, source: 'full', threshold: 7 });
});

test('every bad input is reported at once with its code', () => {
  assert.throws(
    () => resolveParams(runbook, { source: 'other', threshold: 'x', nope: 1 }),
    (err: { issues: Array<{ code: string }> }) => {
      assert.deepEqual(err.issues.map((i) => i.code).sort(), ['PCQ_INPUT_INVALID', 'PCQ_INPUT_INVALID', 'PCQ_INPUT_UNKNOWN']);
      return true;
    },
  );
});

test('input flags and asOf parse strictly', () => {
  assert.deepEqual(parseInputFlags(['a=1', 'b=x=y']), { a: '1', b: 'x=y' });
  assert.throws(() => parseInputFlags(['novalue']));
  assert.equal(normaliseAsOf('2026-11-16T01:02:03.456+01:00'), '2026-11-16T00:02:03Z');
  assert.throws(() => normaliseAsOf('yesterday'));
});

test('an input named like a prototype key is unknown and refused, never dropped or resolved through the prototype (issue 10)', () => {
  const runbook = { runbookId: 'X', inputs: { a: { type: 'string', required: false } }, source: { file: 'x.yaml' } } as unknown as Parameters<
    typeof resolveParams
  >[0];
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
    const raw = parseInputFlags([`${name}=x`]);
    assert.deepEqual(Object.keys(raw), [name]);
    assert.throws(
      () => resolveParams(runbook, raw),
      (err: unknown) =>
        err instanceof PcqErrors && err.issues.length === 1 && err.issues[0]!.code === 'PCQ_INPUT_UNKNOWN' && err.issues[0]!.message.includes(name),
    );
  }
  assert.deepEqual(resolveParams(runbook, JSON.parse('{"a":"v"}') as Record<string, unknown>), { a: 'v' });
});
