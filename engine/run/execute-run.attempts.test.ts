// Only accepted attempts exist (issue 9): at the seam that signs (executeRun → chain → seal), an
// attempt the scheduler abandoned writes nothing the run keeps, and deterministic failures of real
// step kinds are attempted once while transient ones are retried with backoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executeRun, type RunOutcome, type RunPorts } from './execute-run.ts';
import { planRunbook } from '../plan/plan.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { TableGraphStore, testRunbook, testStep } from '../testing/step-test-kit.ts';
import { createCelEngine } from '../runtime/cel.ts';
import { systemClock } from '../runtime/clock.ts';
import { generateKeyPair, signerFromSecret } from '../runtime/keys.ts';
import { parsePolicySet } from '../runtime/policy-set.ts';
import { stepKinds as realKinds } from '../steps/registry.ts';
import { runProver } from '../provers/registry.ts';
import { openKuzuStore } from '../graph/kuzu-store.ts';
import { PcqError } from '../base/errors.ts';
import type { GraphStore } from '../base/graph-store.ts';
import type { Effect, Recording } from '../base/step-ports.ts';
import type { StepKind } from '../steps/step-kind.ts';
import type { Runbook, Step } from '../model/runbook.ts';
import type { Manifest } from '../base/signed-records.ts';
import { authorizationRecord } from '../proof/authorization.ts';

const T = { timeout: 20_000 };
const signer = signerFromSecret(generateKeyPair().secret, 'test');

function ports(clock: FakeClock, kinds: StepKind[], graph: GraphStore = new TableGraphStore({})): RunPorts {
  return {
    clock,
    signer,
    graph,
    cel: createCelEngine(),
    http: {
      call: async () => {
        throw new Error('no HTTP in this test');
      },
    },
    notifier: {
      send: async () => {
        throw new Error('no notifier in this test');
      },
    },
    policies: parsePolicySet({}),
    stepKinds: new Map([...realKinds, ...kinds.map((k) => [k.type, k] as const)]),
    runProver,
  };
}

/** The runner authorization the run's signer would have been granted (signed into the manifest). */
const authorized = (p: RunPorts) =>
  authorizationRecord(
    { name: 'test-runner', publicKey: p.signer.keyid, roles: ['runner'], status: 'active', validFrom: null, validUntil: null, source: 'policies/trust.yaml' },
    '2026-01-05T00:00:00Z',
    'dev',
  );

/** Runs executeRun on the fake clock, firing timers until the run settles. */
async function drive(runbook: Runbook, p: RunPorts, clock: FakeClock): Promise<RunOutcome> {
  let done = false;
  const run = executeRun(
    {
      runbook,
      plan: planRunbook(runbook),
      params: {},
      asOf: '2026-01-05T00:00:00Z',
      actor: 'local:test',
      executionId: 'x-1',
      concurrency: 2,
      authorization: authorized(p),
    },
    p,
  ).finally(() => {
    done = true;
  });
  for (let i = 0; i < 10_000 && !done; i++) {
    await new Promise((r) => setImmediate(r));
    if (!done && !(await clock.advanceToNext())) await new Promise((r) => setTimeout(r, 1));
  }
  return run;
}

const signedOutputs = (manifest: Manifest, stepId: string): unknown => {
  const step = manifest.steps.find((s) => s.stepId === stepId)!;
  return (JSON.parse(Buffer.from(step.attestation.payload, 'base64').toString('utf8')) as { predicate: { outputs: unknown } }).predicate.outputs;
};

const rec = (n: number): Recording => ({
  connector: 'c',
  request: { method: 'GET', url: `https://x/${n}` },
  response: { status: 200, body: n },
  key: `sha256:${String(n).repeat(64)}`,
});
const eff = (n: number): Effect => ({ channel: 'outbox', target: `t${n}`, digest: `sha256:${String(n).repeat(64)}`, message: { n } });

