// The embedded store as a run uses it: kuzu in a child process (kuzu-child.ts), so that every
// step stays stoppable (issue 10). A query kuzu cannot interrupt is stopped by ending the process:
//   - time: when the step's signal aborts (its timeout, or the run's abort), the child is killed at
//     once; the attempt has already failed with its own coded error (PCQ_STEP_TIMEOUT);
//   - memory: a watchdog reads the child's resident set (/proc/<pid>/status VmRSS) every 25 ms
//     while a request is in flight and kills it at 85 % of the run's ceiling (PCQ_MEMORY_LIMIT), long
//     before the kernel's OOM killer would pick a process of its own choosing.
// After either, the run's graph is gone: every later call fails with PCQ_GRAPH_STOPPED, so the run
// ends (fail-fast), is sealed and verifies. The child gets an empty environment: no runner secret
// or connector token is ever inside the process that executes runbook Cypher.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { PcqError, type PcqIssue } from '../base/errors.ts';
import type { DatasetLoadReport, Row } from '../base/graph-store.ts';
import type { Dataset } from '../base/dataset.ts';
import type { KuzuGraphStore } from './kuzu-store.ts';
import { assertCypherAllowed } from './cypher-guard.ts';

// The child's module file: beside this one in the source tree, or the kuzu-child.mjs that
// scripts/build.mjs writes beside every bundle file (it defines PCQ_KUZU_CHILD there).
declare const PCQ_KUZU_CHILD: string | undefined;
const CHILD_URL = new URL(typeof PCQ_KUZU_CHILD === 'string' ? PCQ_KUZU_CHILD : './kuzu-child.ts', import.meta.url);

const WATCH_MS = 25;
const STOP_FRACTION = 0.85;
const START_TIMEOUT_MS = 30_000;

export interface KuzuProcessOptions {
  /** The run's memory ceiling for the graph process, in bytes (config `memoryLimit`). */
  memoryLimitBytes: number;
}

export interface KuzuProcessStore extends KuzuGraphStore {
  /** The child's highest resident set seen by the watchdog, in bytes. */
  peakRssBytes(): number;
  readonly pid: number | undefined;
}

export async function openKuzuProcessStore(options: KuzuProcessOptions): Promise<KuzuProcessStore> {
  const file = fileURLToPath(CHILD_URL);
  const child = fork(file, [], {
    execArgv: [],
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TMPDIR: tmpdir() },
  });
  const ready = await new Promise<{ ready: boolean; dir?: string; issue?: PcqIssue }>((resolve) => {
    const timer = setTimeout(() => resolve({ ready: false }), START_TIMEOUT_MS);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve(m as { ready: boolean; dir?: string });
    });
    child.once('exit', () => {
      clearTimeout(timer);
      resolve({ ready: false });
    });
    child.once('error', () => undefined);
  });
  if (!ready.ready || ready.dir === undefined) {
    child.kill('SIGKILL');
    throw new PcqError(
      ready.issue ?? {
        code: 'PCQ_GRAPH_UNAVAILABLE',
        message: 'the embedded graph database (kuzu) did not start in its own process',
        hint: "Reinstall dependencies (`npm ci`) so kuzu's prebuilt binary is present.",
      },
    );
  }
  return new ProcessStore(child, ready.dir, options.memoryLimitBytes);
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

class ProcessStore implements KuzuProcessStore {
  readonly backend = 'kuzu';
  readonly dir: string;
  readonly #child: ChildProcess;
  readonly #limit: number;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #peak = 0;
  #watch: NodeJS.Timeout | undefined;
  #stopped: PcqError | undefined;
  #closing = false;

