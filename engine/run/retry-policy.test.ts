import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backoffDelay, isRetryable } from './retry-policy.ts';
import { ReadyHeap } from './ready-heap.ts';
import { DEFAULT_RETRY } from '../model/runbook.ts';
import { PcqError, PcqErrors, type PcqCode } from '../base/errors.ts';

test('backoff: 2 s, 4 s, 8 s by default, the last value repeating, never negative', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 9].map((n) => backoffDelay(DEFAULT_RETRY, n)),
    [2000, 4000, 8000, 8000, 8000],
  );
  assert.equal(backoffDelay({ attempts: 3, backoffMs: [] }, 1), 0);
  assert.equal(backoffDelay({ attempts: 3, backoffMs: [-5] }, 1), 0);
});

test('only transient codes are retried; deterministic and uncoded failures are attempted once', () => {
  const coded = (code: PcqCode) => new PcqError({ code, message: code });
  for (const code of ['PCQ_STEP_TIMEOUT', 'PCQ_HTTP_UNREACHABLE', 'PCQ_HTTP_TIMEOUT', 'PCQ_INDEX_LOCKED', 'PCQ_NOTIFY_UNAVAILABLE'] as const) {
    assert.equal(isRetryable(coded(code)), true, code);
  }
  for (const code of [
    'PCQ_CEL_EVAL',
    'PCQ_STEP_INPUT',
    'PCQ_CYPHER',
    'PCQ_ASSERTION_FAILED',
    'PCQ_PRECONDITION_FAILED',
    'PCQ_RUN_ABORTED',
    'PCQ_EXPORT_BLOCKED',
    'PCQ_STEP_FAILED',
  ] as const) {
    assert.equal(isRetryable(coded(code)), false, code);
  }
  // The table decides: a `retryable` flag on the thrown value changes nothing.
  assert.equal(isRetryable(Object.assign(coded('PCQ_CEL_EVAL'), { retryable: true })), false);
  assert.equal(
    isRetryable(
      new PcqErrors([
        { code: 'PCQ_INDEX_LOCKED', message: 'l' },
        { code: 'PCQ_CYPHER', message: 'c' },
      ]),
    ),
    false,
  );
  assert.equal(isRetryable(new PcqErrors([{ code: 'PCQ_INDEX_LOCKED', message: 'l' }])), true);
  // Uncoded throws are unknown, hence not retried, unless node names a transient network condition.
  assert.equal(isRetryable(new Error('boom')), false);
  assert.equal(isRetryable('a string'), false);
  assert.equal(isRetryable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })), true);
  assert.equal(isRetryable(new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'EAI_AGAIN' }) })), true);
  assert.equal(isRetryable(Object.assign(new Error('no such file'), { code: 'ENOENT' })), false);
});

test('the ready heap pops in ascending order, whatever the pushes, and grows', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 300 }), (values) => {
      const heap = new ReadyHeap(1);
      for (const v of values) heap.push(v);
      const out: number[] = [];
      while (heap.size > 0) out.push(heap.pop());
      assert.deepEqual(
        out,
        [...values].sort((a, b) => a - b),
      );
      assert.equal(heap.pop(), -1);
    }),
  );
});
