import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schedule, type ScheduleNode, type SchedulerEvent, type StepContext } from './scheduler.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { PcqError } from '../base/errors.ts';
import { systemClock } from '../runtime/clock.ts';
import { sparseDag } from '../testing/random-dag.ts';

const T = { timeout: 10_000 };

/** A run whose steps take `durations[id]` ms of fake time and may fail per `failures`. */
function harness(clock: FakeClock, durations: Record<string, number> = {}, fail: (id: string, attempt: number) => unknown = () => undefined) {
  const log: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const calls: Array<{ id: string; attempt: number; at: number }> = [];
  const run = async (id: string, ctx: StepContext): Promise<string> => {
    calls.push({ id, attempt: ctx.attempt, at: clock.now() });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    log.push(`start ${id}#${ctx.attempt}@${clock.now()}`);
    try {
      await clock.sleep(durations[id] ?? 10, ctx.signal);
      const err = fail(id, ctx.attempt);
      if (err !== undefined) throw err;
      log.push(`end ${id}@${clock.now()}`);
      return `value-${id}`;
    } finally {
      inFlight--;
    }
  };
  return { run, log, calls, max: () => maxInFlight };
}

async function drive<R>(clock: FakeClock, p: Promise<R>): Promise<R> {
  await clock.runAll();
  return p;
}

const roots = (ids: string[], extra: Partial<ScheduleNode> = {}): ScheduleNode[] => ids.map((id) => ({ id, needs: [], ...extra }));

test('never runs more than `concurrency` steps at once, and uses all of it', T, async () => {
  const clock = new FakeClock();
  const h = harness(clock, Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`s${i}`, 100])));
  const result = await drive(clock, schedule({ nodes: roots(Array.from({ length: 10 }, (_, i) => `s${i}`)), concurrency: 3, clock, run: h.run }));
  assert.equal(result.ok, true);
  assert.equal(h.max(), 3);
  assert.equal(result.durationMs, 400); // ceil(10 / 3) waves of 100 ms
  assert.deepEqual(
    result.results.map((r) => r.value),
    Array.from({ length: 10 }, (_, i) => `value-s${i}`),
  );
});

test('parallel branches overlap and the join waits for both', T, async () => {
  const clock = new FakeClock();
  const h = harness(clock, { a: 10, b: 300, c: 200, d: 10 });
  const nodes: ScheduleNode[] = [
    { id: 'a', needs: [] },
    { id: 'b', needs: ['a'] },
    { id: 'c', needs: ['a'] },
    { id: 'd', needs: ['b', 'c'] },
  ];
  const r = await drive(clock, schedule({ nodes, concurrency: 4, clock, run: h.run }));
  assert.equal(h.max(), 2);
  const b = r.byId.get('b')!;
  const c = r.byId.get('c')!;
  assert.equal(b.startedAt, 10);
  assert.equal(c.startedAt, 10);
  assert.ok(c.startedAt! < b.finishedAt! && b.startedAt! < c.finishedAt!, 'b and c overlap');
  assert.equal(r.byId.get('d')!.startedAt, 310);
  assert.equal(r.durationMs, 320);
});

test('ready steps start in topological-order position, identically on every run', T, async () => {
  const nodes: ScheduleNode[] = [
    { id: 'root', needs: [] },
    { id: 'z', needs: ['root'] },
    { id: 'a', needs: ['root'] },
    { id: 'm', needs: ['root'] },
    { id: 'b', needs: ['z', 'a'] },
    { id: 'k', needs: [] },
  ];
  const once = async (): Promise<string[]> => {
    const clock = new FakeClock();
    const h = harness(clock, { root: 5, z: 30, a: 10, m: 20, b: 5, k: 50 });
    await drive(clock, schedule({ nodes, concurrency: 2, clock, run: h.run }));
    return h.log;
  };
  const first = await once();
  assert.deepEqual(
    first.filter((l) => l.startsWith('start')),
    [
      'start root#1@0',
      'start k#1@0', // k is ready at once; position decides, not id
      // at 45 both m and b are ready: m (position 3) goes before b (position 4)
      'start z#1@5',
      'start a#1@35',
      'start m#1@45',
      'start b#1@50',
    ],
  );
  assert.deepEqual(await once(), first);
});

