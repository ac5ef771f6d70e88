// Spells in the preflight (issue 11): every spell step resolves by id@version and its `with:` fits
// the spell's input schema (file:line:col of `with:`), and every bundle in the repository's spells/
// has a valid spell.yaml naming its own folder. The signature policy and the effects policy depend
// on the run (--allow-unsigned, the button, PCQ_FORCE_REQUIRE_SIGNATURE) and are checked by
// `pcq run` right after these (run/spell-setup.ts); `pcq spell show` reports a bundle's signature.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { PcqIssue } from '../../base/errors.ts';
import type { Runbook } from '../../model/runbook.ts';
import type { PreflightContext } from './checks.ts';
import { repositorySpellIssues, spellStaticIssues } from '../spell-preflight.ts';

const where = (ctx: PreflightContext) => ({ root: ctx.root, home: ctx.home ?? join(homedir(), '.pcq') });

export function spellStepsCheck(runbook: Runbook, ctx: PreflightContext): Promise<PcqIssue[]> {
  return spellStaticIssues(where(ctx), runbook);
}

export function repositorySpellsCheck(ctx: PreflightContext): Promise<PcqIssue[]> {
  return repositorySpellIssues(where(ctx));
}
