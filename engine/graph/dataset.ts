// A dataset folder's manifest, `dataset.yaml` (format: engine/graph/README.md "Dataset folders"):
// node tables (columns, primary key, CSV file) and relationship tables (from/to node tables,
// columns, optional CSV file). Pure: text in, typed manifest or every problem out.
//
// Table and column names are interpolated into DDL and Cypher, so they must be plain identifiers;
// column types are the four both backends store alike. Dates stay ISO-8601 STRINGs on purpose:
// string comparison of ISO timestamps gives the same answer on kuzu and Neo4j, so one runbook text
// runs on both (docs/design.md §5), which their differing temporal functions would not.
import { PcqErrors, type PcqIssue } from '../base/errors.ts';
import { readYamlSource, type PathSegment } from '../model/yaml-source.ts';
import { COLUMN_TYPES, type ColumnSpec, type ColumnType, type DatasetManifest, type NodeTableSpec, type RelTableSpec } from '../base/dataset.ts';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SAFE_FILE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.csv$/;

export function parseDatasetManifest(text: string, file: string): DatasetManifest {
  const source = readYamlSource(text, file);
  if (source.value === undefined) throw new PcqErrors(source.issues);
  const issues: PcqIssue[] = [...source.issues];
  const problem = (path: PathSegment[], message: string, hint?: string) => {
    const issue: PcqIssue = { code: 'PCQ_DATASET_INVALID', message: `${file}: ${message}`, location: source.locate(path) };
    issue.hint = hint ?? 'See "Dataset folders" in engine/graph/README.md for the manifest format.';
    issues.push(issue);
  };
  const root = asObject(source.value);
  if (!root) {
    problem([], 'the manifest must be a mapping with name, nodes and relationships');
    throw new PcqErrors(issues);
  }
  const name = typeof root['name'] === 'string' && IDENTIFIER.test(root['name']) ? root['name'] : '';
  if (!name) problem(['name'], '`name` must be an identifier (letters, digits, _)');
  const columns = (value: unknown, path: PathSegment[]): ColumnSpec[] => {
    if (!Array.isArray(value)) {
      problem(path, '`columns` must be a list of {name, type}');
      return [];
    }
    return value.flatMap((c, i) => {
      const col = asObject(c);
      const colName = col?.['name'];
      const type = col?.['type'];
      if (typeof colName !== 'string' || !IDENTIFIER.test(colName)) {
        problem([...path, i], 'a column needs an identifier `name`');
        return [];
      }
      if (typeof type !== 'string' || !(COLUMN_TYPES as readonly string[]).includes(type)) {
        problem(
          [...path, i, 'type'],
          `column ${colName}: type must be one of ${COLUMN_TYPES.join(', ')}`,
          'Store dates as ISO-8601 STRINGs; they compare correctly as strings on every backend.',
        );
        return [];
      }
      return [{ name: colName, type: type as ColumnType }];
    });
  };
  const tableName = (t: Record<string, unknown>, path: PathSegment[], seen: Set<string>): string => {
    const table = t['table'];
    if (typeof table !== 'string' || !IDENTIFIER.test(table)) {
      problem([...path, 'table'], '`table` must be an identifier');
      return '';
    }
    if (seen.has(table)) problem([...path, 'table'], `table ${table} is declared twice`);
    seen.add(table);
    return table;
  };
  const fileName = (value: unknown, path: PathSegment[]): string | undefined => {
    if (typeof value === 'string' && SAFE_FILE.test(value)) return value;
    problem(path, '`file` must be a .csv file name inside the dataset folder (no paths)');
    return undefined;
  };
  const seen = new Set<string>();
  const nodes: NodeTableSpec[] = [];
  const nodeList = Array.isArray(root['nodes']) ? root['nodes'] : (problem(['nodes'], '`nodes` must be a list of node tables'), []);
  nodeList.forEach((n, i) => {
    const t = asObject(n);
    if (!t) return problem(['nodes', i], 'a node table must be a mapping');
    const table = tableName(t, ['nodes', i], seen);
    const cols = columns(t['columns'], ['nodes', i, 'columns']);
    const pk = t['primaryKey'];
    if (typeof pk !== 'string' || !cols.some((c) => c.name === pk))
      problem(['nodes', i, 'primaryKey'], `node table ${table}: primaryKey must name one of its columns`);
    const file = fileName(t['file'], ['nodes', i, 'file']);
    if (table && file && typeof pk === 'string') nodes.push({ table, file, primaryKey: pk, columns: cols });
  });
  const relationships: RelTableSpec[] = [];
  const relList =
    root['relationships'] === undefined
      ? []
      : Array.isArray(root['relationships'])
        ? root['relationships']
        : (problem(['relationships'], '`relationships` must be a list'), []);
  relList.forEach((r, i) => {
    const t = asObject(r);
    if (!t) return problem(['relationships', i], 'a relationship table must be a mapping');
    const table = tableName(t, ['relationships', i], seen);
    const ends: string[] = [];
    for (const end of ['from', 'to'] as const) {
      const target = t[end];
      if (typeof target !== 'string' || !nodes.some((n) => n.table === target))
        problem(['relationships', i, end], `relationship ${table}: \`${end}\` must name a node table of this dataset`);
      else ends.push(target);
    }
    const cols = columns(t['columns'] ?? [], ['relationships', i, 'columns']);
    const file = t['file'] === undefined ? undefined : fileName(t['file'], ['relationships', i, 'file']);
    if (table && ends.length === 2) {
      const spec: RelTableSpec = { table, from: ends[0] as string, to: ends[1] as string, columns: cols };
      if (file) spec.file = file;
      relationships.push(spec);
    }
  });
  if (issues.length > 0) throw new PcqErrors(issues);
  const manifest: DatasetManifest = { name, nodes, relationships };
  if (typeof root['description'] === 'string') manifest.description = root['description'];
  return manifest;
}

/** The CSV header a table's file must have: node columns in order; `from`, `to`, then rel columns. */
export function expectedHeader(spec: NodeTableSpec | RelTableSpec): string[] {
  const names = spec.columns.map((c) => c.name);
  return 'primaryKey' in spec ? names : ['from', 'to', ...names];
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
