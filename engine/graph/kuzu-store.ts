// The embedded default graph store: kuzu 0.11 in-process (measured choice: engine/graph/README.md).
// Each run opens a fresh database in its own temp folder (a database is a file plus a `.wal`;
// close() deletes the folder), so runs never see each other's writes and a replay starts from the
// same bytes.
//
// Facts this file relies on (checked on this machine, TOOLCHAIN.md):
// - every QueryResult must be closed, or the process can segfault at exit;
// - kuzu refuses parameters a statement does not use (pickParameters passes only `$referenced`);
// - grouped results came back in different orders between identical runs: runbooks ORDER BY.
// Queries are serialised on the one connection: a manual transaction (executeMany) must not
// interleave with another step's query.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kuzu from 'kuzu';
import type { Connection, Database, KuzuValue, QueryResult } from 'kuzu';
import { PcqError } from '../base/errors.ts';
import type { DatasetLoadReport, GraphStore, Row } from '../base/graph-store.ts';
import type { Dataset } from '../base/dataset.ts';
import { pickParameters } from './cypher-params.ts';
import { assertCypherAllowed } from './cypher-guard.ts';
import { kuzuValueToJson } from './kuzu-values.ts';
import { kuzuCopyStatement, kuzuDdl } from './kuzu-ddl.ts';

const BUFFER_POOL_BYTES = 256 * 1024 * 1024; // the default is 80% of RAM; samples need a fraction

/** The store plus the folder it lives in (deleted by close()). */
export interface KuzuGraphStore extends GraphStore {
  readonly dir: string;
  executeMany(cypher: string, paramSets: Array<Record<string, unknown>>, signal?: AbortSignal): Promise<number>;
  loadDataset(dataset: Dataset): Promise<DatasetLoadReport>;
}

export async function openKuzuStore(): Promise<KuzuGraphStore> {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-graph-'));
  try {
    const db = new kuzu.Database(join(dir, 'graph.kuzu'), BUFFER_POOL_BYTES);
    await db.init();
    const connection = new kuzu.Connection(db);
    await connection.init();
    return new KuzuStore(dir, db, connection);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new PcqError(
      {
        code: 'PCQ_GRAPH_UNAVAILABLE',
        message: `the embedded graph database (kuzu) did not open: ${(err as Error).message}`,
        hint: "Reinstall dependencies (`npm ci`) so kuzu's prebuilt binary is present, or configure `graph: {backend: neo4j, ...}`.",
      },
      { cause: err },
    );
  }
}

class KuzuStore implements KuzuGraphStore {
  readonly backend = 'kuzu';
  readonly dir: string;
  readonly #db: Database;
  readonly #connection: Connection;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(dir: string, db: Database, connection: Connection) {
    this.dir = dir;
    this.#db = db;
    this.#connection = connection;
  }

  // query and executeMany are the only doors runbook and prover Cypher use: the allow-list is
  // checked here, before the database sees a byte (cypher-guard.ts). loadDataset is pcq's own
  // trusted path (COPY FROM of the dataset folder) and does not come through them.
  query(cypher: string, params?: Record<string, unknown>, signal?: AbortSignal): Promise<Row[]> {
    return this.#exclusive(async () => {
      assertCypherAllowed(cypher);
      signal?.throwIfAborted();
      const bound = pickParameters(cypher, params);
      const result = Object.keys(bound).length === 0 ? await this.#run(cypher, () => this.#connection.query(cypher)) : await this.#execute(cypher, bound);
      return readRows(result);
    });
  }

  executeMany(cypher: string, paramSets: Array<Record<string, unknown>>, signal?: AbortSignal): Promise<number> {
    return this.#exclusive(async () => {
      assertCypherAllowed(cypher);
      signal?.throwIfAborted();
      if (paramSets.length === 0) return 0;
      const statement = await this.#prepare(cypher);
      closeAll(await this.#connection.query('BEGIN TRANSACTION'));
      try {
        for (const params of paramSets) {
          signal?.throwIfAborted();
          const bound = pickParameters(cypher, params) as Record<string, KuzuValue>;
          closeAll(await this.#run(cypher, () => this.#connection.execute(statement, bound)));
        }
        closeAll(await this.#connection.query('COMMIT'));
        return paramSets.length;
      } catch (err) {
        // kuzu rolls back by itself when a statement fails ("No active transaction" then); an
        // abort between rows leaves it open, so roll back explicitly and ignore the former case.
        await this.#connection.query('ROLLBACK').then(closeAll, () => undefined);
        throw err;
      }
    });
  }

  loadDataset(dataset: Dataset): Promise<DatasetLoadReport> {
    return this.#exclusive(async () => {
      for (const ddl of kuzuDdl(dataset.manifest)) closeAll(await this.#run(ddl, () => this.#connection.query(ddl)));
      const report: DatasetLoadReport = { dataset: dataset.manifest.name, tables: [] };
      const specs = [
        ...dataset.manifest.nodes.map((s) => ({ s, kind: 'node' as const })),
        ...dataset.manifest.relationships.map((s) => ({ s, kind: 'relationship' as const })),
      ];
      for (const { s, kind } of specs) {
        const rows = s.file ? (dataset.csv[s.file]?.rows.length ?? 0) : 0;
        if (s.file && rows > 0) {
          const copy = kuzuCopyStatement(s.table, join(dataset.dir, s.file));
          closeAll(await this.#run(copy, () => this.#connection.query(copy)));
        }
        report.tables.push({ table: s.table, kind, rows });
      }
      return report;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.catch(() => undefined);
    try {
      await this.#connection.close();
      await this.#db.close();
    } finally {
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      return Promise.reject(
        new PcqError({
          code: 'PCQ_GRAPH_CLOSED',
          message: 'the graph store was used after it was closed',
          hint: 'This is a bug in the caller: open a store per run and close it at the end.',
        }),
      );
    }
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #prepare(cypher: string) {
    const statement = await this.#run(cypher, () => this.#connection.prepare(cypher));
    if (!statement.isSuccess()) throw cypherError(cypher, statement.getErrorMessage());
    return statement;
  }

  async #execute(cypher: string, params: Record<string, unknown>): Promise<QueryResult | QueryResult[]> {
    const statement = await this.#prepare(cypher);
    return this.#run(cypher, () => this.#connection.execute(statement, params as Record<string, KuzuValue>));
  }

  async #run<T>(cypher: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw err instanceof PcqError ? err : cypherError(cypher, (err as Error).message);
    }
  }
}

async function readRows(result: QueryResult | QueryResult[]): Promise<Row[]> {
  const results = Array.isArray(result) ? result : [result];
  const last = results[results.length - 1];
  try {
    if (!last) return [];
    const types = await last.getColumnDataTypes();
    const names = await last.getColumnNames();
    const typeOf = new Map(names.map((n, i) => [n, types[i] ?? '']));
    const raw = await last.getAll();
    return raw.map((row) => {
      const out: Row = {};
      for (const [key, value] of Object.entries(row)) out[key] = kuzuValueToJson(value, key, typeOf.get(key));
      return out;
    });
  } finally {
    closeAll(results);
  }
}

function closeAll(result: QueryResult | QueryResult[]): void {
  for (const r of Array.isArray(result) ? result : [result]) r.close();
}

export function cypherError(cypher: string, databaseMessage: string): PcqError {
  return new PcqError({
    code: 'PCQ_CYPHER',
    message: `Cypher failed: ${databaseMessage.trim()}`,
    hint: 'Fix the query text; it runs as written on the embedded database (kuzu) and on Neo4j.',
    details: { cypher },
  });
}
