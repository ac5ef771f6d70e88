// The typed runbook: what the loader produces from YAML/JSON after schema validation and
// normalisation (implicit `needs`, defaults). Everything downstream reads these types only.
import type { SourceLocation } from '../base/errors.ts';

/** Retry policy: `attempts` total tries; the wait before try n+1 is backoffMs[n-1] (last one repeats). */
export interface RetryPolicy {
  attempts: number;
  backoffMs: number[];
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, backoffMs: [2000, 4000, 8000] };
export const DEFAULT_TIMEOUT_MS = 60_000;

export interface InputSpec {
  type: 'string' | 'number' | 'boolean' | 'date';
  description?: string;
  default?: string | number | boolean;
  enum?: Array<string | number>;
  required?: boolean;
}

/** A prover declaration from `provers.preconditions` / `provers.postconditions`. */
export interface ProverSpec {
  id: string; // the key, e.g. "kpi:completeness>=0.95"
  phase: 'precondition' | 'postcondition';
  type: string; // opa | authority | license_registry | license | metric | citations
  config: Record<string, unknown>; // the remaining fields, kind-specific
  location?: SourceLocation;
  /** Location of each config field's value (not enumerable: specs are copied into records). */
  fieldLocations?: Record<string, SourceLocation>;
}

export interface Step {
  stepId: string;
  type: string; // query | mutation | transform | aggregate | assertion | external_api | export | notify | spell
  description?: string;
  /** Resolved dependencies: explicit `needs`, or the step listed before it, or none for `needs: []`. */
  needs: string[];
  /** True when `needs` was written in the file (false when implied by position). */
  needsExplicit: boolean;
  preconditions: string[]; // prover ids
  postconditions: string[]; // prover ids
  retry: RetryPolicy;
  timeoutMs: number;
  /**
   * Whether the step's data (inputs, outputs, recordings, effects) is private: signed by salted
   * digest only and kept out of everything published (private-steps.ts states the rule).
   */
  private: boolean;
  /** `private:` as written in the file, when it was. */
  privateDeclared?: boolean;
  /**
   * `when:` as written: a CEL bool over params, steps and asOf. False skips the step (run/conditions.ts
   * states the rule); absent means the step runs whenever a parent ran.
   */
  when?: string;
  /** Kind-specific fields exactly as written (cypher, endpoint, method, expr, format, ...). */
  config: Record<string, unknown>;
  location?: SourceLocation;
  /** Location of each field of the step, for errors that point at a field. */
  fieldLocations?: Record<string, SourceLocation>;
}

export interface Runbook {
  runbookId: string;
  name: string;
  version: string;
  description?: string;
  inputs: Record<string, InputSpec>;
  /** Graph dataset loaded at the start of each run, relative to the runbook file's folder. */
  dataset?: string;
  steps: Step[];
  provers: Record<string, ProverSpec>; // by id, both phases
  source: { file: string; digest: string }; // digest: sha256:<hex> of the file bytes
  location?: SourceLocation;
}
