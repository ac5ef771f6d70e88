// Two files with one runbookId: buttons, the site and `pcq runs` name a runbook by its id, so the
// second file would be shadowed (or picked by file order). A new version replaces the old one in
// place; git keeps the history and manifests bind the exact text by digest.
import type { PcqIssue } from '../../base/errors.ts';
import type { Runbook } from '../../model/runbook.ts';
import type { PreflightContext } from './checks.ts';
import { isAbsolute, relative, resolve } from 'node:path';
import { locateInFile } from './locate.ts';

export async function duplicateRunbookIds(ctx: PreflightContext, runbooks: Runbook[]): Promise<PcqIssue[]> {
  const first = new Map<string, Runbook>();
  const issues: PcqIssue[] = [];
  for (const runbook of runbooks) {
    const earlier = first.get(runbook.runbookId);
    if (!earlier) {
      first.set(runbook.runbookId, runbook);
      continue;
    }
    issues.push({
      code: 'PCQ_DUPLICATE_RUNBOOK_ID',
      message: `runbookId "${runbook.runbookId}" is also used by ${shown(ctx.root, earlier.source.file)}`,
      hint: 'Give each runbook file its own runbookId; to publish a new version, edit the existing file and bump `version`.',
      location: await locateInFile(resolve(ctx.root, runbook.source.file), runbook.source.file, ['runbookId']),
      details: { runbookId: runbook.runbookId, files: [earlier.source.file, runbook.source.file] },
    });
  }
  return issues;
}

function shown(root: string, file: string): string {
  const rel = relative(root, resolve(root, file));
  return rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}
