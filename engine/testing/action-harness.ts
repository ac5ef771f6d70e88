// Runs the Action the way the runner runs it, for e2e tests: the esbuild bundle of engine/action/main.ts
// (action.yml's entry) with the module files it starts beside it (graph child, CEL and Ed25519 workers,
// laid out as scripts/build.mjs lays them out in dist/), spawned with INPUT_*, GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY, GITHUB_EVENT_PATH and GITHUB_API_URL pointed at the loopback GitHub emulator.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import type { EmulatorState } from './github-emulator-state.ts';

const repo = new URL('../..', import.meta.url).pathname;

/** Bundles the Action into `dir` (action.mjs + its worker modules); returns the bundle's path. */
export async function buildActionBundle(dir: string): Promise<string> {
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    logLevel: 'error',
    banner: { js: "import { createRequire as __pcqCreateRequire } from 'node:module'; const require = __pcqCreateRequire(import.meta.url);" },
    external: ['kuzu', 'neo4j-driver', 'pkcs11js'],
    define: {
      PCQ_NODE_WORKER: JSON.stringify('./ed25519-node-worker.mjs'),
      PCQ_KUZU_CHILD: JSON.stringify('./kuzu-child.mjs'),
      PCQ_CEL_WORKER: JSON.stringify('./cel-worker.mjs'),
    },
  };
  const bundle = join(dir, 'action.mjs');
  await build({ ...common, entryPoints: [join(repo, 'engine/action/main.ts')], outfile: bundle });
  for (const [source, name] of [
    ['engine/proof/ed25519-node-worker.ts', 'ed25519-node-worker.mjs'],
    ['engine/graph/kuzu-child.ts', 'kuzu-child.mjs'],
    ['engine/runtime/cel-worker.ts', 'cel-worker.mjs'],
  ] as const) {
    await build({ ...common, entryPoints: [join(repo, source)], outfile: join(dir, name) });
  }
  return bundle;
}

export interface ActionResult {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

export interface ActionRun {
  bundle: string;
  workspace: string;
  /** Where event, output and summary files go. */
  scratch: string;
  apiUrl: string;
  inputs: Record<string, string>;
  eventName: string;
  payload: unknown;
  actor: string;
  env?: Record<string, string>;
}

/** One Action step: spawns the bundle and reads back its outputs (GITHUB_OUTPUT heredocs) and summary. */
export async function runActionBundle(run: ActionRun): Promise<ActionResult> {
  const tag = Math.random().toString(36).slice(2);
  const output = join(run.scratch, `out-${tag}`);
  const summary = `${output}.summary`;
  const eventPath = join(run.scratch, `event-${tag}.json`);
  writeFileSync(eventPath, JSON.stringify(run.payload));
  writeFileSync(output, '');
  writeFileSync(summary, ''); // the runner pre-creates it
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: run.scratch,
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_EVENT_NAME: run.eventName,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_ACTOR: run.actor,
    GITHUB_REPOSITORY: 'pcq-org/pcq',
    GITHUB_API_URL: run.apiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKSPACE: run.workspace,
    GITHUB_TOKEN: 'test-token',
    PCQ_MODE: 'dev',
    INPUT_TOKEN: 'test-token',
    ...run.env,
  };
  for (const [k, v] of Object.entries(run.inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const child = spawn(process.execPath, [run.bundle], { cwd: run.workspace, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
  });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  const outputs: Record<string, string> = {};
  for (const m of readFileSync(output, 'utf8').matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]!] = m[3]!;
  return { code, stdout, stderr, outputs, summary: readFileSync(summary, 'utf8') };
}

/** A workspace folder as the emulator's file map (path → text), to push as a commit. */
export function readTree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) Object.assign(out, readTree(dir, rel));
    else out[rel] = readFileSync(join(dir, rel), 'utf8');
  }
  return out;
}

/** The Action e2e's collaborators: a maintainer, an author, a reader and the ombuds roster of policies/ombuds.yaml. */
export function grantTestRoster(state: EmulatorState): void {
  for (const [login, p] of [
    ['maintainer-mia', 'admin'],
    ['octocat', 'write'],
    ['reader-rita', 'read'],
    ['ombuds-alice', 'write'],
    ['ombuds-bob', 'write'],
    ['ombuds-carol', 'write'],
  ] as const)
    state.permissions.set(login, p);
}
