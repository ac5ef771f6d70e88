// The pcq step predicate (predicateType https://pcq.dev/attestation/step/v1, FORMATS.md) and its
// structural check, shared by attest (what we sign) and verify (what we accept).
import type { Proofs } from '../base/proofs.ts';
import { isDigest } from './digest.ts';

export function normaliseProofs(proofs: Proofs | undefined): { preconditions: unknown[]; postconditions: unknown[] } {
  return { preconditions: proofs?.preconditions ?? [], postconditions: proofs?.postconditions ?? [] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** Problems with a decoded predicate's shape; empty when it is a well-formed step predicate. */
export function checkStepPredicate(value: unknown): string[] {
  if (!isRecord(value)) return ['predicate is not an object'];
  const problems: string[] = [];
  for (const field of ['runbookId', 'runbookVersion', 'stepId', 'type', 'timestamp'] as const) {
    if (typeof value[field] !== 'string') problems.push(`predicate.${field} must be a string`);
  }
  if (!isDigest(value.runbookDigest)) problems.push('predicate.runbookDigest must be sha256:<hex>');
  if (value.previousAttestationHash !== null && !isDigest(value.previousAttestationHash))
    problems.push('predicate.previousAttestationHash must be null or sha256:<hex>');
  if (!isStringArray(value.needs)) problems.push('predicate.needs must be a list of stepIds');
  if (!Array.isArray(value.parents) || !value.parents.every(isDigest)) problems.push('predicate.parents must be a list of sha256:<hex>');
  if (value.status !== 'succeeded' && value.status !== 'failed' && value.status !== 'skipped')
    problems.push('predicate.status must be succeeded, failed or skipped');
  const proofs = value.proofs;
  if (!isRecord(proofs) || !Array.isArray(proofs.preconditions) || !Array.isArray(proofs.postconditions))
    problems.push('predicate.proofs must hold preconditions and postconditions lists');
  if (!Array.isArray(value.artifacts)) problems.push('predicate.artifacts must be a list');
  if (!isStringArray(value.recordings)) problems.push('predicate.recordings must be a list of digests');
  if (!('inputs' in value) || !('outputs' in value)) problems.push('predicate needs inputs and outputs');
  problems.push(...checkBranchFields(value));
  if ('redactions' in value && !(Number.isSafeInteger(value.redactions) && (value.redactions as number) > 0))
    problems.push('predicate.redactions must be a positive integer when present');
  if ('spell' in value) problems.push(...checkSpellField(value.spell, value.type));
  return problems;
}

/**
 * `condition` / `skipped` (FORMATS.md "Conditional steps"): well formed, and consistent with the
 * step's own status: a branch skip is `status: skipped`; a false condition skips; a true one runs.
 */
function checkBranchFields(value: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const condition = value.condition;
  if (
    'condition' in value &&
    !(isRecord(condition) && typeof condition.expr === 'string' && typeof condition.value === 'boolean' && Object.keys(condition).length === 2)
  ) {
    problems.push('predicate.condition must be {expr: string, value: boolean}');
  }
  if ('skipped' in value && value.skipped !== 'condition-false' && value.skipped !== 'parents-skipped')
    problems.push('predicate.skipped must be condition-false or parents-skipped');
  if (problems.length > 0) return problems;
  if ('skipped' in value && value.status !== 'skipped') problems.push('predicate.skipped is set but status is not skipped');
  const evaluated = isRecord(condition) ? condition.value : undefined;
  if (value.skipped === 'condition-false' && evaluated !== false)
    problems.push('predicate.skipped is condition-false but the condition is not recorded as false');
  if (value.skipped === 'parents-skipped' && 'condition' in value) problems.push('a step skipped with its parents has no evaluated condition');
  if (evaluated === false && value.skipped !== 'condition-false') problems.push('the condition is false but the step is not skipped by it');
  return problems;
}

const isNullableString = (v: unknown): boolean => v === null || typeof v === 'string';

/** The `spell` field of a spell step's predicate (FORMATS.md "Spells"): shape and internal consistency. */
export function checkSpellField(spell: unknown, type: unknown): string[] {
  if (type !== 'spell') return ['predicate.spell is only allowed on a spell step'];
  if (!isRecord(spell)) return ['predicate.spell must be an object'];
  const problems: string[] = [];
  if (typeof spell.id !== 'string' || typeof spell.version !== 'string') problems.push('predicate.spell needs id and version');
  if (!isDigest(spell.bundleDigest)) problems.push('predicate.spell.bundleDigest must be sha256:<hex>');
  if (spell.runtime !== 'host' && spell.runtime !== 'docker') problems.push('predicate.spell.runtime must be host or docker');
  const sig = spell.signature;
  if (
    !isRecord(sig) ||
    (sig.result !== 'verified' && sig.result !== 'unsigned-allowed') ||
    typeof sig.allowUnsigned !== 'boolean' ||
    !isNullableString(sig.publisher) ||
    !isNullableString(sig.keyId) ||
    !isNullableString(sig.publicKey)
  ) {
    problems.push('predicate.spell.signature must hold result, publisher, keyId, publicKey and allowUnsigned');
  } else if (sig.result === 'verified' && (sig.publisher === null || sig.keyId === null || sig.publicKey === null)) {
    problems.push('predicate.spell.signature: a verified signature names its publisher, keyId and publicKey');
  } else if (sig.result === 'unsigned-allowed' && sig.allowUnsigned !== true) {
    problems.push('predicate.spell.signature: an unsigned spell ran only with allowUnsigned true');
  }
  const eff = spell.effects;
  if (!isRecord(eff) || eff.decision !== 'allowed' || !(eff.policyDigest === null || isDigest(eff.policyDigest)) || !Array.isArray(eff.declared)) {
    problems.push('predicate.spell.effects must record an allowed decision, the policy digest (or null) and the declared effects');
  }
  return problems;
}
