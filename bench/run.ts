// `npm run bench`: runs every bench/*.bench.ts present (each exports one or more `run…Bench()`
// functions returning figures), prints one table and writes .pcq/bench-results.json. Bench files
// are discovered with readdir so that a missing or broken one never stops the others.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BenchRow {
  file: string;
  name: string;
  figure: string;
  target: string;
  pass: boolean | null; // null: no target
  details?: Record<string, unknown>;
  error?: string;
}

interface Figure {
  name?: unknown;
  value?: unknown;
  ratio?: unknown;
  unit?: unknown;
  target?: unknown;
  pass?: unknown;
  details?: unknown;
}

const here = dirname(fileURLToPath(import.meta.url));

export async function discoverBenchFiles(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.bench.ts')).sort();
}

/** Turns whatever a bench returned into table rows; a malformed figure is a row, not a crash. */
export function toRows(file: string, figures: unknown): BenchRow[] {
  if (!Array.isArray(figures)) return [{ file, name: '(bench)', figure: '', target: '', pass: false, error: 'did not return an array of figures' }];
  return figures.map((raw: Figure) => {
    const value = typeof raw.value === 'number' ? raw.value : undefined;
    const ratio = typeof raw.ratio === 'number' ? raw.ratio : undefined;
    const unit = typeof raw.unit === 'string' ? ` ${raw.unit}` : '';
    const figure = value !== undefined ? `${value}${unit}` + (ratio !== undefined && unit !== ' %' ? ` (×${ratio})` : '') : ratio !== undefined ? `×${ratio}` : '';
    const row: BenchRow = {
      file,
      name: typeof raw.name === 'string' ? raw.name : '(unnamed)',
      figure,
      target: typeof raw.target === 'string' ? raw.target : '',
      pass: typeof raw.pass === 'boolean' ? raw.pass : null,
    };
    if (raw.details !== null && typeof raw.details === 'object') row.details = raw.details as Record<string, unknown>;
    return row;
  });
}

export async function runBenchFile(dir: string, file: string): Promise<BenchRow[]> {
  try {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
    const runners = Object.entries(mod).filter(([name, fn]) => /^run\w*Bench$/.test(name) && typeof fn === 'function');
    if (runners.length === 0) return [{ file, name: '(bench)', figure: '', target: '', pass: false, error: 'exports no run…Bench() function' }];
    const rows: BenchRow[] = [];
    for (const [, fn] of runners) rows.push(...toRows(file, await (fn as () => Promise<unknown>)()));
    return rows;
  } catch (err) {
    return [{ file, name: '(bench)', figure: '', target: '', pass: false, error: err instanceof Error ? err.message : String(err) }];
  }
}

export function formatTable(rows: readonly BenchRow[]): string {
  const cells = rows.map((r) => [r.name, r.error ? `error: ${r.error}` : r.figure, r.target, r.pass === null ? '—' : r.pass ? 'pass' : 'FAIL']);
  const header = ['benchmark', 'figure', 'target', 'result'];
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  const line = (row: string[]): string => row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n';
}

async function main(): Promise<void> {
  const files = await discoverBenchFiles(here);
  const rows: BenchRow[] = [];
  for (const file of files) {
    process.stderr.write(`running ${file}…\n`);
    rows.push(...(await runBenchFile(here, file)));
  }
  process.stdout.write(formatTable(rows));
  const out = join(here, '..', '.pcq', 'bench-results.json');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify({ node: process.version, rows }, null, 2) + '\n');
  process.stdout.write(`\nwrote ${out}\n`);
  process.exitCode = rows.every((r) => r.pass !== false) ? 0 : 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
