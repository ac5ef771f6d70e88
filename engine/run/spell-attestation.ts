// What each spell step's predicate signs about its spell (base/signed-records.ts SpellAttestation;
// engine/FORMATS.md "Spells"): built from the preflight's admission and the effects decision.
import type { SpellAttestation } from '../base/signed-records.ts';
import type { EffectsDecision } from '../runtime/effects-policy.ts';
import type { AdmittedSpell } from './spell-preflight.ts';

export function spellAttestations(admitted: ReadonlyMap<string, AdmittedSpell>, effects: EffectsDecision): Map<string, SpellAttestation> {
  const out = new Map<string, SpellAttestation>();
  for (const [stepId, a] of admitted) {
    const m = a.resolved.manifest;
    out.set(stepId, {
      id: m.id,
      version: m.version,
      bundleDigest: a.bundleDigest,
      runtime: m.runtime.kind,
      signature: { ...a.signature },
      effects: {
        decision: 'allowed',
        policyDigest: effects.policyDigest,
        declared: m.effects.map((e) => ({ type: e.type, target: e.target, mutates: e.mutates })),
      },
    });
  }
  return out;
}
