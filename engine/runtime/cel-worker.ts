// The thread that evaluates a run's CEL (cel-sandbox.ts starts it): a bomb such as a list of 100M
// elements or nested `'ab'.replace('', 'aaaaaaaa')` runs here, under V8 heap limits
// (resourceLimits) and a deadline after which the calling thread terminates it, never in the
// thread that schedules steps. Protocol on the port from workerData: {expr, vars, keep} in,
// {ok, value} or {ok: false, issue} out, then the shared flag is set and notified. `keep` names
// the vars the caller did not resend because they are the same objects as last time (steps,
// params): the thread keeps its copy, so a mutation of 1,000 rows does not clone every output 1,000 times.
import { workerData, type MessagePort } from 'node:worker_threads';
import { createCelEngine } from './cel.ts';
import { PcqError, toIssues } from '../base/errors.ts';
import { OutputTable, prefixView } from '../base/step-outputs.ts';
import type { StepsDelta } from './cel-sandbox.ts';

const { flag, port } = workerData as { flag: SharedArrayBuffer; port: MessagePort };
const done = new Int32Array(flag);
const cel = createCelEngine();
const kept: Record<string, unknown> = {};
// The caller's output table, mirrored: each output crosses once, then views are prefixes of it.
let mirror = new OutputTable();

// Ready: the caller waits for this (its own budget) before it starts timing an evaluation.
Atomics.store(done, 1, 1);
Atomics.notify(done, 1);

port.on('message', (m: { expr: string; vars: Record<string, unknown>; keep: string[]; steps?: StepsDelta }) => {
  let reply: unknown;
  try {
    for (const [name, value] of Object.entries(m.vars)) kept[name] = value;
    const vars: Record<string, unknown> = { ...m.vars };
    for (const name of m.keep) vars[name] = kept[name];
    if (m.steps) {
      if (m.steps.reset) mirror = new OutputTable();
      for (const [stepId, value] of m.steps.added) mirror.set(stepId, value);
      vars.steps = kept.steps = prefixView(mirror, m.steps.count, m.steps.own);
    }
    reply = { ok: true, value: cel.evaluate(m.expr, vars) };
  } catch (err) {
    reply = { ok: false, issue: err instanceof PcqError ? err.toIssue() : toIssues(err)[0] };
  }
  try {
    port.postMessage(reply);
  } catch (err) {
    port.postMessage({ ok: false, issue: { code: 'PCQ_CEL_LIMIT', message: `the CEL result could not be returned: ${(err as Error).message}` } });
  }
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
});
