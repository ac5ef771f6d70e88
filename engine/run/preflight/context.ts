// Loads what the preflight checks read, once. Every loader here is lenient: a policy file that does
// not parse leaves its part undefined and the policies check reports it with its location, so one
// broken file never hides the problems of the others (every problem at once, issue 14).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { createCelEngine } from '../../runtime/cel.ts';
import { loadPolicySet } from '../../runtime/policy-set.ts';
import { loadConnectors } from '../../runtime/connectors.ts';
import { loadRunbooks } from '../../model/load-runbooks.ts';
import type { PreflightContext, RunbookCheckContext } from './checks.ts';

/** What the runbook checks read (a run's admission): the repository's runbooks are not parsed. */
export async function loadRunbookCheckContext(root: string): Promise<RunbookCheckContext> {
  const [policies, connectors] = await Promise.all([loadPolicySet(join(root, 'policies')).catch(() => undefined), loadConnectors(root).catch(() => undefined)]);
  return { root, cel: createCelEngine(), policies, connectors, home: process.env.PCQ_HOME || join(homedir(), '.pcq') };
}

/** What every check reads (`pcq validate`): the runbook checks' context plus every runbook in runbooks/ (the buttons check). */
export async function loadPreflightContext(root: string): Promise<PreflightContext> {
  const ctx = await loadRunbookCheckContext(root);
  const repositoryRunbooks: PreflightContext['repositoryRunbooks'] = [];
  const dir = join(root, 'runbooks');
  if (existsSync(dir)) {
    for (const f of (await loadRunbooks([dir])).files) {
      const rb = f.runbook ?? f.draft;
      if (rb) repositoryRunbooks.push({ runbookId: rb.runbookId, version: rb.version, file: relative(root, f.file) });
    }
  }
  return { ...ctx, repositoryRunbooks };
}
