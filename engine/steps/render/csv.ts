// CSV per RFC 4180: CRLF line breaks, a header row, fields quoted when they hold `"`, `,`, CR or
// LF, with `"` doubled inside quotes. Column order is the rows' key order, first seen first.
import { claimsTable, isReport, toTable, type Table } from './report.ts';

function field(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function tableToCsv(table: Table): string {
  return [table.columns, ...table.rows].map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}

export function renderCsv(value: unknown): string {
  return tableToCsv(isReport(value) ? claimsTable(value) : toTable(value));
}
