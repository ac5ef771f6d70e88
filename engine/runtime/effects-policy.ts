// The runtime effects policy (seed 004 §13; issue 11 Deliver 9): policies/runtime-policy.json
//   { "effects": { "allow_types": [..], "deny_types": [..], "deny_mutations": true|false } }
// every field optional. allow_types (when present) denies any effect whose type it does not list;
// deny_types denies the types it lists and wins over allow_types; deny_mutations denies every effect
// with mutates: true. It applies to spells (their declared effects) AND built-in steps: a `mutation`
// step is {type: graph_mutation, mutates: true}, `notify` is {type: notify}, `external_api` is
// {type: external_api}, `export` is {type: export} (builtinEffects). No file: everything is allowed,
// and the record says so (digest null).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PcqError, PcqErrors, type PcqIssue } from '../base/errors.ts';
import { canonicalize } from '../proof/jcs.ts';
import { digestOf } from '../proof/digest.ts';
import { sha256Node } from '../proof/hash-node.ts';

export const RUNTIME_POLICY_FILE = 'policies/runtime-policy.json';
const TYPE = /^[a-z][a-z0-9_.-]{0,63}$/;

export interface EffectsControls {
  allow_types?: string[];
  deny_types?: string[];
  deny_mutations?: boolean;
}

export interface RuntimePolicy {
  effects?: EffectsControls;
}

export interface DeclaredEffect {
  stepId: string;
  type: string;
  target: string;
  mutates: boolean;
  source: 'spell' | 'builtin';
}

export interface EffectsDecision {
  decision: 'allowed' | 'denied';
  /** sha256 of JCS(normalised policy); null when there is no policy file. */
  policyDigest: string | null;
  policyFile: string | null;
  effects: Array<DeclaredEffect & { allowed: boolean; reason?: string }>;
}

/** Validates a parsed policy value; every problem at once. */
export function validateRuntimePolicy(value: unknown, file: string): { policy?: RuntimePolicy; issues: PcqIssue[] } {
  const issues: PcqIssue[] = [];
  const bad = (message: string): void => {
    issues.push({
      code: 'PCQ_POLICY_INVALID',
      message: `${file}: ${message}`,
      hint: 'Write {"effects": {"allow_types": [..], "deny_types": [..], "deny_mutations": true|false}} (every field optional).',
    });
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    bad('the policy must be a JSON object');
    return { issues };
  }
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) if (k !== 'effects') bad(`unknown field "${k}"`);
  const policy: RuntimePolicy = {};
  if (v.effects !== undefined) {
    const e = v.effects as Record<string, unknown>;
    if (e === null || typeof e !== 'object' || Array.isArray(e)) bad('effects must be an object');
    else {
      const controls: EffectsControls = {};
      for (const k of Object.keys(e)) if (!['allow_types', 'deny_types', 'deny_mutations'].includes(k)) bad(`effects: unknown field "${k}"`);
      for (const k of ['allow_types', 'deny_types'] as const) {
        if (e[k] === undefined) continue;
        const list = e[k];
        if (!Array.isArray(list) || !list.every((t) => typeof t === 'string' && TYPE.test(t)))
          bad(`effects.${k} must be a list of effect types (lower-case, e.g. graph_mutation)`);
        else controls[k] = [...new Set(list as string[])].sort();
      }
      if (e.deny_mutations !== undefined) {
        if (typeof e.deny_mutations !== 'boolean') bad('effects.deny_mutations must be true or false');
        else controls.deny_mutations = e.deny_mutations;
      }
      policy.effects = controls;
    }
  }
  return issues.length > 0 ? { issues } : { policy, issues };
}

export function parseRuntimePolicy(text: string, file: string): RuntimePolicy {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PcqError({ code: 'PCQ_POLICY_INVALID', message: `${file} is not JSON: ${(err as Error).message}`, hint: 'Fix the JSON syntax.' });
  }
  const { policy, issues } = validateRuntimePolicy(value, file);
  if (!policy) throw new PcqErrors(issues);
  return policy;
}

/** The normalised form `pcq policy set` writes: pretty JSON, sorted lists, trailing newline. */
export function renderRuntimePolicy(policy: RuntimePolicy): string {
  return JSON.stringify(JSON.parse(canonicalize(policy)), null, 2) + '\n';
}

export function policyDigest(policy: RuntimePolicy): string {
  return digestOf(canonicalize(policy), sha256Node);
}

export async function loadRuntimePolicy(root: string): Promise<{ policy: RuntimePolicy; file: string } | undefined> {
  let text: string;
  try {
    text = await readFile(join(root, RUNTIME_POLICY_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PcqError({
      code: 'PCQ_POLICY_UNREADABLE',
      message: `cannot read ${RUNTIME_POLICY_FILE}: ${(err as Error).message}`,
      hint: 'Check the file permissions.',
    });
  }
  return { policy: parseRuntimePolicy(text, RUNTIME_POLICY_FILE), file: RUNTIME_POLICY_FILE };
}

/** Why the policy denies one effect, or undefined when it allows it. deny_types wins over allow_types. */
export function denialReason(controls: EffectsControls | undefined, effect: { type: string; mutates: boolean }): string | undefined {
  if (!controls) return undefined;
  if (controls.deny_types?.includes(effect.type)) return `effect type ${effect.type} is in deny_types`;
  if (controls.deny_mutations === true && effect.mutates) return `deny_mutations is on and the effect mutates (${effect.type})`;
  if (controls.allow_types !== undefined && !controls.allow_types.includes(effect.type)) return `effect type ${effect.type} is not in allow_types`;
  return undefined;
}

export function decideEffects(loaded: { policy: RuntimePolicy; file: string } | undefined, effects: DeclaredEffect[]): EffectsDecision {
  const controls = loaded?.policy.effects;
  const judged = effects.map((e) => {
    const reason = denialReason(controls, e);
    return reason === undefined ? { ...e, allowed: true } : { ...e, allowed: false, reason };
  });
  return {
    decision: judged.every((e) => e.allowed) ? 'allowed' : 'denied',
    policyDigest: loaded ? policyDigest(loaded.policy) : null,
    policyFile: loaded ? loaded.file : null,
    effects: judged,
  };
}
