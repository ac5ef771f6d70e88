// A small RFC 4180 CSV reader for dataset files: comma-separated, `"` quotes with `""` escapes,
// LF or CRLF line ends. An empty unquoted field is NULL (what kuzu's COPY does too, so both
// backends load the same values); a quoted empty field `""` is the empty string.
import { PcqError } from '../base/errors.ts';
import type { CsvField, CsvTable } from '../base/dataset.ts';

export function parseCsv(text: string, file: string): CsvTable {
  const records: CsvField[][] = [];
  const lines: number[] = [];
  let record: CsvField[] = [];
  let field = '';
  let quoted = false; // the current field was quoted (so empty means "" not NULL)
  let inQuotes = false;
  let line = 1;
  let recordLine = 1;
  const endField = () => {
    record.push(field === '' && !quoted ? null : field);
    field = '';
    quoted = false;
  };
  const endRecord = () => {
    endField();
    records.push(record);
    lines.push(recordLine);
    record = [];
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"') {
      if (field !== '' || quoted) throw csvError(file, line, 'a quote inside an unquoted field');
      inQuotes = true;
      quoted = true;
    } else if (ch === ',') endField();
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else field += ch;
  }
  if (inQuotes) throw csvError(file, recordLine, 'a quoted field is never closed');
  if (field !== '' || quoted || record.length > 0) endRecord();
  const [header, ...rows] = records;
  if (!header) throw csvError(file, 1, 'the file is empty; it needs a header line');
  lines.shift();
  const names = header.map((h) => h ?? '');
  rows.forEach((row, i) => {
    if (row.length !== names.length) {
      throw csvError(file, lines[i] ?? 0, `has ${row.length} fields, the header has ${names.length}`);
    }
  });
  return { header: names, rows, lines };
}

function csvError(file: string, line: number, what: string): PcqError {
  return new PcqError({
    code: 'PCQ_DATASET_INVALID',
    message: `CSV ${file} line ${line}: ${what}`,
    hint: 'Dataset files are RFC 4180 CSV with a header line; regenerate them or fix the line.',
    location: { file, line, col: 1 },
  });
}
