// Real parts for prover tests: a compile-once CEL engine over @bufbuild/cel and a GraphStore over
// the embedded kuzu database in a temp folder. Used by *.test.ts only (never by shipped code).
// The shared runtime/cel.ts and graph/ adapters replace these once they land; the interfaces are
// the contracts in steps/step-kind.ts and graph/graph-store.ts, so tests do not change.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { celEnv, isCelError, parse, plan } from '@bufbuild/cel';
import kuzu from 'kuzu';
import type { CelEngine } from '../steps/step-kind.ts';
import type { GraphStore, Row } from '../graph/graph-store.ts';
import type { PolicySet, ProverContext } from './prover-kind.ts';
import type { ProverSpec, Runbook, Step } from '../model/runbook.ts';

export function testCelEngine(): CelEngine {
  const env = celEnv();
  const cache = new Map<string, (vars: Record<string, unknown>) => unknown>();
  const compile = (expr: string) => {
    let fn = cache.get(expr);
    if (!fn) {
      const planned = plan(env, parse(expr));
      fn = (vars) => planned(vars as never);
      cache.set(expr, fn);
    }
    return fn;
  };
  return {
    evaluate(expr, vars) {
      const value = compile(expr)(vars);
      if (isCelError(value)) throw new Error(value.message);
      return value;
    },
    check(expr) {
      try {
        compile(expr);
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  };
}

/** kuzu returns INT64 as bigint; the port promises plain JSON values. */
function toJson(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return value;
}

export interface TempGraph extends GraphStore {
  /** Runs DDL / setup statements (CREATE NODE TABLE ...). */
  exec(cypher: string): Promise<void>;
}

export async function openTempKuzu(): Promise<TempGraph> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pcq-prover-'));
  const db = new kuzu.Database(path.join(dir, 'graph.kuzu'));
  const conn = new kuzu.Connection(db);
  const run = async (cypher: string, params?: Record<string, unknown>): Promise<Row[]> => {
    let result;
    if (params && Object.keys(params).length > 0) {
      const ps = await conn.prepare(cypher);
      result = await conn.execute(ps, params as never);
    } else {
      result = await conn.query(cypher);
    }
    const single = Array.isArray(result) ? result[result.length - 1]! : result;
    return (await single.getAll()).map((row) => toJson(row) as Row);
  };
  return {
    backend: 'kuzu',
    query: (cypher, params) => run(cypher, params),
    exec: async (cypher) => {
      await run(cypher);
    },
    close: async () => {
      await conn.close();
      await db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const EMPTY_POLICIES: PolicySet = { rules: {}, actors: {}, licenses: [] };

export function proverSpec(id: string, type: string, config: Record<string, unknown>, phase: ProverSpec['phase'] = 'precondition'): ProverSpec {
  return { id, type, phase, config, location: { file: 'runbooks/R1.yaml', line: 7, col: 5 } };
}

const STEP: Step = {
  stepId: 'query-entities', type: 'query', needs: [], needsExplicit: true, preconditions: [], postconditions: [],
  retry: { attempts: 1, backoffMs: [] }, timeoutMs: 1000, config: {},
};

/** A prover context with real ports; tests override only what they exercise. */
export function proverContext(spec: ProverSpec, overrides: Partial<ProverContext> & { cel: CelEngine; graph?: GraphStore }): ProverContext {
  const runbook: Runbook = {
    runbookId: 'R1', name: 'Entity Enrichment', version: '1.0', inputs: {}, steps: [STEP], provers: { [spec.id]: spec },
    source: { file: 'runbooks/R1.yaml', digest: 'sha256:' + '0'.repeat(64) },
  };
  const noGraph: GraphStore = {
    backend: 'none',
    query: async () => { throw new Error('no graph in this test'); },
    close: async () => {},
  };
  return {
    spec, step: STEP, runbook, params: {}, actor: 'local:dev', asOf: '2026-01-05T00:00:00Z', steps: {},
    graph: noGraph, policies: EMPTY_POLICIES, signal: new AbortController().signal, ...overrides,
  };
}
