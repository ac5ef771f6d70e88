// The shape of a loaded dataset (graph/README.md "Dataset folders"): what the GraphStore port's
// loadDataset receives. Parsing and checking it is graph/dataset.ts and graph/csv.ts.

export const COLUMN_TYPES = ['STRING', 'INT64', 'DOUBLE', 'BOOLEAN'] as const;

export type ColumnType = (typeof COLUMN_TYPES)[number];

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

export interface NodeTableSpec {
  table: string;
  file: string; // relative to the dataset folder
  primaryKey: string;
  columns: ColumnSpec[];
}

export interface RelTableSpec {
  table: string;
  from: string;
  to: string;
  file?: string; // absent: an empty table (created, nothing loaded), e.g. for a runbook to write into
  columns: ColumnSpec[];
}

export interface DatasetManifest {
  name: string;
  description?: string;
  nodes: NodeTableSpec[];
  relationships: RelTableSpec[];
}

/** A manifest plus where it lives and its parsed CSV files (by `file`), ready for an adapter. */
/** A file a dataset load read, with the sha256 of its bytes: what a run's manifest binds (FORMATS.md `datasets`). */
export interface DatasetFile {
  name: string; // relative to the dataset folder: dataset.yaml or one of its CSV files
  digest: string; // sha256:<hex> of the bytes as read
}

export interface Dataset {
  dir: string; // absolute folder
  manifest: DatasetManifest;
  csv: Record<string, CsvTable>;
  /** Every file read, digested from the very bytes that were parsed (no second read to race). */
  files: DatasetFile[];
}

export type CsvField = string | null;

export interface CsvTable {
  header: string[];
  rows: CsvField[][];
  /** 1-based line number of each row, for errors that point at the file. */
  lines: number[];
}
