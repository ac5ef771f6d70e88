// A runbook's dataset exists, parses (manifest + every CSV with its header, as a run loads it) and
// lies inside the repository: a run binds its data by repository-relative path (the manifest's
// `datasets`, FORMATS.md), so a dataset reached through `..` or a symbolic link pointing outside
// the repository would sign bytes no reviewer of the repository can see.
import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { toIssues, type PcqIssue, type SourceLocation } from '../../base/errors.ts';
import type { Runbook } from '../../model/runbook.ts';
import { readDataset } from '../../graph/read-dataset.ts';
import type { RunbookCheckContext } from './checks.ts';
import { locateInFile } from './locate.ts';

const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

export async function datasetIssues(runbook: Runbook, ctx: RunbookCheckContext): Promise<PcqIssue[]> {
  if (runbook.dataset === undefined) return [];
  const runbookFile = resolve(ctx.root, runbook.source.file);
  const issues = await unlocatedIssues(runbook, runbook.dataset, ctx, runbookFile);
  if (!issues.some((i) => i.location === HERE)) return issues;
  // Locating `dataset:` re-reads the runbook text (a 200-step runbook takes a noticeable share of a
  // run's start-up): only done when there is a problem to point at.
  const location = await locateInFile(runbookFile, runbook.source.file, ['dataset']);
  return issues.map((i) => (i.location === HERE ? { ...i, location } : i));
}

/** Stands for the runbook's `dataset:` line until an issue needs it located. */
const HERE: SourceLocation = { file: '', line: 1, col: 1 };

async function unlocatedIssues(runbook: Runbook, dataset: string, ctx: RunbookCheckContext, runbookFile: string): Promise<PcqIssue[]> {
  const location = HERE;
  const dir = resolve(dirname(runbookFile), 'data', dataset);
  const outside = (what: string): PcqIssue => ({
    code: 'PCQ_DATASET_OUTSIDE_REPO',
    message: `runbook ${runbook.runbookId} names dataset "${runbook.dataset}", but ${what} lies outside the repository ${ctx.root}`,
    hint: 'Keep datasets in runbooks/data/<name>/ inside the repository, as plain folders and files (no `..`, no symbolic link leading out).',
    location,
  });
  const root = await realpath(ctx.root).catch(() => resolve(ctx.root));
  if (!inside(resolve(ctx.root), dir)) return [outside(dir)];
  let real: string;
  try {
    real = await realpath(dir);
  } catch {
    return [notFound(runbook, dir, location)];
  }
  if (!inside(root, real)) return [outside(`${dir} (a link to ${real})`)];
  let files: string[];
  try {
    files = (await readDataset(real)).files.map((f) => f.name);
  } catch (err) {
    return toIssues(err).map((issue) => (issue.code === 'PCQ_DATASET_NOT_FOUND' ? notFound(runbook, dir, location) : issue));
  }
  const issues: PcqIssue[] = [];
  for (const name of files) {
    const file = await realpath(join(real, name)).catch(() => join(real, name));
    if (!inside(root, file)) issues.push(outside(`${join(dir, name)} (a link to ${file})`));
  }
  return issues;
}

function notFound(runbook: Runbook, dir: string, location: SourceLocation): PcqIssue {
  return {
    code: 'PCQ_DATASET_NOT_FOUND',
    message: `runbook ${runbook.runbookId} names dataset "${runbook.dataset}", but ${dir} has no dataset.yaml`,
    hint: 'Datasets live in runbooks/data/<name>/ beside the runbook file; check `dataset:`.',
    location,
  };
}
