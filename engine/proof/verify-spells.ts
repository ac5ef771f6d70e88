// What a manifest says about spells and effects (engine/FORMATS.md "Spells"), checked offline and
// shown: each spell step's signed `spell` record (id@version, bundle digest, publisher key and
// signature result, or the explicit --allow-unsigned opt-out) and the sealed effectsPolicy, which
// must list exactly the effects each spell step's record declares, under the same policy digest.
// The signature over the bundle was checked before the run by the runner; here we check the records
// agree with each other and name what the run relied on.
import type { PcqCode } from '../base/error-catalogue.ts';

type Report = (code: PcqCode, check: string, message: string, stepId?: string) => void;
type Pass = (code: PcqCode, check: string, message: string) => void;
type Raw = Record<string, unknown>;

interface SpellRecord {
  id: string;
  version: string;
  bundleDigest: string;
  runtime: string;
  signature: { result: string; publisher: string | null; keyId: string | null; publicKey: string | null; allowUnsigned: boolean };
  effects: { decision: string; policyDigest: string | null; declared: Array<{ type: string; target: string; mutates: boolean }> };
}

const key = (e: Raw | { type: string; target: string; mutates: boolean }): string => JSON.stringify([e.type, e.target, e.mutates]);

export function verifySpells(manifest: Raw, steps: ReadonlyArray<{ stepId: string; predicate: unknown }>, fail: Report, pass: Pass): void {
  const policy = manifest.effectsPolicy as { policyDigest: string | null; policyFile: string | null; effects: Array<Raw> } | undefined;
  const spells = steps.flatMap((s) => {
    const p = s.predicate as Raw | undefined;
    return p && p.spell !== undefined ? [{ stepId: s.stepId, spell: p.spell as SpellRecord }] : [];
  });
  for (const { stepId, spell } of spells) {
    const sig = spell.signature;
    const who = sig.result === 'verified' ? `signed by ${sig.publisher}/${sig.keyId} (${sig.publicKey})` : 'UNSIGNED, admitted with --allow-unsigned';
    if (policy) {
      const listed = policy.effects
        .filter((e) => e.stepId === stepId && e.source === 'spell')
        .map(key)
        .sort();
      const declared = spell.effects.declared.map(key).sort();
      if (spell.effects.policyDigest !== policy.policyDigest || JSON.stringify(listed) !== JSON.stringify(declared)) {
        fail('PCQ_SPELL_RECORD_MISMATCH', 'spell', `the spell record's effects or policy digest differ from the manifest's effectsPolicy`, stepId);
        continue;
      }
    }
    pass(
      'PCQ_SPELL_RECORD_MISMATCH',
      'spell',
      `step ${stepId}: spell ${spell.id}@${spell.version} (${spell.runtime}) bundle ${spell.bundleDigest}, ${who}; effects ${spell.effects.decision}`,
    );
  }
  if (policy) {
    const spellSteps = new Set(spells.map((s) => s.stepId));
    const orphan = policy.effects.find((e) => e.source === 'spell' && !spellSteps.has(String(e.stepId)));
    if (orphan)
      fail(
        'PCQ_SPELL_RECORD_MISMATCH',
        'effects-policy',
        `effectsPolicy lists a spell effect for step ${String(orphan.stepId)}, which carries no spell record`,
      );
    else
      pass(
        'PCQ_SPELL_RECORD_MISMATCH',
        'effects-policy',
        `${policy.effects.length} declared effect(s) allowed before the run by ${policy.policyFile ?? 'no policy file (everything allowed)'}${policy.policyDigest ? ` (${policy.policyDigest})` : ''}`,
      );
  }
}
