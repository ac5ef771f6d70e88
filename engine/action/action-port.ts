// What the Action needs from the runner (@actions/core) and from the job's context, as values, so
// that every command is testable in-process and main.ts stays a thin wiring file.
import type { AnnotationSink } from './annotations.ts';
import type { Scm } from '../github/scm.ts';

export interface ActionCore extends AnnotationSink {
  info(message: string): void;
  setOutput(name: string, value: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Appends markdown to the job summary (GITHUB_STEP_SUMMARY). */
  writeSummary(markdown: string): Promise<void>;
}

export interface ActionInputs {
  command: 'validate' | 'plan' | 'run' | 'review' | 'publish' | 'retry' | 'status';
  button: string;
  params: Record<string, unknown>;
  asOf: string;
  replayOf: string;
  /** `command: retry`: the failed execution to re-run as a new one. */
  executionId: string;
  publishBranch: string;
  paths: string[];
}

export interface ActionContext {
  core: ActionCore;
  inputs: ActionInputs;
  env: Record<string, string | undefined>;
  workspace: string; // absolute
  /** null when no token was given: commands that need GitHub say so with a coded error. */
  scm: Scm | null;
  now: () => Date;
}
