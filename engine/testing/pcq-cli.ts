// Runs the built CLI (dist/pcq.mjs) the way a user would, with a minimal environment: e2e tests
// share this instead of each wrapping execFile and its non-zero exit the same way.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const NODE = resolve('node_modules/.bin/node');
const CLI = resolve('dist/pcq.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `pcq <args>` in `cwd` with PATH, HOME, PCQ_ACTOR=local:tester and `env`; never throws on exit codes. */
export async function runPcq(cwd: string, env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await exec(NODE, [CLI, ...args], {
      cwd,
      timeout: 120_000,
      maxBuffer: 1 << 24,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PCQ_ACTOR: 'local:tester', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