test('retries wait exactly 2000 then 4000 ms by default and fail after 3 attempts', T, async () => {
  const clock = new FakeClock();
  const events: SchedulerEvent[] = [];
  const h = harness(clock, { flaky: 0 }, () => new PcqError({ code: 'PCQ_HTTP_UNREACHABLE', message: 'upstream unavailable' }));
  const r = await drive(clock, schedule({ nodes: roots(['flaky']), concurrency: 1, clock, run: h.run, onEvent: (e) => events.push(e) }));
  assert.deepEqual(
    h.calls.map((c) => [c.attempt, c.at]),
    [
      [1, 0],
      [2, 2000],
      [3, 6000],
    ],
  );
  assert.deepEqual(
    events.filter((e) => e.type === 'step-retried').map((e) => e.type === 'step-retried' && e.delayMs),
    [2000, 4000],
  );
  const result = r.byId.get('flaky')!;
  assert.equal(result.status, 'failed');
  assert.equal(result.attempts, 3);
  assert.equal(result.error?.code, 'PCQ_HTTP_UNREACHABLE');
  assert.equal(result.durationMs, 6000);
  const failed = events.at(-1)!;
  assert.equal(failed.type, 'step-failed');
  assert.equal(failed.type === 'step-failed' && failed.attempts, 3);
});

test('the last backoff value repeats when attempts outnumber it', T, async () => {
  const clock = new FakeClock();
  const h = harness(clock, { s: 0 }, () => Object.assign(new Error('nope'), { code: 'ECONNRESET' }));
  await drive(clock, schedule({ nodes: roots(['s'], { retry: { attempts: 5, backoffMs: [1000, 3000] } }), concurrency: 1, clock, run: h.run }));
  assert.deepEqual(
    h.calls.map((c) => c.at),
    [0, 1000, 4000, 7000, 10000],
  );
});

test('a step that fails once and then succeeds ends succeeded on attempt 2', T, async () => {
  const clock = new FakeClock();
  const h = harness(clock, { s: 50 }, (_id, attempt) => (attempt === 1 ? Object.assign(new Error('transient'), { code: 'ETIMEDOUT' }) : undefined));
  const r = await drive(clock, schedule({ nodes: roots(['s']), concurrency: 1, clock, run: h.run }));
  assert.deepEqual(r.byId.get('s'), { id: 's', status: 'succeeded', value: 'value-s', attempts: 2, startedAt: 0, finishedAt: 2100, durationMs: 2100 });
  assert.equal(r.ok, true);
});

test('a timeout aborts the step signal with PCQ_STEP_TIMEOUT and counts as a failed attempt', T, async () => {
  const clock = new FakeClock();
  const reasons: unknown[] = [];
  const run = (_id: string, ctx: StepContext): Promise<never> =>
    new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        reasons.push(ctx.signal.reason);
        reject(ctx.signal.reason);
      });
    });
  const r = await drive(clock, schedule({ nodes: roots(['slow'], { timeoutMs: 500, retry: { attempts: 2, backoffMs: [100] } }), concurrency: 1, clock, run }));
  assert.equal(reasons.length, 2);
  for (const reason of reasons) assert.equal((reason as PcqError).code, 'PCQ_STEP_TIMEOUT');
  const s = r.byId.get('slow')!;
  assert.equal(s.status, 'failed');
  assert.equal(s.attempts, 2);
  assert.equal(s.error?.code, 'PCQ_STEP_TIMEOUT');
  assert.match(s.error!.message, /timed out after 500 ms \(attempt 2\)/);
  assert.equal(s.finishedAt, 1100); // 500 + 100 backoff + 500
});

