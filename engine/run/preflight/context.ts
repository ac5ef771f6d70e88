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
import type { PreflightContext } from './checks.ts';

export async function loadPreflightContext(root: string): Promise<PreflightContext> {
  const [policies, connectors] = await Promise.all([loadPolicySet(join(root, 'policies')).catch(() => undefined), loadConnectors(root).catch(() => undefined)]);
  const repositoryRunbooks: PreflightContext['repositoryRunbooks'] = [];
  const dir = join(root, 'runbooks');
  if (existsSync(dir)) {
    for (const f of (await loadRunbooks([dir])).files) {
      const rb = f.runbook ?? f.draft;
      if (rb) repositoryRunbooks.push({ runbookId: rb.runbookId, version: rb.version, file: relative(root, f.file) });
    }
  }
  return { root, cel: createCelEngine(), policies, connectors, repositoryRunbooks, home: process.env.PCQ_HOME || join(homedir(), '.pcq') };
}