  constructor(child: ChildProcess, dir: string, limit: number) {
    this.#child = child;
    this.dir = dir;
    this.#limit = limit;
    child.on('message', (m) => this.#answer(m as { id: number; ok: boolean; value?: unknown; issue?: PcqIssue }));
    child.on('exit', (code, signal) => this.#exited(code, signal));
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  peakRssBytes(): number {
    return this.#peak;
  }

  query(cypher: string, params?: Record<string, unknown>, signal?: AbortSignal): Promise<Row[]> {
    assertCypherAllowed(cypher);
    return this.#request('query', [cypher, params ?? {}], signal) as Promise<Row[]>;
  }

  executeMany(cypher: string, paramSets: Array<Record<string, unknown>>, signal?: AbortSignal): Promise<number> {
    assertCypherAllowed(cypher);
    return this.#request('executeMany', [cypher, paramSets], signal) as Promise<number>;
  }

  loadDataset(dataset: Dataset): Promise<DatasetLoadReport> {
    return this.#request('loadDataset', [dataset]) as Promise<DatasetLoadReport>;
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      const exited = new Promise((resolve) => this.#child.once('exit', resolve));
      await this.#request('close', []).catch(() => undefined);
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  #request(op: string, args: unknown[], signal?: AbortSignal): Promise<unknown> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    if (this.#closing && op !== 'close')
      return Promise.reject(
        new PcqError({
          code: 'PCQ_GRAPH_CLOSED',
          message: 'the graph store was used after it was closed',
          hint: 'This is a bug in the caller: open a store per run and close it at the end.',
        }),
      );
    signal?.throwIfAborted();
    const id = ++this.#next;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const reason = signal?.reason as { code?: unknown; message?: unknown } | undefined;
        const why = typeof reason?.message === 'string' ? reason.message : 'its step was aborted';
        this.#stop(graphStopped(`${why.replace(/\.$/, '')}, while the database was still working`, typeof reason?.code === 'string' ? reason.code : undefined));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.#pending.delete(id);
        if (this.#pending.size === 0) this.#unwatch();
      };
      this.#pending.set(id, { resolve: (v) => (done(), resolve(v)), reject: (e) => (done(), reject(e)) });
      this.#watchMemory();
      this.#child.send({ id, op, args }, (err) => {
        if (err) this.#pending.get(id)?.reject(this.#stopped ?? graphStopped(`the graph process did not take the request: ${err.message}`));
      });
    });
  }

  #answer(m: { id: number; ok: boolean; value?: unknown; issue?: PcqIssue }): void {
    const pending = this.#pending.get(m.id);
    if (!pending) return;
    if (m.ok) pending.resolve(m.value);
    else pending.reject(new PcqError(m.issue ?? { code: 'PCQ_GRAPH_ERROR', message: 'the graph process failed without a reason' }));
  }

  #watchMemory(): void {
    if (this.#watch) return;
    this.#watch = setInterval(() => {
      const rss = residentBytes(this.#child.pid);
      if (rss > this.#peak) this.#peak = rss;
      // Stopped at 85 % of the ceiling: the resident set is sampled, and between two samples (or a
      // late timer on a busy machine) it keeps growing; measured overshoot here was ~16 MB.
      if (rss > this.#limit * STOP_FRACTION) {
        const mb = (n: number): string => `${Math.round(n / 1048576)} MiB`;
        this.#stop(
          new PcqError({
            code: 'PCQ_MEMORY_EXCEEDED',
            message: `the graph database used ${mb(rss)}, past the run's memory ceiling of ${mb(this.#limit)}; the query was stopped`,
            hint: 'Bound the query (LIMIT, smaller ranges, fewer rows per step), or raise PCQ_MEMORY_LIMIT (config `memoryLimit`) if the machine has the memory.',
            details: { rssBytes: rss, limitBytes: this.#limit },
          }),
        );
      }
    }, WATCH_MS);
    this.#watch.unref();
  }

  #unwatch(): void {
    if (this.#watch) clearInterval(this.#watch);
    this.#watch = undefined;
  }

  /** Ends the child now; every pending and later call fails with `why`. */
  #stop(why: PcqError): void {
    this.#stopped ??= why;
    this.#child.kill('SIGKILL');
    for (const p of [...this.#pending.values()]) p.reject(this.#stopped);
  }

  #exited(code: number | null, signal: NodeJS.Signals | null): void {
    this.#unwatch();
    if (!this.#closing) this.#stopped ??= graphStopped(`the graph process ended (${signal ?? `exit ${code}`})`);
    for (const p of [...this.#pending.values()]) p.reject(this.#stopped ?? graphStopped('the graph process ended'));
    if (!this.#closing) rmSync(this.dir, { recursive: true, force: true });
  }
}

function graphStopped(why: string, cause?: string): PcqError {
  return new PcqError({
    code: 'PCQ_GRAPH_STOPPED',
    message: `the run's graph database was stopped: ${why}; its data is gone for this run`,
    hint: 'A step passed its timeout or the memory ceiling; bound that step (or raise its timeout) and run again.',
    ...(cause === undefined ? {} : { details: { cause } }),
  });
}

/** VmRSS of a process in bytes (Linux /proc); 0 where it cannot be read. */
export function residentBytes(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
