// Spell preflight (docs/design.md §7; seed 004 §7, §11): before any step starts and before anything
// is written, every spell step's spell is resolved by id@version, passes the runtime guards (schema,
// platform, billing flag, connector token presence), has its `with:` checked against its input
// schema, and passes the signature policy (spells/verify-spell.ts). Every refusal is collected with
// its own code. The same resolution and input check run in `pcq validate` (spellStaticIssues).
import type { PcqConfig } from '../runtime/config.ts';
import { PcqErrors, toIssues, type PcqIssue } from '../base/errors.ts';
import type { Runbook, Step } from '../model/runbook.ts';
import { parseUses } from '../spells/id-key.ts';
import { resolveSpell, type ResolvedSpell } from '../spells/resolve.ts';
import { listSpells } from '../spells/list-spells.ts';
import { checkSpellSignature, type SignatureResult } from '../spells/verify-spell.ts';
import { connectorTokens } from '../spells/spell-runtime.ts';
import { spellInputIssues } from '../steps/spell.ts';
import { stepIssue } from '../steps/step-helpers.ts';

export interface AdmittedSpell {
  stepId: string;
  resolved: ResolvedSpell;
  bundleDigest: string;
  signature: SignatureResult;
}

export interface SpellPreflightInput {
  config: PcqConfig;
  runbook: Runbook;
  env: Record<string, string | undefined>;
  /** --allow-unsigned on the CLI (or the Action's input). */
  allowUnsigned: boolean;
  /** The dispatch button's require_signature, when the run came through one. */
  buttonRequiresSignature?: { button: string };
  platform?: string;
}

function spellSteps(runbook: Runbook): Step[] {
  return runbook.steps.filter((s) => s.type === 'spell');
}

async function resolveStep(config: Pick<PcqConfig, 'root' | 'home'>, step: Step): Promise<{ resolved?: ResolvedSpell; issues: PcqIssue[] }> {
  const ref = parseUses(String(step.config['uses'] ?? ''));
  if (!ref) return { issues: [stepIssue(step, 'uses', 'PCQ_STEP_CONFIG', '`uses` must be <id>@<version>')] };
  try {
    return { resolved: await resolveSpell({ root: config.root, home: config.home, ...ref }), issues: [] };
  } catch (err) {
    return {
      issues: toIssues(err).map((i) => ({
        ...i,
        message: `step ${step.stepId}: ${i.message}`,
        ...(i.location ? {} : step.fieldLocations?.['uses'] ? { location: step.fieldLocations['uses'] } : {}),
      })),
    };
  }
}

/** `pcq validate`: every spell step resolves and its `with:` fits the spell's input schema (file:line:col). */
export async function spellStaticIssues(config: Pick<PcqConfig, 'root' | 'home'>, runbook: Runbook): Promise<PcqIssue[]> {
  const issues: PcqIssue[] = [];
  for (const step of spellSteps(runbook)) {
    const { resolved, issues: found } = await resolveStep(config, step);
    issues.push(...found);
    if (resolved) issues.push(...spellInputIssues(step, resolved.manifest));
  }
  return issues;
}

/** Runtime guards of seed 004 §7 that the runtime enforces: platform, billing flag, connector tokens. */
function runtimeGuards(step: Step, resolved: ResolvedSpell, env: Record<string, string | undefined>, platform: string): PcqIssue[] {
  const m = resolved.manifest;
  const issues: PcqIssue[] = [];
  const where = `step ${step.stepId}: spell ${m.id}@${m.version}`;
  if (m.runtime.platforms && !m.runtime.platforms.includes(platform)) {
    issues.push({
      code: 'PCQ_SPELL_PLATFORM',
      message: `${where} runs on ${m.runtime.platforms.join(', ')}, not ${platform}`,
      hint: 'Run it on a platform its runtime.platforms lists.',
    });
  }
  if (m.billing?.enabled === true) {
    issues.push({
      code: 'PCQ_SPELL_BILLING_UNSUPPORTED',
      message: `${where} declares billing.enabled; pcq never executes billing`,
      hint: 'Use a spell without billing.',
    });
  }
  try {
    connectorTokens(m, env);
  } catch (err) {
    issues.push(...toIssues(err).map((i) => ({ ...i, message: `step ${step.stepId}: ${i.message}` })));
  }
  return issues;
}

export async function preflightSpells(input: SpellPreflightInput): Promise<Map<string, AdmittedSpell>> {
  const { config } = input;
  const requiredBy = [
    ...(input.buttonRequiresSignature ? [`button ${input.buttonRequiresSignature.button} (require_signature: true)`] : []),
    ...(config.forceRequireSignature ? ['PCQ_FORCE_REQUIRE_SIGNATURE=true'] : []),
  ];
  const admitted = new Map<string, AdmittedSpell>();
  const issues: PcqIssue[] = [];
  for (const step of spellSteps(input.runbook)) {
    const { resolved, issues: found } = await resolveStep(config, step);
    issues.push(...found);
    if (!resolved) continue;
    const before = issues.length;
    issues.push(...spellInputIssues(step, resolved.manifest), ...runtimeGuards(step, resolved, input.env, input.platform ?? process.platform));
    try {
      const checked = await checkSpellSignature({
        root: config.root,
        bundle: resolved.bundle,
        id: resolved.id,
        version: resolved.version,
        policy: { allowUnsigned: input.allowUnsigned, requiredBy },
      });
      if (issues.length === before) admitted.set(step.stepId, { stepId: step.stepId, resolved, bundleDigest: checked.digest, signature: checked.signature });
    } catch (err) {
      issues.push(...toIssues(err).map((i) => ({ ...i, message: `refused before any step started: step ${step.stepId}: ${i.message}` })));
    }
  }
  if (issues.length > 0) throw new PcqErrors(issues);
  return admitted;
}

/** `pcq validate`: every bundle under the repository's spells/ has a valid spell.yaml naming its own folder's id and version. */
export async function repositorySpellIssues(config: Pick<PcqConfig, 'root' | 'home'>): Promise<PcqIssue[]> {
  const issues: PcqIssue[] = [];
  for (const s of (await listSpells(config.root, config.home)).filter((x) => x.source === 'repository')) {
    try {
      await resolveSpell({ root: config.root, home: config.home, id: s.id, version: s.version });
    } catch (err) {
      issues.push(...toIssues(err));
    }
  }
  return issues;
}
