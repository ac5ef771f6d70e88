// PDF via pdf-lib with fixed metadata so identical input gives identical bytes (docs/design.md §5
// Determinism): creation/modification dates from the run's asOf, a fixed producer/creator, no
// document ID, standard Helvetica (nothing embedded that could vary). Standard fonts speak
// WinAnsi only, so other characters are transliterated or become "?" rather than failing.
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import { cellText, citationText, isReport, toTable, type Report, type Table } from './report.ts';

const PAGE = { width: 595.28, height: 841.89, margin: 50 }; // A4 in points
const PRODUCER = 'pcq (pdf-lib)';

const TRANSLITERATE: Record<string, string> = {
  '\u2014': '-',
  '\u2013': '-',
  '\u2018': "'",
  '\u2019': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u2026': '...',
  '\u2265': '>=',
  '\u2264': '<=',
  '\u2192': '->',
};

/** Text a standard PDF font can draw: printable ASCII and Latin-1, the rest transliterated or "?". */
export function winAnsiSafe(text: string): string {
  return Array.from(text.replace(/\t/g, '  '), (ch) => {
    const code = ch.codePointAt(0) ?? 0;
    if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff)) return ch;
    return TRANSLITERATE[ch] ?? '?';
  }).join('');
}

class Writer {
  readonly doc: PDFDocument;
  readonly font: PDFFont;
  readonly bold: PDFFont;
  page!: PDFPage;
  y = 0;
  constructor(doc: PDFDocument, font: PDFFont, bold: PDFFont) {
    this.doc = doc;
    this.font = font;
    this.bold = bold;
    this.newPage();
  }
  newPage(): void {
    this.page = this.doc.addPage([PAGE.width, PAGE.height]);
    this.y = PAGE.height - PAGE.margin;
  }
  /** Writes one paragraph, wrapped to the page width, starting a new page when full. */
  line(text: string, options: { size?: number; bold?: boolean; indent?: number; gapAfter?: number } = {}): void {
    const size = options.size ?? 10;
    const font = options.bold ? this.bold : this.font;
    const indent = options.indent ?? 0;
    const width = PAGE.width - 2 * PAGE.margin - indent;
    for (const part of wrap(winAnsiSafe(text), font, size, width)) {
      if (this.y - size < PAGE.margin) this.newPage();
      this.y -= size * 1.3;
      this.page.drawText(part, { x: PAGE.margin + indent, y: this.y, size, font, color: rgb(0, 0, 0) });
    }
    this.y -= options.gapAfter ?? 0;
  }
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let current = '';
    for (const word of paragraph.split(' ')) {
      const candidate = current === '' ? word : `${current} ${word}`;
      if (font.widthOfTextAtSize(candidate, size) <= width || current === '') {
        current = candidate;
        // A single word wider than the line is cut by characters.
        while (font.widthOfTextAtSize(current, size) > width && current.length > 1) {
          let cut = current.length - 1;
          while (cut > 1 && font.widthOfTextAtSize(current.slice(0, cut), size) > width) cut--;
          lines.push(current.slice(0, cut));
          current = current.slice(cut);
        }
      } else {
        lines.push(current);
        current = word;
      }
    }
    lines.push(current);
  }
  return lines;
}

function writeTable(w: Writer, table: Table): void {
  if (table.columns.length === 0) return w.line('(no rows)');
  w.line(table.columns.join(' | '), { bold: true });
  for (const row of table.rows) w.line(row.join(' | '));
}

function writeReport(w: Writer, report: Report): void {
  w.line(report.title, { size: 18, bold: true, gapAfter: 4 });
  if (report.period) w.line(`Period: ${report.period}`, { gapAfter: 8 });
  w.line('Claims', { size: 13, bold: true, gapAfter: 2 });
  for (const claim of report.claims) {
    const value = claim.value === undefined ? '' : ` = ${cellText(claim.value)}`;
    w.line(`${claim.id}: ${claim.text}${value}`, { bold: true });
    if (claim.citations.length === 0) w.line('no citation', { indent: 14 });
    for (const citation of claim.citations) w.line(`Source: ${citationText(citation)}`, { indent: 14 });
    w.y -= 4;
  }
  for (const [name, rows] of Object.entries(report.tables ?? {})) {
    w.line(name, { size: 13, bold: true, gapAfter: 2 });
    writeTable(w, toTable(rows));
  }
}

export async function renderPdf(value: unknown, options: { asOf: string; title?: string }): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const date = new Date(options.asOf);
  const title = isReport(value) ? value.title : (options.title ?? 'pcq export');
  doc.setTitle(winAnsiSafe(title));
  doc.setProducer(PRODUCER);
  doc.setCreator(PRODUCER);
  if (!Number.isNaN(date.getTime())) {
    doc.setCreationDate(date);
    doc.setModificationDate(date);
  }
  const w = new Writer(doc, await doc.embedFont(StandardFonts.Helvetica), await doc.embedFont(StandardFonts.HelveticaBold));
  if (isReport(value)) writeReport(w, value);
  else {
    w.line(title, { size: 16, bold: true, gapAfter: 6 });
    writeTable(w, toTable(value));
  }
  return doc.save({ useObjectStreams: false });
}
