// CEL evaluation that can be stopped (issue 10, "every step is stoppable"). @bufbuild/cel evaluates
// synchronously and has no cost limit: a list of 100M elements aborted V8 and nested
// `'ab'.replace('', 'aaaaaaaa')` ran past 150 s in the thread that schedules steps. Here each
// evaluation runs in a worker thread (cel-worker.ts, a module file, never source text) with V8 heap
// limits, and the calling thread waits for it with Atomics.wait up to a deadline: the step's own
// (its attempt's start + `timeout`, passed by the step runner) or MAX_EVALUATION_MS. Past it, or when
// the worker dies of its heap limit, the worker is terminated and the evaluation fails with
// PCQ_CEL_LIMIT; the next evaluation starts a fresh worker. The interface stays synchronous, so
// every step kind and prover keeps calling `cel.evaluate` as before. An expression whose cost is
// bounded by its syntax (cel-bounded.ts: no comprehension, no growing function) is evaluated here
// instead: a worker round trip per trivial assertion was most of a step's cost (issue 16).
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { PcqError, type PcqIssue } from '../base/errors.ts';
import type { CelEngine, CelLimits } from '../base/step-ports.ts';
import { createCelEngine } from './cel.ts';
import { isBoundedExpression } from './cel-bounded.ts';
import { viewParts, type OutputTable } from '../base/step-outputs.ts';

declare const PCQ_CEL_WORKER: string | undefined;
const WORKER_URL = new URL(typeof PCQ_CEL_WORKER === 'string' ? PCQ_CEL_WORKER : './cel-worker.ts', import.meta.url);

/** Without a step deadline, one evaluation may take this long. */
export const MAX_EVALUATION_MS = 10_000;
/** How long a fresh worker may take to load (not counted against an evaluation's deadline). */
const STARTUP_MS = 30_000;
/** Vars that stay the same objects across many evaluations of one step: sent once, then kept. */
const KEEPABLE = ['steps', 'params'];

export interface CelSandboxOptions {
  /** The run's memory ceiling in bytes: the worker's V8 heap gets a quarter of it (at most 1 GiB). */
  memoryLimitBytes: number;
}

interface Live {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  sent: Map<string, unknown>;
  /** The run's output table the worker mirrors, and how many of its entries it holds. */
  mirror: { table: OutputTable; count: number } | undefined;
}

/**
 * `steps` as the worker rebuilds it: the table's entries it does not hold yet (the table is
 * append-only, base/step-outputs.ts), the view's prefix length and overlaid entry. Sending every
 * earlier output with every evaluation made a run of N steps clone O(N²) values (issue 16).
 */
export interface StepsDelta {
  reset: boolean;
  added: Array<[string, unknown]>;
  count: number;
  own: readonly [string, unknown] | undefined;
}

