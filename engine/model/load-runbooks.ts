// The reading edge of the model: files and folders → parsed runbooks. Reading bytes is the only I/O;
// everything after it is parseRunbook (pure).
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { PcqError, PcqErrors, type PcqIssue } from '../base/errors.ts';
import type { Runbook } from './runbook.ts';
import { parseRunbook, type ParsedRunbook } from './parse-runbook.ts';
import { YAML_LIMITS } from './yaml-limits.ts';

const RUNBOOK_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/**
 * Reads and parses one file; `draft`/`runbook` as parseRunbook, plus read failures as issues.
 * `displayAs` is the file name written into locations (e.g. the path as the user typed it).
 */
export async function readRunbookFile(path: string, displayAs: string = path): Promise<ParsedRunbook> {
  const location = { file: displayAs, line: 1, col: 1 };
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (info.size > YAML_LIMITS.maxBytes) {
      return {
        issues: [
          {
            code: 'PCQ_YAML_TOO_LARGE',
            message: `file is ${info.size} bytes; runbooks are limited to ${YAML_LIMITS.maxBytes} bytes`,
            hint: 'Split the runbook, or move bulk data into runbooks/data/ where it is loaded as a dataset.',
            location,
          },
        ],
      };
    }
    bytes = await readFile(path);
  } catch (err) {
    return { issues: [readIssue(path, err)] };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { issues: [{ code: 'PCQ_YAML_SYNTAX', message: 'file is not valid UTF-8', hint: 'Save the runbook as UTF-8.', location }] };
  }
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  return parseRunbook(text, displayAs, { digest });
}

/** One runbook, or a PcqErrors with every problem in it. */
export async function loadRunbookFile(path: string): Promise<Runbook> {
  const parsed = await readRunbookFile(path);
  if (parsed.runbook && parsed.issues.length === 0) return parsed.runbook;
  throw new PcqErrors(parsed.issues);
}

/** The runbook files named by `paths`: files as given, folders expanded (non-recursive) to *.yaml|*.yml|*.json, sorted. */
export async function expandRunbookPaths(paths: string[]): Promise<{ files: string[]; issues: PcqIssue[] }> {
  const files: string[] = [];
  const issues: PcqIssue[] = [];
  for (const path of paths) {
    try {
      const info = await stat(path);
      if (!info.isDirectory()) {
        files.push(path);
        continue;
      }
      const entries = await readdir(path, { withFileTypes: true });
      // Non-recursive: runbooks/data/ holds datasets, not runbooks.
      const names = entries
        .filter((e) => e.isFile() && RUNBOOK_EXTENSIONS.has(extname(e.name).toLowerCase()))
        .map((e) => e.name)
        .sort();
      files.push(...names.map((name) => join(path, name)));
    } catch (err) {
      issues.push(readIssue(path, err));
    }
  }
  return { files, issues };
}

export interface LoadedRunbooks {
  runbooks: Runbook[];
  issues: PcqIssue[];
  /** Per file, in order: what parseRunbook found (validation uses the drafts). */
  files: Array<{ file: string } & ParsedRunbook>;
}

export async function loadRunbooks(paths: string[]): Promise<LoadedRunbooks> {
  const { files, issues } = await expandRunbookPaths(paths);
  const results = await Promise.all(files.map(async (file) => ({ file, ...(await readRunbookFile(file)) })));
  const runbooks: Runbook[] = [];
  for (const result of results) {
    issues.push(...result.issues);
    if (result.runbook) runbooks.push(result.runbook);
  }
  return { runbooks, issues, files: results };
}

function readIssue(path: string, err: unknown): PcqIssue {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    return {
      code: 'PCQ_FILE_NOT_FOUND',
      message: `${path} does not exist`,
      hint: 'Check the path (runbooks live in runbooks/).',
      location: { file: path, line: 1, col: 1 },
    };
  }
  return new PcqError({
    code: 'PCQ_FILE_UNREADABLE',
    message: `cannot read ${path}: ${(err as Error).message}`,
    hint: 'Check the file permissions.',
    location: { file: path, line: 1, col: 1 },
  }).toIssue();
}
