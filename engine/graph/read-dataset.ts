// Reads a dataset folder at the edge: `dataset.yaml` plus every CSV it names, checking each
// file's header against the manifest so a column mix-up is a located error, not silently shifted
// values after a positional bulk load. Each file is digested from the bytes that are parsed, so the
// digests a run signs (FORMATS.md `datasets`) are of exactly the data it loaded.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PcqError, PcqErrors, type PcqIssue } from '../base/errors.ts';
import { parseCsv } from './csv.ts';
import type { CsvTable } from '../base/dataset.ts';
import { expectedHeader, parseDatasetManifest } from './dataset.ts';
import type { Dataset, DatasetFile } from '../base/dataset.ts';

const digestOf = (bytes: Uint8Array): string => 'sha256:' + createHash('sha256').update(bytes).digest('hex');

export async function readDataset(datasetDir: string): Promise<Dataset> {
  const dir = resolve(datasetDir);
  const manifestFile = join(dir, 'dataset.yaml');
  let bytes: Buffer;
  try {
    bytes = await readFile(manifestFile);
  } catch (err) {
    throw new PcqError({
      code: 'PCQ_DATASET_NOT_FOUND',
      message: `no dataset manifest at ${manifestFile} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`,
      hint: "A dataset is a folder under runbooks/data/ with a dataset.yaml; check the runbook's `dataset` field.",
    });
  }
  const manifest = parseDatasetManifest(bytes.toString('utf8'), manifestFile);
  const files: DatasetFile[] = [{ name: 'dataset.yaml', digest: digestOf(bytes) }];
  const csv: Record<string, CsvTable> = {};
  const issues: PcqIssue[] = [];
  for (const spec of [...manifest.nodes, ...manifest.relationships]) {
    if (!spec.file) continue;
    const file = join(dir, spec.file);
    let table: CsvTable;
    try {
      const csvBytes = await readFile(file);
      files.push({ name: spec.file, digest: digestOf(csvBytes) });
      table = parseCsv(csvBytes.toString('utf8'), file);
    } catch (err) {
      if (err instanceof PcqError) {
        issues.push(err.toIssue());
        continue;
      }
      issues.push({
        code: 'PCQ_DATASET_INVALID',
        message: `table ${spec.table}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        hint: 'Every `file` in dataset.yaml must exist beside it.',
      });
      continue;
    }
    const want = expectedHeader(spec);
    if (table.header.join(',') !== want.join(',')) {
      issues.push({
        code: 'PCQ_DATASET_INVALID',
        message: `table ${spec.table}: ${spec.file} has header "${table.header.join(',')}", the manifest says "${want.join(',')}"`,
        hint: 'Columns load by position: make the CSV header and the manifest columns list agree, in order.',
        location: { file, line: 1, col: 1 },
      });
      continue;
    }
    csv[spec.file] = table;
  }
  if (issues.length > 0) throw new PcqErrors(issues);
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { dir, manifest, csv, files };
}
