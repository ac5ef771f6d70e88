// `npm run bench`: runs every bench/*.bench.ts present (each exports one or more `run…Bench()`
// functions returning figures), prints one table and writes .pcq/bench-results.json. Bench files
// are discovered with readdir so that a missing or broken one never stops the others.
// `npm run bench -- distributed runner` runs only the files whose names contain one of the words.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadavg } from 'node:os';
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

export async function discoverBenchFiles(dir: string, only: readonly string[] = []): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.bench.ts') && (only.length === 0 || only.some((w) => n.includes(w)))).sort();
}

/**
 * Turns whatever a bench returned into table rows: an array of figures or a single one; `target`
 * and `pass` may sit at the top level or in `details`. A malformed figure is a row, not a crash.
 */
export function toRows(file: string, figures: unknown): BenchRow[] {
  const list = Array.isArray(figures) ? figures : figures !== null && typeof figures === 'object' ? [figures] : undefined;
  if (list === undefined) return [{ file, name: `(${file})`, figure: '', target: '', pass: false, error: 'returned no figures' }];
  return list.map((raw: Figure) => {
    const details = raw.details !== null && typeof raw.details === 'object' ? (raw.details as Record<string, unknown>) : undefined;
    const value = typeof raw.value === 'number' ? round3(raw.value) : undefined;
    const ratio = typeof raw.ratio === 'number' ? round3(raw.ratio) : undefined;
    const unit = typeof raw.unit === 'string' ? ` ${raw.unit}` : '';
    const figure =
      value !== undefined ? `${value}${unit}` + (ratio !== undefined && unit !== ' %' ? ` (×${ratio})` : '') : ratio !== undefined ? `×${ratio}` : '';
    const targetRaw = typeof raw.target === 'string' ? raw.target : typeof details?.target === 'string' ? details.target : '';
    const passRaw = typeof raw.pass === 'boolean' ? raw.pass : typeof details?.pass === 'boolean' ? details.pass : judge(targetRaw, ratio ?? value);
    const row: BenchRow = { file, name: typeof raw.name === 'string' ? raw.name : '(unnamed)', figure, target: targetRaw, pass: passRaw };
    if (details !== undefined) row.details = details;
    return row;
  });
}

/** Checks a figure against a plain numeric target such as "≤ 1.1" or ">= 0.95"; null when it cannot. */
export function judge(target: string, figure: number | undefined): boolean | null {
  const m = /^\s*(≤|<=|<|≥|>=|>)\s*(-?[\d.]+)\s*$/.exec(target);
  if (m === null || figure === undefined) return null;
  const bound = Number(m[2]);
  switch (m[1]) {
    case '≤':
    case '<=':
      return figure <= bound;
    case '<':
      return figure < bound;
    case '≥':
    case '>=':
      return figure >= bound;
    default:
      return figure > bound;
  }
}

export async function runBenchFile(dir: string, file: string): Promise<BenchRow[]> {
  try {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
    const runners = Object.entries(mod).filter(([name, fn]) => /^run\w*Bench$/.test(name) && typeof fn === 'function');
    if (runners.length === 0) return [{ file, name: `(${file})`, figure: '', target: '', pass: false, error: 'exports no run…Bench() function' }];
    const rows: BenchRow[] = [];
    for (const [, fn] of runners) rows.push(...toRows(file, await (fn as () => Promise<unknown>)()));
    return rows;
  } catch (err) {
    return [{ file, name: `(${file})`, figure: '', target: '', pass: false, error: err instanceof Error ? err.message : String(err) }];
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function formatTable(rows: readonly BenchRow[]): string {
  const cells = rows.map((r) => [r.name, r.error ? `error: ${r.error}` : r.figure, r.target, r.pass === null ? '—' : r.pass ? 'pass' : 'FAIL']);
  const header = ['benchmark', 'figure', 'target', 'result'];
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  const line = (row: string[]): string =>
    row
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n';
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = await discoverBenchFiles(here, only);
  if (files.length === 0) throw new Error(`no bench file matches ${only.join(', ')}`);
  const rows: BenchRow[] = [];
  // Figures on a shared machine mean little without its load: printed with each bench file's table.
  const loads: Array<{ file: string; before: number[]; after: number[] }> = [];
  const fmt = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  for (const file of files) {
    process.stderr.write(`running ${file}…\n`);
    const before = loadavg();
    const fileRows = await runBenchFile(here, file);
    const after = loadavg();
    loads.push({ file, before, after });
    rows.push(...fileRows);
    process.stdout.write(`\n${file} — load average (1, 5, 15 min) before: ${fmt(before)}, after: ${fmt(after)}\n${formatTable(fileRows)}`);
  }
  process.stdout.write(`\nall benchmarks\n${formatTable(rows)}`);
  const out = join(here, '..', '.pcq', 'bench-results.json');
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify({ node: process.version, loadAverage: loads, rows }, null, 2) + '\n');
  process.stdout.write(`\nwrote ${out}\n`);
  process.exitCode = rows.every((r) => r.pass !== false) ? 0 : 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
