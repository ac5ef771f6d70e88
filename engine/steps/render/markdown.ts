// Markdown (CommonMark + GFM tables). A report renders every claim with its citations as
// numbered footnote-style references, then its tables; anything else renders as one table.
import { cellText, citationText, isReport, toTable, type Report, type Table } from './report.ts';

function escapeCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

export function tableToMarkdown(table: Table): string {
  if (table.columns.length === 0) return '_(no rows)_\n';
  const line = (cells: string[]): string => `| ${cells.map(escapeCell).join(' | ')} |`;
  return [line(table.columns), `|${table.columns.map(() => ' --- ').join('|')}|`, ...table.rows.map(line)].join('\n') + '\n';
}

export function reportToMarkdown(report: Report): string {
  const out: string[] = [`# ${report.title}`, ''];
  if (report.period) out.push(`_Period: ${report.period}_`, '');
  out.push('## Claims', '');
  for (const claim of report.claims) {
    const value = claim.value === undefined ? '' : ` — **${cellText(claim.value)}**`;
    out.push(`- **${claim.id}**: ${claim.text}${value}`);
    if (claim.citations.length === 0) out.push('  - _no citation_');
    for (const citation of claim.citations) out.push(`  - Source: ${citationText(citation)}`);
  }
  out.push('');
  for (const [name, rows] of Object.entries(report.tables ?? {})) out.push(`## ${name}`, '', tableToMarkdown(toTable(rows)));
  return out.join('\n').replace(/\n+$/, '') + '\n';
}

export function renderMarkdown(value: unknown, title?: string): string {
  if (isReport(value)) return reportToMarkdown(value);
  return (title ? `# ${title}\n\n` : '') + tableToMarkdown(toTable(value));
}