test('a step that ignores its signal still fails at its timeout; its late value is ignored', T, async () => {
  const clock = new FakeClock();
  const run = (): Promise<string> => clock.sleep(10_000).then(() => 'late');
  const r = await drive(clock, schedule({ nodes: roots(['deaf'], { timeoutMs: 1000, retry: { attempts: 1, backoffMs: [] } }), concurrency: 1, clock, run }));
  assert.equal(r.byId.get('deaf')!.status, 'failed');
  assert.equal(r.byId.get('deaf')!.finishedAt, 1000);
  assert.equal(r.byId.get('deaf')!.value, undefined);
});

test('fail-fast: running steps finish, downstream and unstarted steps are skipped', T, async () => {
  const clock = new FakeClock();
  const nodes: ScheduleNode[] = [
    { id: 'a', needs: [] },
    { id: 'b', needs: [] },
    { id: 'c', needs: ['a'] },
    { id: 'd', needs: ['c'] },
    { id: 'e', needs: [] },
  ];
  const events: SchedulerEvent[] = [];
  const h = harness(clock, { a: 10, b: 500, e: 10 }, (id) => (id === 'a' ? new Error('bad data') : undefined));
  const r = await drive(clock, schedule({ nodes, concurrency: 2, clock, run: h.run, onEvent: (e) => events.push(e) }));
  assert.equal(r.ok, false);
  const summary = r.results.map((x) => [x.id, x.status, x.skipReason ?? '', x.blockedBy ?? '']);
  assert.deepEqual(summary, [
    ['a', 'failed', '', ''],
    ['b', 'succeeded', '', ''],
    ['c', 'skipped', 'dependency-failed', 'a'],
    ['d', 'skipped', 'dependency-failed', 'a'],
    ['e', 'skipped', 'fail-fast', ''],
  ]);
  assert.equal(r.byId.get('b')!.finishedAt, 500, 'the running step was left to finish');
  assert.deepEqual(
    h.calls.map((c) => c.id),
    ['a', 'b'],
  );
  assert.deepEqual(
    events.filter((e) => e.type === 'step-skipped').map((e) => e.id),
    ['c', 'd', 'e'],
  );
  assert.equal(r.byId.get('a')!.error?.code, 'PCQ_STEP_FAILED');
  assert.equal((r.byId.get('a')!.thrown as Error).message, 'bad data');
});

test('non-retryable failures fail at once: uncoded errors, verdict codes, custom shouldRetry', T, async () => {
  for (const [err, shouldRetry] of [
    [new Error('x'), undefined],
    [new PcqError({ code: 'PCQ_ASSERTION_FAILED', message: 'completeness 0.8 < 0.95' }), undefined],
    [new PcqError({ code: 'PCQ_HTTP_UNREACHABLE', message: 'quota' }), (e: unknown) => !(e instanceof Error && e.message === 'quota')],
  ] as const) {
    const clock = new FakeClock();
    const h = harness(clock, { s: 1 }, () => err);
    const r = await drive(clock, schedule({ nodes: roots(['s']), concurrency: 1, clock, run: h.run, ...(shouldRetry ? { shouldRetry } : {}) }));
    assert.equal(r.byId.get('s')!.attempts, 1);
    assert.equal(r.byId.get('s')!.status, 'failed');
  }
});

test('an external abort aborts running steps, cancels pending retries and skips the rest', T, async () => {
  const clock = new FakeClock();
  const controller = new AbortController();
  const seen: unknown[] = [];
  const nodes: ScheduleNode[] = [
    { id: 'long', needs: [] },
    { id: 'flaky', needs: [] },
    { id: 'later', needs: [] },
  ];
  const run = async (id: string, ctx: StepContext): Promise<string> => {
    if (id === 'flaky') throw new PcqError({ code: 'PCQ_HTTP_UNREACHABLE', message: 'try again' });
    try {
      await clock.sleep(5000, ctx.signal);
    } catch (err) {
      seen.push(err);
      throw err;
    }
    return id;
  };
  const p = schedule({ nodes, concurrency: 2, clock, run, signal: controller.signal });
  await clock.advance(1000); // flaky is now waiting for its 2 s backoff
  controller.abort(new Error('operator pressed stop'));
  const r = await drive(clock, p);
  assert.equal(r.aborted, true);
  assert.equal((seen[0] as PcqError).code, 'PCQ_RUN_ABORTED');
  assert.deepEqual(
    r.results.map((x) => [x.id, x.status, x.attempts, x.error?.code ?? x.skipReason]),
    [
      ['long', 'failed', 1, 'PCQ_RUN_ABORTED'],
      ['flaky', 'failed', 1, 'PCQ_RUN_ABORTED'],
      ['later', 'skipped', 0, 'aborted'],
    ],
  );
  assert.equal(r.finishedAt, 1000);
  assert.equal(clock.pendingCount, 0, 'no timer left behind');
});

