// Runs a composite action (action.yml, `runs.using: composite`) the way the GitHub runner does, for
// tests: the action's files live in their own folder (GITHUB_ACTION_PATH, where the runner unpacks
// `uses: <owner>/<repo>@<ref>`), the job's checkout is GITHUB_WORKSPACE and the working directory;
// each step's `if`, `env`, `working-directory` and `with` expressions are evaluated; each `run:`
// step gets its own GITHUB_OUTPUT file, read back as `steps.<id>.outputs`; the action's outputs are
// its `outputs.*.value` expressions. Only the expression forms action.yml uses are understood
// (`inputs.x`, `github.action_path`, `github.token`, `steps.id.outputs.x`, `a == 'lit'`, `a != 'lit'`);
// anything else throws, so the runner and this emulation cannot silently disagree.
// `uses:` steps are not fetched (no network): `setup` decides what each one does here.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

interface ActionYaml {
  inputs?: Record<string, { default?: string; required?: boolean }>;
  outputs?: Record<string, { value?: string }>;
  runs: {
    using: string;
    steps: Array<{
      id?: string;
      name?: string;
      if?: string;
      uses?: string;
      with?: Record<string, string>;
      run?: string;
      shell?: string;
      env?: Record<string, string>;
      'working-directory'?: string;
    }>;
  };
}

export interface CompositeRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  /** What each step did: ran, skipped (its `if` was false) or used (a `uses:` step). */
  steps: Array<{ name: string; status: 'ran' | 'skipped' | 'used' }>;
}

export interface CompositeOptions {
  actionPath: string;
  workspace: string;
  /** The `with:` of the workflow step. */
  with: Record<string, string>;
  /** The job's environment (GITHUB_*, secrets mapped by the workflow, PATH, HOME). */
  env: Record<string, string>;
  token: string;
  /** Handles a `uses:` step (e.g. check the pin and skip setup-node: the test already runs Node 24). */
  uses: (ref: string, withArgs: Record<string, string>) => void;
}

const parseOutputs = (text: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) out[m[1]!] = m[3]!;
  for (const line of text.split('\n')) {
    const simple = /^([\w-]+)=(.*)$/.exec(line);
    if (simple) out[simple[1]!] = simple[2]!;
  }
  return out;
};

export async function runCompositeAction(opts: CompositeOptions): Promise<CompositeRun> {
  const action = parse(readFileSync(join(opts.actionPath, 'action.yml'), 'utf8')) as ActionYaml;
  if (action.runs.using !== 'composite') throw new Error(`action.yml runs.using is ${action.runs.using}, not composite`);
  const inputs: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action.inputs ?? {})) inputs[name] = opts.with[name] ?? spec.default ?? '';
  for (const name of Object.keys(opts.with)) if (!(name in inputs)) throw new Error(`input ${name} is not declared by action.yml`);
  const stepOutputs: Record<string, Record<string, string>> = {};
  const scratch = mkdtempSync(join(tmpdir(), 'pcq-composite-'));
  const value = (expr: string): string => {
    const e = expr.trim();
    let m: RegExpExecArray | null;
    if ((m = /^inputs\.([\w-]+)$/.exec(e))) return inputs[m[1]!] ?? '';
    if (e === 'github.action_path') return opts.actionPath;
    if (e === 'github.token') return opts.token;
    if ((m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(e))) return stepOutputs[m[1]!]?.[m[2]!] ?? '';
    if ((m = /^'([^']*)'$/.exec(e))) return m[1]!;
    throw new Error(`expression not understood by the test runner: ${e}`);
  };
  const interpolate = (text: string): string =>
    text.replace(/\$\{\{([^}]*)\}\}/g, (_m, expr: string) => {
      const resolved = value(expr);
      // `${{ github.token }}` as an input default is itself an expression, evaluated once more.
      return /^\$\{\{/.test(resolved) ? interpolate(resolved) : resolved;
    });
  for (const name of Object.keys(inputs)) inputs[name] = interpolate(inputs[name]!);
  const condition = (expr: string | undefined): boolean => {
    if (expr === undefined) return true;
    const m = /^\s*(.+?)\s*(==|!=)\s*(.+?)\s*$/.exec(expr.replace(/^\$\{\{|\}\}$/g, ''));
    if (!m) throw new Error(`if: not understood by the test runner: ${expr}`);
    return (value(m[1]!) === value(m[3]!)) === (m[2] === '==');
  };
  const result: CompositeRun = { code: 0, stdout: '', stderr: '', outputs: {}, steps: [] };
  for (const [i, step] of action.runs.steps.entries()) {
    const name = step.name ?? step.id ?? `step ${i + 1}`;
    if (!condition(step.if)) {
      result.steps.push({ name, status: 'skipped' });
      continue;
    }
    if (step.uses) {
      opts.uses(step.uses, Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(String(v))])));
      result.steps.push({ name, status: 'used' });
      continue;
    }
    if (step.run === undefined || step.shell !== 'bash') throw new Error(`step ${name}: only bash run: steps are emulated`);
    if (step.run.includes('${{')) throw new Error(`step ${name}: an expression inside run: (script injection)`);
    const outputFile = join(scratch, `output-${i}`);
    writeFileSync(outputFile, '');
    const env: Record<string, string> = { ...opts.env, GITHUB_ACTION_PATH: opts.actionPath, GITHUB_WORKSPACE: opts.workspace, GITHUB_OUTPUT: outputFile };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = interpolate(String(v));
    const cwd = step['working-directory'] ? resolve(opts.workspace, interpolate(step['working-directory'])) : opts.workspace;
    const code = await new Promise<number>((done) => {
      const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], { cwd, env });
      child.stdout.on('data', (d: Buffer) => {
        result.stdout += d;
      });
      child.stderr.on('data', (d: Buffer) => {
        result.stderr += d;
      });
      child.on('close', (c) => done(c ?? -1));
    });
    result.steps.push({ name, status: 'ran' });
    if (step.id) stepOutputs[step.id] = parseOutputs(readFileSync(outputFile, 'utf8'));
    if (code !== 0) {
      result.code = code;
      break;
    }
  }
  for (const [name, spec] of Object.entries(action.outputs ?? {})) result.outputs[name] = spec.value ? interpolate(spec.value) : '';
  return result;
}
