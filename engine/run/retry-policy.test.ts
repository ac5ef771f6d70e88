import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backoffDelay, isRetryable } from './retry-policy.ts';
import { ReadyHeap } from './ready-heap.ts';
import { DEFAULT_RETRY } from '../model/runbook.ts';
import { PcqError } from '../base/errors.ts';

test('backoff: 2 s, 4 s, 8 s by default, the last value repeating, never negative', () => {
  assert.deepEqual([1, 2, 3, 4, 9].map((n) => backoffDelay(DEFAULT_RETRY, n)), [2000, 4000, 8000, 8000, 8000]);
  assert.equal(backoffDelay({ attempts: 3, backoffMs: [] }, 1), 0);
  assert.equal(backoffDelay({ attempts: 3, backoffMs: [-5] }, 1), 0);
});

test('retryable unless marked otherwise or coded as a verdict', () => {
  assert.equal(isRetryable(new Error('ECONNRESET')), true);
  assert.equal(isRetryable('a string'), true);
  assert.equal(isRetryable(new PcqError({ code: 'PCQ_STEP_TIMEOUT', message: 't' })), true);
  assert.equal(isRetryable(new PcqError({ code: 'PCQ_ASSERTION_FAILED', message: 'a' })), false);
  assert.equal(isRetryable(Object.assign(new PcqError({ code: 'PCQ_ASSERTION_FAILED', message: 'a' }), { retryable: true })), true);
  assert.equal(isRetryable({ retryable: false }), false);
});

test('the ready heap pops in ascending order, whatever the pushes, and grows', () => {
  fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 300 }), (values) => {
    const heap = new ReadyHeap(1);
    for (const v of values) heap.push(v);
    const out: number[] = [];
    while (heap.size > 0) out.push(heap.pop());
    assert.deepEqual(out, [...values].sort((a, b) => a - b));
    assert.equal(heap.pop(), -1);
  }));
});