test('an already-aborted signal runs nothing', T, async () => {
  const clock = new FakeClock();
  let calls = 0;
  const r = await schedule({ nodes: roots(['a', 'b']), concurrency: 2, clock, run: async () => ++calls, signal: AbortSignal.abort() });
  assert.equal(calls, 0);
  assert.deepEqual(
    r.results.map((x) => x.skipReason),
    ['aborted', 'aborted'],
  );
});

test('malformed input is a coded error', T, () => {
  const clock = new FakeClock();
  const run = async (): Promise<void> => {};
  const cases: Array<[ScheduleNode[], number, RegExp]> = [
    [[{ id: 'a', needs: ['ghost'] }], 1, /needs "ghost", which is not a node/],
    [
      [
        { id: 'a', needs: ['b'] },
        { id: 'b', needs: [] },
      ],
      1,
      /comes after it/,
    ],
    [
      [
        { id: 'a', needs: [] },
        { id: 'a', needs: [] },
      ],
      1,
      /appears twice/,
    ],
    [[{ id: 'a', needs: [] }], 0, /concurrency must be at least 1/],
  ];
  for (const [nodes, concurrency, message] of cases) {
    assert.throws(
      () => schedule({ nodes, concurrency, clock, run }),
      (err: unknown) => err instanceof PcqError && err.code === 'PCQ_SCHEDULE_INVALID' && message.test(err.message),
    );
  }
});

test('a listener that throws does not change the outcome; an empty DAG succeeds', T, async () => {
  const clock = new FakeClock();
  const h = harness(clock);
  const r = await drive(
    clock,
    schedule({
      nodes: roots(['a', 'b']),
      concurrency: 1,
      clock,
      run: h.run,
      onEvent: () => {
        throw new Error('renderer bug');
      },
    }),
  );
  assert.equal(r.ok, true);
  const empty = await schedule({ nodes: [], concurrency: 1, clock, run: h.run });
  assert.equal(empty.ok, true);
  assert.equal(empty.results.length, 0);
});

test('a step that throws synchronously is a failed attempt, not a crash', T, async () => {
  const clock = new FakeClock();
  const run = (): Promise<never> => {
    throw new PcqError({ code: 'PCQ_CEL_EVAL', message: 'no such field' });
  };
  const r = await drive(clock, schedule({ nodes: roots(['s']), concurrency: 1, clock, run }));
  assert.equal(r.byId.get('s')!.error?.code, 'PCQ_CEL_EVAL');
  assert.equal(r.byId.get('s')!.attempts, 1); // PCQ_CEL_EVAL is a verdict, not a hiccup
});

test('10,000 steps on the real clock: each runs once, after its needs, and no timer is left armed', T, async () => {
  const nodes = sparseDag(10_000, 'abcd');
  const done = new Set<string>();
  const run = async (id: string): Promise<void> => {
    const node = nodes[Number(id.slice(1))]!;
    for (const need of node.needs) assert.ok(done.has(need));
    assert.ok(!done.has(id));
    done.add(id);
  };
  const r = await schedule({ nodes, concurrency: 8, clock: systemClock, run });
  assert.equal(r.ok, true);
  assert.equal(done.size, 10_000);
  // Armed per-step timeouts (60 s) would keep the process alive; all must have been cleared.
  const handles = (process as unknown as { getActiveResourcesInfo(): string[] }).getActiveResourcesInfo().filter((h) => h === 'Timeout');
  assert.ok(handles.length < 5, `${handles.length} timers still armed`);
});
