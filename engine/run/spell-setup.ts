// The run's spell and effects preflight, and what it hands the executor: the spell step kind bound
// to the admitted bundles, the spell records each spell step signs and the effects decision the
// manifest seals. Shared by `pcq run` / the Action (run-runbook.ts) and `pcq replay` (replay-run.ts).
import type { PcqConfig } from '../runtime/config.ts';
import type { Runbook } from '../model/runbook.ts';
import type { SpellAttestation } from '../base/signed-records.ts';
import type { StepKind } from '../steps/step-kind.ts';
import type { EffectsDecision } from '../runtime/effects-policy.ts';
import { preflightSpells } from './spell-preflight.ts';
import { preflightEffects } from './effects-preflight.ts';
import { spellAttestations } from './spell-attestation.ts';
import { createSpellStepKind } from '../steps/spell.ts';
import { createHostRuntime } from '../spells/host-runtime.ts';
import { createDockerRuntime } from '../spells/docker-runtime.ts';

export interface SpellSetup {
  spellKind: StepKind;
  spells: Map<string, SpellAttestation>;
  effects: EffectsDecision;
}

export async function setUpSpells(input: {
  config: PcqConfig;
  runbook: Runbook;
  env: Record<string, string | undefined>;
  allowUnsigned: boolean;
  buttonRequiresSignature?: { button: string };
}): Promise<SpellSetup> {
  const admitted = await preflightSpells(input);
  const effects = await preflightEffects(input.config.root, input.runbook, new Map([...admitted].map(([id, a]) => [id, a.resolved.manifest])));
  const spellKind = createSpellStepKind({
    prepared: new Map([...admitted].map(([id, a]) => [id, { manifest: a.resolved.manifest, files: a.resolved.bundle.files }])),
    runtimes: { host: createHostRuntime(), docker: createDockerRuntime() },
    env: input.env,
  });
  return { spellKind, spells: spellAttestations(admitted, effects), effects };
}

export function withSpellKind(kinds: ReadonlyMap<string, StepKind>, spellKind: StepKind): Map<string, StepKind> {
  return new Map(kinds).set('spell', spellKind);
}
