// The Neo4j adapter (neo4j-driver), for users who run Neo4j: the same runbook Cypher as the
// embedded store, the same JSON rows (neo4j-values.ts). Timeouts are short on purpose: an
// unreachable server must fail a run in seconds with PCQ_GRAPH_UNAVAILABLE, not after the driver's
// default ~60 s of retries (TOOLCHAIN.md).
import neo4j, { type Driver, type ManagedTransaction } from 'neo4j-driver';
import { PcqError } from '../base/errors.ts';
import type { DatasetLoadReport, GraphStore, Row } from '../base/graph-store.ts';
import type { Dataset } from '../base/dataset.ts';
import { jsonToNeo4jParam, neo4jValueToJson } from './neo4j-values.ts';
import { neo4jLoadStatements } from './neo4j-load.ts';
import { assertCypherAllowed } from './cypher-guard.ts';

export interface Neo4jOptions {
  uri: string;
  user: string;
  password: string;
  database?: string;
  connectionTimeoutMs?: number; // default 5 s
}

export async function openNeo4jStore(options: Neo4jOptions): Promise<GraphStore> {
  const timeout = options.connectionTimeoutMs ?? 5000;
  let driver: Driver;
  try {
    driver = neo4j.driver(options.uri, neo4j.auth.basic(options.user, options.password), {
      connectionTimeout: timeout,
      connectionAcquisitionTimeout: timeout,
      maxTransactionRetryTime: timeout,
      disableLosslessIntegers: false, // keep neo4j.Integer: neo4j-values converts without rounding
    });
  } catch (err) {
    throw new PcqError({
      code: 'PCQ_CONFIG_INVALID',
      message: `Neo4j URI ${options.uri} is not usable: ${(err as Error).message}`,
      hint: 'Use neo4j://host:7687 or bolt://host:7687.',
    });
  }
  try {
    await driver.verifyConnectivity(options.database === undefined ? {} : { database: options.database });
  } catch (err) {
    await driver.close().catch(() => undefined);
    throw unavailable(options.uri, err);
  }
  return new Neo4jStore(driver, options.uri, options.database);
}

class Neo4jStore implements GraphStore {
  readonly backend = 'neo4j';
  readonly #driver: Driver;
  readonly #uri: string;
  readonly #database: string | undefined;

  constructor(driver: Driver, uri: string, database: string | undefined) {
    this.#driver = driver;
    this.#uri = uri;
    this.#database = database;
  }

  // The allow-list (cypher-guard.ts) is checked before the query leaves the process; the
  // dataset loader (loadDataset) is pcq's own trusted path and does not come through here.
  async query(cypher: string, params: Record<string, unknown> = {}, signal?: AbortSignal): Promise<Row[]> {
    assertCypherAllowed(cypher);
    signal?.throwIfAborted();
    return this.#write(cypher, async (tx) => toRows(await tx.run(cypher, jsonToNeo4jParam(params) as Record<string, unknown>)));
  }

  async executeMany(cypher: string, paramSets: Array<Record<string, unknown>>, signal?: AbortSignal): Promise<number> {
    assertCypherAllowed(cypher);
    signal?.throwIfAborted();
    return this.#write(cypher, async (tx) => {
      for (const params of paramSets) {
        signal?.throwIfAborted();
        await tx.run(cypher, jsonToNeo4jParam(params) as Record<string, unknown>);
      }
      return paramSets.length;
    });
  }

  async loadDataset(dataset: Dataset): Promise<DatasetLoadReport> {
    const counts = new Map<string, number>();
    for (const statement of neo4jLoadStatements(dataset)) {
      await this.#write(statement.cypher, (tx) => tx.run(statement.cypher, statement.params));
      counts.set(statement.table, (counts.get(statement.table) ?? 0) + statement.rows);
    }
    return {
      dataset: dataset.manifest.name,
      tables: [
        ...dataset.manifest.nodes.map((n) => ({ table: n.table, kind: 'node' as const, rows: counts.get(n.table) ?? 0 })),
        ...dataset.manifest.relationships.map((r) => ({ table: r.table, kind: 'relationship' as const, rows: counts.get(r.table) ?? 0 })),
      ],
    };
  }

  async close(): Promise<void> {
    await this.#driver.close();
  }

  async #write<T>(cypher: string, work: (tx: ManagedTransaction) => Promise<T>): Promise<T> {
    const session = this.#driver.session(this.#database === undefined ? {} : { database: this.#database });
    try {
      return await session.executeWrite(work);
    } catch (err) {
      throw neo4jError(this.#uri, cypher, err);
    } finally {
      await session.close();
    }
  }
}

function toRows(result: { records: Array<{ keys: PropertyKey[]; get(key: PropertyKey): unknown }> }): Row[] {
  return result.records.map((record) => {
    const row: Row = {};
    for (const key of record.keys) row[String(key)] = neo4jValueToJson(record.get(key), String(key));
    return row;
  });
}

export function neo4jError(uri: string, cypher: string, err: unknown): PcqError {
  if (err instanceof PcqError) return err;
  const code = String((err as { code?: unknown }).code ?? '');
  if (code.startsWith('Neo.ClientError.Statement') || code.startsWith('Neo.ClientError.Schema')) {
    return new PcqError({
      code: 'PCQ_CYPHER',
      message: `Cypher failed: ${(err as Error).message}`,
      hint: 'Fix the query text; it runs as written on the embedded database (kuzu) and on Neo4j.',
      details: { cypher, neo4jCode: code },
    });
  }
  if (code === neo4j.error.SERVICE_UNAVAILABLE || code === neo4j.error.SESSION_EXPIRED || code === '') return unavailable(uri, err);
  return new PcqError({
    code: 'PCQ_GRAPH_ERROR',
    message: `Neo4j refused the request (${code}): ${(err as Error).message}`,
    hint: "Check the Neo4j server log and the user's permissions.",
    details: { cypher, neo4jCode: code },
  });
}

function unavailable(uri: string, err: unknown): PcqError {
  return new PcqError(
    {
      code: 'PCQ_GRAPH_UNAVAILABLE',
      message: `cannot reach Neo4j at ${uri}: ${(err as Error).message}`,
      hint: 'Start Neo4j or fix graph.uri/user and the password variable; or drop the graph config to use the embedded database.',
    },
    { cause: err },
  );
}
