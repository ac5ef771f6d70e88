// The graph-store port. Steps and provers speak Cypher through it; the embedded database and the
// Neo4j adapter both implement it, so the same runbook text runs on both (DESIGN §5).

/** A row: keys are the RETURN expressions (or aliases); values are plain JSON values. */
export type Row = Record<string, unknown>;

export interface GraphStore {
  readonly backend: string; // "kuzu" | "neo4j" | ...
  query(cypher: string, params?: Record<string, unknown>, signal?: AbortSignal): Promise<Row[]>;
  close(): Promise<void>;
}
