// What a prover returns and the policy documents it reads. Base layer: the signed step record
// (proof/) carries proof results, so their type lives below proof/, provers/ and runtime/.

export interface ProofResult {
  prover: string; // the prover id, e.g. "authority:read_entities"
  type: string; // the prover kind that decided
  result: 'pass' | 'fail';
  evidence: string; // one human sentence, e.g. "OPA policy allowed"
  details?: Record<string, unknown>; // machine-readable evidence (rule, facts, measured value)
}

export interface Proofs {
  preconditions?: ProofResult[];
  postconditions?: ProofResult[];
}

/** The policy documents provers read (policies/*.yaml), loaded once per run. */
export interface PolicySet {
  /** Named CEL rules, e.g. { "intelgraph.allow": "..." }. */
  rules: Record<string, string>;
  /** Actor facts: roles and attributes per actor login. */
  actors: Record<string, { roles: string[]; [k: string]: unknown }>;
  /** License registry entries. */
  licenses: Array<{ source: string; connector?: string; operations: string[]; license?: string; notes?: string }>;
}
