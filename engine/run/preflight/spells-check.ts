// Spells in the preflight (issue 11): every spell step resolves by id@version and its `with:` fits
// the spell's input schema (file:line:col of `with:`), and every bundle in the repository's spells/
// has a valid spell.yaml naming its own folder, and every publisher trust file parses. The signature policy and the effects policy depend
// on the run (--allow-unsigned, the button, PCQ_FORCE_REQUIRE_SIGNATURE) and are checked by
// `pcq run` right after these (run/spell-setup.ts); `pcq spell show` reports a bundle's signature.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { toIssues, type PcqIssue } from '../../base/errors.ts';
import { loadAllPublishers } from '../../spells/publisher-trust.ts';
import type { Runbook } from '../../model/runbook.ts';
import type { PreflightContext, RunbookCheckContext } from './checks.ts';
import { repositorySpellIssues, spellStaticIssues } from '../spell-preflight.ts';

const where = (ctx: RunbookCheckContext) => ({ root: ctx.root, home: ctx.home ?? join(homedir(), '.pcq') });

export function spellStepsCheck(runbook: Runbook, ctx: RunbookCheckContext): Promise<PcqIssue[]> {
  return spellStaticIssues(where(ctx), runbook);
}

/** The bundles of spells/, and every publisher trust file of policies/publishers/ (each problem located). */
export async function repositorySpellsCheck(ctx: PreflightContext): Promise<PcqIssue[]> {
  const trust = await loadAllPublishers(ctx.root).then(
    () => [],
    (err: unknown) => toIssues(err),
  );
  return [...trust, ...(await repositorySpellIssues(where(ctx)))];
}
