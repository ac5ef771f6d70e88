import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from './clock.ts';
import { PcqError } from '../base/errors.ts';

test('the system clock is monotonic and its sleep waits at least the time asked', async () => {
  const t0 = systemClock.now();
  await systemClock.sleep(15);
  const elapsed = systemClock.now() - t0;
  assert.ok(elapsed >= 14, `slept ${elapsed} ms`);
});

test('an aborted real sleep rejects with the reason at once and clears its timer', async () => {
  const controller = new AbortController();
  const t0 = systemClock.now();
  const sleeping = systemClock.sleep(60_000, controller.signal);
  setTimeout(() => controller.abort(new Error('cancelled by test')), 5);
  await assert.rejects(sleeping, /cancelled by test/);
  assert.ok(systemClock.now() - t0 < 1000);
  // No reason given: a coded PCQ_ABORTED-like reason is still a proper error value.
  await assert.rejects(systemClock.sleep(10, AbortSignal.abort()), (err: unknown) => err instanceof Error);
  await assert.rejects(
    systemClock.sleep(10, AbortSignal.abort(new PcqError({ code: 'PCQ_RUN_ABORTED', message: 'x' }))),
    (err: unknown) => err instanceof PcqError && err.code === 'PCQ_RUN_ABORTED',
  );
});

test('a cancelled real timer never fires', async () => {
  let fired = false;
  const cancel = systemClock.setTimer(5, () => {
    fired = true;
  });
  cancel();
  await systemClock.sleep(20);
  assert.equal(fired, false);
});