export function createCelSandbox(options: CelSandboxOptions): CelEngine & { close(): Promise<void> } {
  const local = createCelEngine(); // compile checks stay here: parsing a bounded expression is cheap
  const heapMb = Math.max(32, Math.min(1024, Math.floor(options.memoryLimitBytes / 4 / 1048576)));
  let live: Live | undefined;
  const bounded = new Map<string, boolean>(); // per expression: evaluated here (cel-bounded.ts)

  const start = (): Live => {
    const flag = new Int32Array(new SharedArrayBuffer(8)); // [0] answered, [1] ready
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WORKER_URL, {
      execArgv: [],
      workerData: { flag: flag.buffer, port: port2 },
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, heapMb >> 3)), stackSizeMb: 4 },
    });
    worker.unref();
    worker.on('error', () => undefined); // a heap-limit death: reported by the waiting evaluation
    port1.unref();
    return { worker, port: port1, flag, sent: new Map(), mirror: undefined };
  };

  // A stopped worker is replaced at once, so the next evaluation finds one loaded.
  const stop = (): void => {
    if (live) void live.worker.terminate();
    live = start();
  };
  // The first worker starts with the first expression that needs it (evaluate: `live ??= start()`):
  // a run whose expressions are all bounded (cel-bounded.ts) never pays for its isolate.

  return {
    check: (expr) => local.check(expr),
    evaluate(expr: string, vars: Record<string, unknown>, limits?: CelLimits): unknown {
      const problem = local.check(expr);
      if (problem !== undefined) return local.evaluate(expr, vars); // throws the usual PCQ_CEL_COMPILE
      let inThread = bounded.get(expr);
      if (inThread === undefined) bounded.set(expr, (inThread = isBoundedExpression(expr)));
      // Linear in what it reads, allocating no more than a small multiple of it: no worker round trip.
      if (inThread) return local.evaluate(expr, vars);
      live ??= start();
      const w = live;
      if (!waitForFlag(w.flag, 1, STARTUP_MS)) {
        stop();
        throw new PcqError({
          code: 'PCQ_CEL_LIMIT',
          message: `the CEL worker did not start within ${STARTUP_MS} ms`,
          hint: 'The machine is overloaded; run again.',
        });
      }
      const now = Date.now();
      const budget = Math.max(1, Math.min(MAX_EVALUATION_MS, (limits?.deadline ?? Infinity) - now));
      const send: Record<string, unknown> = {};
      const keep: string[] = [];
      let stepsDelta: StepsDelta | undefined;
      for (const [name, value] of Object.entries(vars)) {
        if (KEEPABLE.includes(name) && w.sent.get(name) === value && value !== null && typeof value === 'object') keep.push(name);
        else if (name === 'steps' && (stepsDelta = deltaOf(w, value)) !== undefined) continue;
        // Any other `steps` (a Proxy snapshot) cannot be cloned: its entries are.
        else send[name] = name === 'steps' ? cloneableSteps(value) : value;
      }
      Atomics.store(w.flag, 0, 0);
      w.port.postMessage(stepsDelta ? { expr, vars: send, keep, steps: stepsDelta } : { expr, vars: send, keep });
      for (const name of KEEPABLE) if (name in vars) w.sent.set(name, vars[name]);
      const answered = waitForFlag(w.flag, 0, budget);
      const reply = answered ? (receiveMessageOnPort(w.port)?.message as { ok: boolean; value?: unknown; issue?: PcqIssue } | undefined) : undefined;
      if (!reply) {
        stop();
        throw limitError(expr, Date.now() - now, heapMb);
      }
      if (!reply.ok) {
        if (reply.issue?.code === 'PCQ_CEL_LIMIT') stop();
        throw new PcqError(reply.issue ?? { code: 'PCQ_CEL_EVAL', message: `CEL expression \`${expr}\` failed` });
      }
      return reply.value;
    },
    async close() {
      const last = live;
      live = undefined;
      if (last) await last.worker.terminate();
    },
  };
}

/**
 * Waits until `flag[index]` is set, for at most `ms`; false when the time ran out. A wake-up is not
 * an answer: the worker sets the flag and then notifies, so a notify it sends for the previous
 * evaluation can land after this one has reset the flag (ECMA-262 Atomics.wait returns "ok" for
 * any notify). Taking that as an answer read an empty port and failed a healthy evaluation with
 * PCQ_CEL_LIMIT "after 1 ms" on a loaded machine, so the flag is re-read and the wait resumed.
 */
export function waitForFlag(flag: Int32Array, index: number, ms: number): boolean {
  const end = Date.now() + ms;
  for (;;) {
    if (Atomics.load(flag, index) !== 0) return true;
    const left = end - Date.now();
    if (left <= 0) return false;
    Atomics.wait(flag, index, 0, left);
  }
}

function limitError(expr: string, ms: number, heapMb: number): PcqError {
  const shown = expr.length > 200 ? `${expr.slice(0, 200)}…` : expr;
  return new PcqError({
    code: 'PCQ_CEL_LIMIT',
    message: `CEL expression \`${shown}\` was stopped after ${Math.round(ms)} ms: it passed its step's time or its ${heapMb} MiB memory budget`,
    hint: 'Bound the expression: smaller lists and strings, no nested growth (replace, repeated concatenation); or raise the step timeout / PCQ_MEMORY_LIMIT.',
    details: { elapsedMs: Math.round(ms), heapMb },
  });
}

/** The delta that brings the worker's mirror up to a view of the run's output table; advances the mirror. */
function deltaOf(w: Live, value: unknown): StepsDelta | undefined {
  const parts = viewParts(value);
  if (parts === undefined) return undefined;
  const reset = w.mirror?.table !== parts.table;
  const from = reset ? 0 : w.mirror!.count;
  const added = parts.table.entriesFrom(from);
  w.mirror = { table: parts.table, count: from + added.length };
  return { reset, added, count: parts.count, own: parts.own };
}

/**
 * `steps` arrives as a read-only view (base/step-outputs.ts: a Proxy, or its PrefixMap twin whose
 * entries live outside the Map's own storage); neither survives structured cloning, their entries do.
 */
function cloneableSteps(value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries(value);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { ...value };
  return value;
}