test('a timed-out attempt that resolves late is never signed, stored or seen downstream', T, async () => {
  const clock = new FakeClock();
  // Attempt 1 ignores its signal and finishes at t=1500, after its 1000 ms timeout but while
  // attempt 2 (started at 1100 after a 100 ms backoff) is still running until t=2000.
  const flaky: StepKind = {
    type: 'flaky',
    check: () => [],
    async run(ctx) {
      const n = ctx.attempt;
      const first = await ctx.ports.artifacts.write(n === 1 ? 'late.txt' : 'report.txt', new TextEncoder().encode(`attempt ${n}`), 'text/plain');
      await clock.sleep(n === 1 ? 1500 : 900);
      // The late attempt's write is refused (its attempt was abandoned); the step goes on anyway.
      const second = await ctx.ports.artifacts.write(`after-${n}.txt`, new TextEncoder().encode(`attempt ${n}`), 'text/plain').catch(() => undefined);
      return { output: { attempt: n }, artifacts: second ? [second, first] : [first], recordings: [rec(n)], effects: [eff(n)] };
    },
  };
  const echo: StepKind = { type: 'echo', check: () => [], run: async (ctx) => ({ output: { saw: ctx.upstream['s'] } }) };
  const s: Step = { ...testStep('s', 'flaky', {}), timeoutMs: 1000, retry: { attempts: 3, backoffMs: [100] } };
  const runbook = testRunbook([s, testStep('t', 'echo', {}, ['s'])]);
  const outcome = await drive(runbook, ports(clock, [flaky, echo]), clock);
  await clock.runAll(); // let anything still pending (nothing should be) finish

  assert.equal(outcome.status, 'succeeded', JSON.stringify(outcome.steps));
  assert.deepEqual(
    outcome.steps.map((x) => [x.stepId, x.status, x.attempts]),
    [
      ['s', 'succeeded', 2],
      ['t', 'succeeded', 1],
    ],
  );
  assert.deepEqual(signedOutputs(outcome.manifest, 's'), { attempt: 2 }, "the signed output is the accepted attempt's");
  assert.deepEqual(outcome.records.find((r) => r.stepId === 's')!.outputs, { attempt: 2 });
  assert.deepEqual(outcome.outputs, { s: { attempt: 2 }, t: { saw: { attempt: 2 } } });
  assert.deepEqual(signedOutputs(outcome.manifest, 't'), { saw: { attempt: 2 } }, 'downstream saw the accepted output');
  assert.deepEqual(
    outcome.artifacts.map((a) => [a.name, new TextDecoder().decode(a.bytes)]),
    [
      ['after-2.txt', 'attempt 2'],
      ['report.txt', 'attempt 2'],
    ],
  );
  assert.deepEqual(
    outcome.records.find((r) => r.stepId === 's')!.artifacts.map((a) => a.name),
    ['after-2.txt', 'report.txt'],
  );
  assert.deepEqual(
    outcome.recordings.map((r) => r.key),
    [rec(2).key],
  );
  assert.deepEqual(
    outcome.effects.map((e) => e.target),
    ['t2'],
  );
});

test('a final attempt that times out leaves its step failed with nothing from it recorded', T, async () => {
  const clock = new FakeClock();
  const slow: StepKind = {
    type: 'slow',
    check: () => [],
    async run(ctx) {
      await ctx.ports.artifacts.write('late.txt', new Uint8Array([1]), 'text/plain');
      await clock.sleep(5000);
      return { output: 'late', recordings: [rec(1)], effects: [eff(1)] };
    },
  };
  const s: Step = { ...testStep('s', 'slow', {}), timeoutMs: 1000, retry: { attempts: 1, backoffMs: [] } };
  const outcome = await drive(testRunbook([s]), ports(clock, [slow]), clock);
  await clock.runAll();
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.steps[0]!.error?.code, 'PCQ_STEP_TIMEOUT');
  assert.equal(signedOutputs(outcome.manifest, 's'), null);
  assert.deepEqual([outcome.artifacts, outcome.recordings, outcome.effects, outcome.outputs], [[], [], [], {}]);
});

