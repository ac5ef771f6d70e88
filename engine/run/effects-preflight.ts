// Effects preflight (seed 004 §13; docs/design.md §7): every effect the plan declares — each spell's
// `effects` and the built-in steps' own (a mutation step mutates the graph; notify, external_api
// and export have their types) — is judged by policies/runtime-policy.json before any step starts.
// A denial refuses the run with PCQ_EFFECT_DENIED naming each denied effect; nothing is written.
import { PcqErrors, type PcqIssue } from '../base/errors.ts';
import type { Runbook, Step } from '../model/runbook.ts';
import { decideEffects, loadRuntimePolicy, type DeclaredEffect, type EffectsDecision } from '../runtime/effects-policy.ts';
import type { SpellManifest } from '../model/spell-manifest.ts';

/** The effects a built-in step has by its kind (engine/FORMATS.md "Spells", effects policy). */
export function builtinEffects(step: Step): DeclaredEffect[] {
  const e = (type: string, target: string, mutates: boolean): DeclaredEffect[] => [{ stepId: step.stepId, type, target, mutates, source: 'builtin' }];
  switch (step.type) {
    case 'mutation':
      return e('graph_mutation', 'graph', true);
    case 'notify':
      return e('notify', String(step.config['channel'] ?? 'email'), false);
    case 'external_api':
      return e('external_api', String(step.config['connector'] ?? step.config['endpoint'] ?? 'unknown'), false);
    case 'export':
      return e('export', String(step.config['name'] ?? 'artifact'), false);
    default:
      return [];
  }
}

export function declaredEffects(runbook: Runbook, spells: ReadonlyMap<string, SpellManifest>): DeclaredEffect[] {
  return runbook.steps.flatMap((step) => {
    const spell = spells.get(step.stepId);
    if (spell) return spell.effects.map((x) => ({ stepId: step.stepId, type: x.type, target: x.target, mutates: x.mutates, source: 'spell' as const }));
    return builtinEffects(step);
  });
}

/** Decides and refuses on denial; returns the (allowed) decision to record in the run's proofs. */
export async function preflightEffects(root: string, runbook: Runbook, spells: ReadonlyMap<string, SpellManifest>): Promise<EffectsDecision> {
  const decision = decideEffects(await loadRuntimePolicy(root), declaredEffects(runbook, spells));
  if (decision.decision === 'denied') {
    const issues: PcqIssue[] = decision.effects
      .filter((e) => !e.allowed)
      .map((e) => {
        const step = runbook.steps.find((s) => s.stepId === e.stepId);
        return {
          code: 'PCQ_EFFECT_DENIED' as const,
          message: `refused before any step started: step ${e.stepId} (${e.source === 'spell' ? 'spell' : step?.type}) declares effect ${e.type} on ${e.target}${e.mutates ? ' (mutates)' : ''}: ${e.reason} in ${decision.policyFile}`,
          hint: 'Change policies/runtime-policy.json with `pcq policy set --file`, or remove the step; nothing ran.',
          ...(step?.location ? { location: step.location } : {}),
          details: { stepId: e.stepId, type: e.type, policyDigest: decision.policyDigest },
        };
      });
    throw new PcqErrors(issues);
  }
  return decision;
}
