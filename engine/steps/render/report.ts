// The report shape (FORMATS.md): `{title, period?, claims: [{id, text, value?, citations: [{source,
// ref}]}], tables?}`, shared by the markdown/pdf renderers and the citations prover. Anything else
// renders as a table: rows of objects, one object, or a single value.
import { canonicalize } from '../../proof/jcs.ts';

export interface Citation {
  source: string;
  ref: string;
}
export interface Claim {
  id: string;
  text: string;
  value?: unknown;
  citations: Citation[];
}
export interface Report {
  title: string;
  period?: string;
  claims: Claim[];
  tables?: Record<string, unknown>;
}
export interface Table {
  columns: string[];
  rows: string[][];
}

export function isReport(value: unknown): value is Report {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['title'] === 'string' &&
    Array.isArray(v['claims']) &&
    v['claims'].every((c) => {
      const claim = c as Record<string, unknown> | null;
      return typeof claim?.['id'] === 'string' && typeof claim['text'] === 'string' && Array.isArray(claim['citations']);
    })
  );
}

/** One cell's text: strings as they are, null/undefined empty, everything else canonical JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return canonicalize(value);
}

export function citationText(c: Citation): string {
  return `${cellText(c?.source)}: ${cellText(c?.ref)}`;
}

/** Rows → a table whose columns are the keys in first-seen order (stable for the same input). */
export function toTable(value: unknown): Table {
  const rows = Array.isArray(value) ? value : [value];
  if (!rows.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
    return { columns: ['value'], rows: rows.map((r) => [cellText(r)]) };
  }
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows as Record<string, unknown>[])
    for (const k of Object.keys(row))
      if (!seen.has(k)) {
        seen.add(k);
        columns.push(k);
      }
  return { columns, rows: (rows as Record<string, unknown>[]).map((row) => columns.map((c) => cellText(row[c]))) };
}

/** A report's claims as a table (CSV export of a report). */
export function claimsTable(report: Report): Table {
  return {
    columns: ['id', 'text', 'value', 'citations'],
    rows: report.claims.map((c) => [c.id, c.text, cellText(c.value), c.citations.map(citationText).join('; ')]),
  };
}
