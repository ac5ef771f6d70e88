// The graph-store port (base layer). Steps and provers speak Cypher through it; the embedded database and the
// Neo4j adapter both implement it, so the same runbook text runs on both (docs/design.md §5).
import type { Dataset } from './dataset.ts';

/** A row: keys are the RETURN expressions (or aliases); values are plain JSON values. */
export type Row = Record<string, unknown>;

/** What loading a dataset did, table by table (rows loaded from its CSV file; 0 for an empty table). */
export interface DatasetLoadReport {
  dataset: string;
  tables: Array<{ table: string; kind: 'node' | 'relationship'; rows: number }>;
}

export interface GraphStore {
  readonly backend: string; // "kuzu" | "neo4j" | ...
  query(cypher: string, params?: Record<string, unknown>, signal?: AbortSignal): Promise<Row[]>;
  /**
   * Runs one statement once per parameter set inside one transaction: all of them or none
   * (a mutation step must not leave half its rows written). Returns how many times it ran.
   * Optional so that small test stores need not implement it; callers fall back to `query`.
   */
  executeMany?(cypher: string, paramSets: Array<Record<string, unknown>>, signal?: AbortSignal): Promise<number>;
  /** Creates the dataset's tables and bulk-loads their CSV rows (see loadDataset in load-dataset.ts). */
  loadDataset?(dataset: Dataset): Promise<DatasetLoadReport>;
  close(): Promise<void>;
}
