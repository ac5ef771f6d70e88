// The CLI's window on the world: streams, environment and working folder arrive as a value so that
// commands are testable without spawning a process (ports as parameters, DESIGN §4).
import { formatIssue, toIssues, type PcqIssue } from '../base/errors.ts';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Documented exit codes (README "Exit codes"). */
export const EXIT = {
  ok: 0,
  failed: 1, // the thing checked failed: verification, a step, an approval refused
  usage: 2, // bad flags or arguments
  invalid: 3, // input files invalid (validation errors)
  blocked: 4, // run finished but a postcondition blocked its exports
  internal: 70,
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

/** Prints coded issues one per line (or as JSON) and returns the exit code for them. */
export function reportIssues(io: CliIo, err: unknown, json: boolean, exitCode: number): number {
  const issues: PcqIssue[] = toIssues(err);
  if (json) io.stdout(JSON.stringify({ ok: false, issues }, null, 2) + '\n');
  else for (const issue of issues) io.stderr(formatIssue(issue) + '\n');
  return issues.some((i) => i.code === 'PCQ_INTERNAL') ? EXIT.internal : exitCode;
}
