// A dataset → the Cypher statements that load it into Neo4j: a uniqueness constraint per node
// table (which also indexes the key the relationship loads MATCH on), then batched
// `UNWIND $rows … CREATE`. Pure, so the exact statements are unit-tested without a server.
// CSV text is typed by the manifest: INT64 → neo4j.Integer, DOUBLE → float, BOOLEAN → bool,
// empty unquoted field → no property (Neo4j stores no nulls).
import neo4j from 'neo4j-driver';
import { PcqError } from '../base/errors.ts';
import type { ColumnSpec, Dataset } from '../base/dataset.ts';
import type { CsvField } from '../base/dataset.ts';

export const NEO4J_BATCH_ROWS = 1000;

export interface Neo4jStatement {
  cypher: string;
  params: Record<string, unknown>;
  table: string;
  rows: number;
}

export function neo4jLoadStatements(dataset: Dataset): Neo4jStatement[] {
  const out: Neo4jStatement[] = [];
  const keyOf = new Map(dataset.manifest.nodes.map((n) => [n.table, n.primaryKey]));
  for (const n of dataset.manifest.nodes) {
    out.push({
      cypher: `CREATE CONSTRAINT pcq_${n.table}_${n.primaryKey} IF NOT EXISTS FOR (n:${n.table}) REQUIRE n.${n.primaryKey} IS UNIQUE`,
      params: {},
      table: n.table,
      rows: 0,
    });
  }
  for (const n of dataset.manifest.nodes) {
    const table = dataset.csv[n.file];
    const file = `${dataset.dir}/${n.file}`;
    const rows = (table?.rows ?? []).map((r, i) => typedRecord(n.columns, r, file, table?.lines[i] ?? 0));
    for (const batch of chunks(rows))
      out.push({ cypher: `UNWIND $rows AS row CREATE (n:${n.table}) SET n = row`, params: { rows: batch }, table: n.table, rows: batch.length });
  }
  for (const r of dataset.manifest.relationships) {
    if (!r.file) continue;
    const table = dataset.csv[r.file];
    const file = `${dataset.dir}/${r.file}`;
    const rows = (table?.rows ?? []).map((fields, i) => ({
      from: fields[0] ?? null,
      to: fields[1] ?? null,
      props: typedRecord(r.columns, fields.slice(2), file, table?.lines[i] ?? 0),
    }));
    const cypher = `UNWIND $rows AS row MATCH (a:${r.from} {${keyOf.get(r.from)}: row.from}) MATCH (b:${r.to} {${keyOf.get(r.to)}: row.to}) CREATE (a)-[x:${r.table}]->(b) SET x = row.props`;
    for (const batch of chunks(rows)) out.push({ cypher, params: { rows: batch }, table: r.table, rows: batch.length });
  }
  return out;
}

function typedRecord(columns: ColumnSpec[], fields: CsvField[], file: string, line: number): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  columns.forEach((c, i) => {
    const raw = fields[i] ?? null;
    if (raw === null) return;
    record[c.name] = typedValue(c, raw, file, line);
  });
  return record;
}

function typedValue(column: ColumnSpec, raw: string, file: string, line: number): unknown {
  const bad = () =>
    new PcqError({
      code: 'PCQ_DATASET_INVALID',
      message: `CSV ${file} line ${line}: column ${column.name} is ${column.type} but holds "${raw}"`,
      hint: 'Fix the value or the column type in dataset.yaml.',
      location: { file, line, col: 1 },
    });
  switch (column.type) {
    case 'STRING':
      return raw;
    case 'INT64':
      if (!/^-?\d+$/.test(raw)) throw bad();
      return neo4j.int(raw);
    case 'DOUBLE': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw bad();
      return n;
    }
    case 'BOOLEAN':
      if (!/^(true|false)$/i.test(raw)) throw bad();
      return raw.toLowerCase() === 'true';
  }
}

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += NEO4J_BATCH_ROWS) out.push(rows.slice(i, i + NEO4J_BATCH_ROWS));
  return out;
}
