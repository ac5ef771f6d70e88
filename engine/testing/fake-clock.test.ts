import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from './fake-clock.ts';

test('sleeps resolve only when time is advanced past them, in due order', async () => {
  const clock = new FakeClock(100);
  const fired: string[] = [];
  void clock.sleep(30).then(() => fired.push(`b@${clock.now()}`));
  void clock.sleep(10).then(() => fired.push(`a@${clock.now()}`));
  void clock.sleep(30).then(() => fired.push(`c@${clock.now()}`));
  assert.deepEqual(
    clock.pending().map((t) => [t.dueAt, t.delayMs]),
    [
      [110, 10],
      [130, 30],
      [130, 30],
    ],
  );
  await clock.advance(9);
  assert.deepEqual(fired, []);
  await clock.advance(21);
  assert.deepEqual(fired, ['a@110', 'b@130', 'c@130']);
  assert.equal(clock.now(), 130);
  assert.equal(clock.pendingCount, 0);
});

test('timers scheduled by a firing timer inside the window fire in the same advance', async () => {
  const clock = new FakeClock();
  const at: number[] = [];
  void (async () => {
    for (let i = 0; i < 3; i++) {
      await clock.sleep(2000 * 2 ** i);
      at.push(clock.now());
    }
  })();
  await clock.advance(6000);
  assert.deepEqual(at, [2000, 6000]);
  await clock.runAll();
  assert.deepEqual(at, [2000, 6000, 14000]);
  assert.deepEqual(clock.requestedDelays, [2000, 4000, 8000]);
});

test('an aborted sleep rejects with the signal reason and leaves no timer', async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  const sleeping = clock.sleep(1000, controller.signal);
  assert.equal(clock.pendingCount, 1);
  controller.abort(new Error('stop'));
  await assert.rejects(sleeping, /stop/);
  assert.equal(clock.pendingCount, 0);
  await assert.rejects(clock.sleep(5, AbortSignal.abort(new Error('already'))), /already/);
});

test('cancelled timers never fire; runAll stops a timer loop that never ends', async () => {
  const clock = new FakeClock();
  let fired = 0;
  const cancel = clock.setTimer(10, () => fired++);
  cancel();
  await clock.runAll();
  assert.equal(fired, 0);
  const again = (): void => {
    clock.setTimer(1, again);
  };
  again();
  await assert.rejects(clock.runAll(50), /still 1 timer\(s\) pending after 50 firings/);
  await assert.rejects(clock.advance(-1), RangeError);
});
