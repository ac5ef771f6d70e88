// Properties over random DAGs: a step starts only after all its needs succeeded, the concurrency
// limit holds, every node ends with exactly one status that agrees with the events, and exactly
// one attempt per node is accepted (never one that timed out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PcqError } from '../base/errors.ts';
import { schedule, type ScheduleNode, type SchedulerEvent, type StepContext } from './scheduler.ts';
import { FakeClock } from '../testing/fake-clock.ts';

interface Plan {
  needs: number[][]; // needs[i] ⊆ [0, i)
  durations: number[];
  failures: number[]; // attempts that fail before success; >= attempts means a final failure
  concurrency: number;
}

const planArb: fc.Arbitrary<Plan> = fc.integer({ min: 1, max: 20 }).chain((n) =>
  fc.record({
    needs: fc.tuple(
      ...Array.from({ length: n }, (_, i) => fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, i - 1) }), { maxLength: i === 0 ? 0 : Math.min(i, 3) })),
    ),
    durations: fc.array(fc.integer({ min: 0, max: 50 }), { minLength: n, maxLength: n }),
    failures: fc.array(fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 3 })), { minLength: n, maxLength: n }),
    concurrency: fc.integer({ min: 1, max: 5 }),
  }),
);

test('random DAGs: needs succeed before a start, limit holds, one status per node', { timeout: 60_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(planArb, async (plan) => {
      const n = plan.durations.length;
      const nodes: ScheduleNode[] = plan.needs.map((needs, i) => ({
        id: `n${i}`,
        needs: needs.map((k) => `n${k}`),
        retry: { attempts: 2, backoffMs: [7] },
        timeoutMs: 40,
      }));
      const clock = new FakeClock();
      const events: SchedulerEvent[] = [];
      const succeededAt = new Map<string, number>();
      let inFlight = 0;
      let maxInFlight = 0;
      const run = async (id: string, ctx: StepContext): Promise<number> => {
        const i = Number(id.slice(1));
        for (const need of nodes[i]!.needs) assert.ok(succeededAt.has(need), `${id} started before its need ${need} succeeded`);
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          await clock.sleep(plan.durations[i]!, ctx.signal);
          if (ctx.attempt <= plan.failures[i]!) throw new PcqError({ code: 'PCQ_HTTP_UNREACHABLE', message: `planned failure ${ctx.attempt}` });
          return i;
        } finally {
          inFlight--;
        }
      };
      const onEvent = (e: SchedulerEvent): void => {
        events.push(e);
        if (e.type === 'step-finished') succeededAt.set(e.id, e.at);
      };
      const p = schedule({ nodes, concurrency: plan.concurrency, clock, run, onEvent });
      await clock.runAll();
      const r = await p;

      assert.ok(maxInFlight <= plan.concurrency);
      assert.equal(r.results.length, n);
      for (const result of r.results) {
        const terminal = events.filter((e) => e.id === result.id && (e.type === 'step-finished' || e.type === 'step-failed' || e.type === 'step-skipped'));
        assert.equal(terminal.length, 1, `${result.id} has exactly one terminal event`);
        const expected = { 'step-finished': 'succeeded', 'step-failed': 'failed', 'step-skipped': 'skipped' }[terminal[0]!.type as 'step-finished'];
        assert.equal(result.status, expected);
        const starts = events.filter((e) => e.type === 'step-started' && e.id === result.id).length;
        assert.equal(result.attempts, starts);
      }
      // Timeouts (40 ms) fail steps of 40–50 ms; everything else follows the plan.
      const planFails = (i: number): boolean => plan.failures[i]! >= 2 || plan.durations[i]! >= 40;
      const anyFails = plan.durations.some((_, i) => planFails(i));
      assert.equal(r.ok, !anyFails);
      if (!anyFails) assert.ok(r.results.every((x) => x.status === 'succeeded' && x.value === Number(x.id.slice(1))));
      for (const result of r.results) {
        if (result.status === 'failed') assert.ok(planFails(Number(result.id.slice(1))));
      }
    }),
    { numRuns: 150 },
  );
});

test('random DAGs with deaf steps: exactly one attempt per node is accepted, never a late one, before any dependant starts', { timeout: 60_000 }, async () => {
  const lateArb = fc.integer({ min: 1, max: 12 }).chain((n) =>
    fc.record({
      needs: fc.tuple(
        ...Array.from({ length: n }, (_, i) => fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, i - 1) }), { maxLength: i === 0 ? 0 : Math.min(i, 3) })),
      ),
      // Per node and attempt: how long the attempt takes, ignoring its signal (>= 40 ms times out).
      durations: fc.array(fc.array(fc.integer({ min: 0, max: 90 }), { minLength: 3, maxLength: 3 }), { minLength: n, maxLength: n }),
      concurrency: fc.integer({ min: 1, max: 4 }),
    }),
  );
  await fc.assert(
    fc.asyncProperty(lateArb, async (plan) => {
      const nodes: ScheduleNode[] = plan.needs.map((needs, i) => ({
        id: `n${i}`,
        needs: needs.map((k) => `n${k}`),
        retry: { attempts: 3, backoffMs: [5] },
        timeoutMs: 40,
      }));
      const clock = new FakeClock();
      const log: string[] = [];
      const accepted = new Map<string, { ok: boolean; attempt: number; value?: string; abandoned?: boolean }>();
      const run = async (id: string, ctx: StepContext): Promise<string> => {
        log.push(`start ${id}`);
        await clock.sleep(plan.durations[Number(id.slice(1))]![ctx.attempt - 1]!); // deaf: no signal
        return `${id}@${ctx.attempt}`;
      };
      const p = schedule({
        nodes,
        concurrency: plan.concurrency,
        clock,
        run,
        onAccepted: (id, a) => {
          assert.ok(!accepted.has(id), `${id} accepted twice`);
          accepted.set(id, a.ok ? { ok: true, attempt: a.attempt, value: a.value } : { ok: false, attempt: a.attempt, abandoned: a.abandoned });
          log.push(`accept ${id}`);
        },
      });
      await clock.runAll();
      const r = await p;
      for (const result of r.results) {
        const a = accepted.get(result.id);
        if (result.status === 'skipped') {
          assert.equal(a, undefined);
          continue;
        }
        assert.ok(a, `${result.id} has an accepted outcome`);
        assert.equal(a.attempt, result.attempts);
        const took = plan.durations[Number(result.id.slice(1))]![a.attempt - 1]!;
        if (a.ok) {
          assert.equal(a.value, `${result.id}@${a.attempt}`, "the accepted value is the accepted attempt's");
          assert.equal(result.value, a.value);
          assert.ok(took < 40, 'a timed-out attempt is never accepted as a success');
        } else {
          assert.equal(a.abandoned, true, 'every failure here is a timeout');
        }
      }
      // A dependant starts only after its needs were accepted.
      for (const node of nodes) {
        const start = log.indexOf(`start ${node.id}`);
        if (start < 0) continue;
        for (const need of node.needs)
          assert.ok(log.indexOf(`accept ${need}`) >= 0 && log.indexOf(`accept ${need}`) < start, `${node.id} started before ${need} was accepted`);
      }
    }),
    { numRuns: 150 },
  );
});
