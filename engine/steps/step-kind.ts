// The contract every step kind implements (one file per kind, plugged through steps/registry.ts).
// Ports arrive as parameters so tests pass fakes, a fixed clock and a test signer (DESIGN §4).
import type { PcqIssue } from '../runtime/errors.ts';
import type { Runbook, Step } from '../model/runbook.ts';
import type { GraphStore } from '../graph/graph-store.ts';

/** A file a step produced (report, CSV, ...). The executor decides whether it is released or withheld. */
export interface ArtifactRef {
  name: string; // file name, unique within the run, e.g. "weekly-report.pdf"
  mediaType: string;
  digest: string; // sha256:<hex> of the bytes
  size: number;
}

export interface ArtifactSink {
  write(name: string, bytes: Uint8Array, mediaType: string): Promise<ArtifactRef>;
  /** The bytes of an artifact written earlier in this run (notify `attach`); undefined when unknown. */
  read?(name: string): Promise<Uint8Array | undefined>;
}

/** One recorded exchange with the outside world, kept as evidence so a run replays offline. */
export interface Recording {
  connector: string;
  request: { method: string; url: string; headers?: Record<string, string>; body?: unknown };
  response: { status: number; headers?: Record<string, string>; body: unknown };
  key: string; // sha256:<hex> of the canonical request (connector, method, path, body): the replay lookup key
}

/** A side effect (notification) as sent, compared on replay instead of being sent again. */
export interface Effect {
  channel: 'email' | 'webhook' | 'outbox';
  target: string;
  digest: string; // sha256:<hex> of the canonical message
  message: unknown;
}

/** Compile-once CEL evaluation shared by steps and provers (runtime/cel.ts implements it). */
export interface CelEngine {
  /** Evaluates `expr` (compiled once per engine and cached) against `vars`; JSON numbers are CEL doubles. */
  evaluate(expr: string, vars: Record<string, unknown>): unknown;
  /** Compile-only check for validation; returns a message or undefined when the expression is valid. */
  check(expr: string): string | undefined;
}

export interface HttpPort {
  /** Calls a named connector (policies/connectors.yaml). In replay mode it answers from recordings. */
  call(
    connector: string,
    request: { method: string; path?: string; url?: string; body?: unknown; headers?: Record<string, string> },
    signal: AbortSignal,
  ): Promise<{ status: number; body: unknown; recording: Recording }>;
}

export interface NotifyMessage {
  channel: 'email' | 'webhook';
  to: string[]; // addresses for email; a named webhook for webhook
  subject: string;
  text: string;
  attachments?: Array<{ filename: string; content: Uint8Array; contentType: string }>;
}

export interface Notifier {
  send(message: NotifyMessage, signal: AbortSignal): Promise<Effect>;
}

export interface StepPorts {
  graph: GraphStore;
  cel: CelEngine;
  http: HttpPort;
  notifier: Notifier;
  artifacts: ArtifactSink;
}

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
}

export interface StepKind {
  readonly type: string;
  /** Static checks of a step's kind-specific config, run by `pcq validate`; coded issues, never throws. */
  check(step: Step, runbook: Runbook, cel: CelEngine): PcqIssue[];
  run(ctx: StepContext): Promise<StepResult>;
}
