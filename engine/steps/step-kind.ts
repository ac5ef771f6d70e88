// The contract every step kind implements (one file per kind, plugged through steps/registry.ts).
// Ports arrive as parameters so tests pass fakes, a fixed clock and a test signer (docs/design.md §4).
import type { PcqIssue } from '../base/errors.ts';
import type { Runbook, Step } from '../model/runbook.ts';
import type { ArtifactRef, CelEngine, Effect, Recording, StepPorts } from '../base/step-ports.ts';

export interface StepContext {
  runbook: Runbook;
  step: Step;
  /** Run parameters after defaults and coercion. */
  params: Record<string, unknown>;
  /** Outputs of the step's direct dependencies, by stepId, in `needs` order. */
  upstream: Record<string, unknown>;
  /** Outputs of every step finished so far, by stepId (CEL sees them as `steps`). */
  steps: Record<string, unknown>;
  /** The run's clock (ISO-8601 UTC). Never read the wall clock inside a step. */
  asOf: string;
  /** Deterministic randomness seeded from the run's inputs. */
  random: () => number;
  signal: AbortSignal;
  attempt: number; // 1-based
  ports: StepPorts;
}

export interface StepResult {
  /** JSON value recorded as the attestation's `outputs` and handed to dependants. */
  output: unknown;
  /** What the step consumed, recorded as the attestation's `inputs` (default: `upstream`). */
  inputs?: unknown;
  artifacts?: ArtifactRef[];
  recordings?: Recording[];
  effects?: Effect[];
  /** Registered secrets masked in this result (run/step-runner.ts sets it; signed as the predicate's `redactions`). */
  redactions?: number;
  /** An execution log (a spell's stdout/stderr, redacted): kept under private/logs/, never published. */
  log?: string;
}

export interface StepKind {
  readonly type: string;
  /** Static checks of a step's kind-specific config, run by `pcq validate`; coded issues, never throws. */
  check(step: Step, runbook: Runbook, cel: CelEngine): PcqIssue[];
  run(ctx: StepContext): Promise<StepResult>;
}
