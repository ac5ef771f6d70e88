// The CLI's window on the world: streams, environment and working folder arrive as a value so that
// commands are testable without spawning a process (ports as parameters, docs/design.md §4).
import { formatIssue, toIssues, type PcqIssue } from '../base/errors.ts';
import { ERROR_CLASSES, exitCodeFor } from '../base/error-catalogue.ts';
import { secretRegistry } from '../base/secrets.ts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
}

/**
 * Documented exit codes (README "Exit codes"). Those for errors come from the error classes of
 * base/error-catalogue.ts, so a code's exit status is declared once, with the code.
 */
export const EXIT = {
  ok: 0,
  failed: ERROR_CLASSES['failed-check'].exitCode, // the thing checked failed: verification, a step, a refusal
  usage: ERROR_CLASSES.usage.exitCode, // bad flags or arguments
  invalid: ERROR_CLASSES['invalid-input'].exitCode, // input files invalid (validation errors)
  blocked: 4, // run finished but a failed prover (precondition or postcondition) blocked its exports (a run status, not an error)
  internal: ERROR_CLASSES.internal.exitCode,
  transient: ERROR_CLASSES.transient.exitCode, // try again later: a timeout, an unreachable service, a held lock
} as const;

export interface Command {
  name: string;
  summary: string;
  usage: string; // full --help text
  run(argv: string[], io: CliIo): Promise<number>;
}

export function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    isTTY: Boolean(process.stdout.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}

/**
 * The io with the environment's secrets registered (RUNNER_SECRET, CONNECTOR_<NAME>_TOKEN, every
 * secret-shaped name) and stdout/stderr passed through the process-wide registry, so no verb can
 * print a secret in any of its encodings.
 */
export function redactingIo(io: CliIo): CliIo {
  secretRegistry.registerFromEnv(io.env, ['RUNNER_SECRET']);
  return { ...io, stdout: (t) => io.stdout(secretRegistry.redact(t)), stderr: (t) => io.stderr(secretRegistry.redact(t)) };
}

/**
 * The version of every `--json` document the CLI prints (schemas/cli/<verb>.schema.json). It goes
 * up when a field is removed or changes meaning; adding a field keeps it (CHANGELOG.md policy).
 */
export const CLI_JSON_SCHEMA_VERSION = 1;

/** Prints one `--json` document: an object with `schemaVersion` first, pretty-printed. */
export function printJson(io: CliIo, value: object): void {
  // An array spread into the document would print as {"0": …, "1": …}: every document is an object.
  if (Array.isArray(value)) throw new Error('printJson takes an object document, not an array: wrap the list in a named field');
  io.stdout(JSON.stringify({ schemaVersion: CLI_JSON_SCHEMA_VERSION, ...value }, null, 2) + '\n');
}

/** Prints coded issues one per line (or as JSON) and returns the exit code their classes give. */
export function reportIssues(io: CliIo, err: unknown, json: boolean): number {
  const issues: PcqIssue[] = toIssues(err);
  if (json) printJson(io, { ok: false, issues });
  else for (const issue of issues) io.stderr(formatIssue(issue) + '\n');
  return exitCodeFor(issues.filter((i) => i.severity !== 'warning').map((i) => i.code));
}
