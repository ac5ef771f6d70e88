// The ports a step reaches the outside world through (artifacts, HTTP, notifications, CEL) and the
// evidence records they return. Base layer: steps/, provers/, runtime/ and proof/ share these
// types, so they live below all of them and import nothing above (engine/README.md "Layers").
import type { GraphStore } from './graph-store.ts';
import type { ApprovalOutcome } from './signed-records.ts';

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
  /** How many registered secrets were masked in this exchange before it was kept (base/secrets.ts); absent when none. */
  redactions?: number;
}

/** A side effect (notification) as sent, compared on replay instead of being sent again. */
export interface Effect {
  channel: 'email' | 'webhook' | 'outbox';
  target: string;
  digest: string; // sha256:<hex> of the canonical message
  message: unknown;
}

/** Compile-once CEL evaluation shared by steps and provers (runtime/cel.ts implements it). */
/** Bounds for one evaluation (runtime/cel-sandbox.ts); an engine without a sandbox ignores them. */
export interface CelLimits {
  /** Epoch ms by which the evaluation must end (the step attempt's start + its timeout). */
  deadline?: number;
}

export interface CelEngine {
  /** Evaluates `expr` (compiled once per engine and cached) against `vars`; JSON numbers are CEL doubles. */
  evaluate(expr: string, vars: Record<string, unknown>, limits?: CelLimits): unknown;
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
  /** The decisions a resumed (or replayed) run has for its approval steps; absent: none, so an approval pauses. */
  approvals?: ApprovalPort;
}

/** An approval step's decision as the run received it (FORMATS.md "Approval steps"). */
export interface ApprovalPort {
  decisionFor(stepId: string): ApprovalOutcome | undefined;
}