/** One real step kind failing deterministically: attempted once, no backoff asked for. */
async function attemptedOnce(step: Step, code: string, graph?: GraphStore, upstream?: Step): Promise<void> {
  const clock = new FakeClock();
  if (graph && !(graph instanceof TableGraphStore)) return attemptedOnceOnRealTime(step, code, graph);
  const steps = upstream ? [upstream, step] : [step];
  const outcome = await drive(testRunbook(steps), ports(clock, [], graph), clock);
  const summary = outcome.steps.find((x) => x.stepId === step.stepId)!;
  assert.equal(summary.status, 'failed');
  assert.equal(summary.error?.code, code);
  assert.equal(summary.attempts, 1, `${code} was attempted ${summary.attempts} times`);
  assert.ok(!clock.requestedDelays.includes(2000), `${code}: no backoff was waited for`);
}

/** For a real database: its I/O is not on the fake clock, so the run uses the system clock. */
async function attemptedOnceOnRealTime(step: Step, code: string, graph: GraphStore): Promise<void> {
  const p = { ...ports(new FakeClock(), [], graph), clock: systemClock };
  const outcome = await executeRun(
    {
      runbook: testRunbook([step]),
      plan: planRunbook(testRunbook([step])),
      params: {},
      asOf: '2026-01-05T00:00:00Z',
      actor: 'local:test',
      executionId: 'x-1',
      concurrency: 1,
      authorization: authorized(p),
    },
    p,
  );
  const summary = outcome.steps[0]!;
  assert.deepEqual([summary.status, summary.error?.code, summary.attempts], ['failed', code, 1]);
}

test('a CEL evaluation error is attempted once (transform)', T, async () => {
  const rows: Step = testStep('rows', 'query', { cypher: 'MATCH (n) RETURN n.x AS x' });
  const graph = new TableGraphStore({ 'MATCH (n) RETURN n.x AS x': [{ x: 'text' }] });
  await attemptedOnce(testStep('map', 'transform', { map: { y: 'row.x / 2.0' } }, ['rows']), 'PCQ_CEL_EVAL', graph, rows);
});

test('a bad step input is attempted once (mutation over something that is not a list)', T, async () => {
  const one: Step = testStep('one', 'aggregate', { from: 'rows', metrics: { n: { op: 'count' } } }, ['rows']);
  const rows: Step = testStep('rows', 'query', { cypher: 'MATCH (n) RETURN n' });
  const graph = new TableGraphStore({ 'MATCH (n) RETURN n': [{ n: 1 }] });
  const clock = new FakeClock();
  const mutate = testStep('mutate', 'mutation', { cypher: 'MATCH (n) SET n.y = $n' }, ['one']);
  const outcome = await drive(testRunbook([rows, one, mutate]), ports(clock, [], graph), clock);
  const summary = outcome.steps.find((x) => x.stepId === 'mutate')!;
  assert.deepEqual([summary.status, summary.error?.code, summary.attempts], ['failed', 'PCQ_STEP_INPUT', 1]);
});

test('a Cypher error from the embedded database is attempted once', T, async () => {
  const graph = await openKuzuStore();
  try {
    await attemptedOnce(testStep('q', 'query', { cypher: 'MATCH (n:NoSuchTable) RETURN n' }), 'PCQ_CYPHER', graph);
  } finally {
    await graph.close();
  }
});

test('a transient failure is retried after the documented backoff, and the retry is what is signed', T, async () => {
  const clock = new FakeClock();
  const startedAt: number[] = [];
  const wobbly: StepKind = {
    type: 'wobbly',
    check: () => [],
    async run(ctx) {
      startedAt.push(clock.now());
      if (ctx.attempt < 3) throw new PcqError({ code: 'PCQ_HTTP_UNREACHABLE', message: `down (attempt ${ctx.attempt})` });
      return { output: { attempt: ctx.attempt } };
    },
  };
  const outcome = await drive(testRunbook([testStep('w', 'wobbly', {})]), ports(clock, [wobbly]), clock);
  assert.deepEqual(startedAt, [0, 2000, 6000], 'default backoff 2 s then 4 s');
  assert.equal(outcome.steps[0]!.attempts, 3);
  assert.deepEqual(signedOutputs(outcome.manifest, 'w'), { attempt: 3 });
});
