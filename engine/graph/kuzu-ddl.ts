// A dataset manifest → kuzu DDL and bulk-load statements. kuzu needs its schema up front (Neo4j
// does not); `COPY … FROM` a CSV is ~20× faster than row-by-row CREATE (TOOLCHAIN.md).
// Names were checked to be identifiers by dataset.ts, so interpolating them is safe.
import { PcqError } from '../base/errors.ts';
import type { DatasetManifest } from '../base/dataset.ts';

export function kuzuDdl(manifest: DatasetManifest): string[] {
  const nodes = manifest.nodes.map((n) => {
    const cols = n.columns.map((c) => `${c.name} ${c.type}`).join(', ');
    return `CREATE NODE TABLE ${n.table}(${cols}, PRIMARY KEY(${n.primaryKey}))`;
  });
  const rels = manifest.relationships.map((r) => {
    const cols = r.columns.map((c) => `, ${c.name} ${c.type}`).join('');
    return `CREATE REL TABLE ${r.table}(FROM ${r.from} TO ${r.to}${cols})`;
  });
  return [...nodes, ...rels];
}

export function kuzuCopyStatement(table: string, csvPath: string): string {
  // kuzu string literals have no portable escape for a quote; refuse instead of mis-quoting.
  if (/['\\\n\r]/.test(csvPath)) {
    throw new PcqError({
      code: 'PCQ_DATASET_INVALID',
      message: `cannot bulk-load from ${csvPath}: the path contains a quote, backslash or line break`,
      hint: 'Move the repository to a folder whose path has none of these characters.',
    });
  }
  return `COPY ${table} FROM '${csvPath}' (HEADER=true, DELIM=',', QUOTE='"', ESCAPE='"')`;
}
