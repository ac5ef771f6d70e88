// One job of a distributed run (`pcq run <runbook> --job <id>`, plan/jobs.ts): run this job's
// steps on top of the steps earlier jobs handed on, and write a job file for the jobs after it.
// It signs nothing and writes nothing under attestations/: the seal job (`pcq run --seal-from`)
// chains, signs and stores the whole run through the execution store, as `pcq run` does.
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PcqConfig } from '../runtime/config.ts';
import { PcqError } from '../base/errors.ts';
import { partitionJobs, SEAL_JOB, touchesGraph, type JobGraph } from '../plan/jobs.ts';
import { openRunServices } from './run-services.ts';
import { runScheduled } from './execute-run.ts';
import { redactText } from '../base/secrets.ts';
import type { Signer } from '../base/signer.ts';
import { jobFileKey, openJobText, sealJobText, type JobRun } from './job-file-seal.ts';
import { withSpellKind } from './spell-setup.ts';
import { admitRun } from './admit-run.ts';
import { JOB_FILE_FORMAT, ownSteps, readJobFile, type ForeignStep, type JobFile } from './foreign-steps.ts';

export interface JobRunOptions {
  config: PcqConfig;
  file: string; // absolute
  rawParams: Record<string, unknown>;
  asOf: string;
  env: Record<string, string | undefined>;
  job: string;
  /** Folder holding the job files of the jobs this one needs (searched recursively). */
  from?: string;
  /** Where to write this job's file. */
  out: string;
  /** --allow-unsigned / --button, as `pcq run` takes them: the same spell admission in every job. */
  allowUnsigned?: boolean;
  buttonRequiresSignature?: { button: string };
}

/** Steps of `job` and of every job it needs, directly or not (`seal`: every step). */
export function reachableSteps(jobs: JobGraph, job: string): { own: Set<string>; upstream: Set<string> } {
  if (job === SEAL_JOB) return { own: new Set(), upstream: new Set(Object.keys(jobs.jobOf)) };
  const byId = new Map(jobs.jobs.map((j) => [j.id, j]));
  const target = byId.get(job);
  if (!target) throw new PcqError({ code: 'PCQ_JOB_UNKNOWN', message: `no job "${job}" (jobs: ${jobs.jobs.map((j) => j.id).join(', ')}, ${SEAL_JOB})` });
  const upstream = new Set<string>();
  const stack = [...target.needs];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const s of byId.get(id)!.steps) upstream.add(s);
    stack.push(...byId.get(id)!.needs);
  }
  return { own: new Set(target.steps), upstream };
}

/** Every job file under `dir`, checked and merged (the same step from two files must agree). */
export async function loadForeignSteps(dir: string | undefined, run: JobRun, allowed: ReadonlySet<string>, signer: Signer): Promise<Map<string, ForeignStep>> {
  const foreign = new Map<string, ForeignStep>();
  if (dir === undefined) return foreign;
  const key = await jobFileKey(signer, run);
  const files = (await readdir(dir, { recursive: true })).filter((f) => /(^|\/)job-[A-Za-z0-9_-]+\.json$/.test(f)).sort();
  for (const f of files) {
    const parsed = readJobFile(openJobText(await readFile(join(dir, f), 'utf8'), f, key, run, signer.keyid), f, run, allowed);
    for (const step of parsed.steps) {
      const known = foreign.get(step.stepId);
      if (known && JSON.stringify(known) !== JSON.stringify(step)) {
        throw new PcqError({
          code: 'PCQ_JOB_FILE_INVALID',
          message: `${f}: step ${step.stepId} differs from the same step in another job file`,
          hint: 'Pass the job files of one run only.',
        });
      }
      foreign.set(step.stepId, step);
    }
  }
  return foreign;
}

export async function runJobFile(opts: JobRunOptions): Promise<{ job: string; out: string; steps: ForeignStep[] }> {
  const { config } = opts;
  // A job starts steps, so it is admitted exactly as `pcq run` is (admit-run.ts): the pause switch,
  // the policy pin, the runner key, the runbook and its checks, the grant, spells and effects.
  const admitted = await admitRun({
    config,
    file: opts.file,
    rawParams: opts.rawParams,
    asOf: opts.asOf,
    env: opts.env,
    now: () => new Date(),
    ...(opts.allowUnsigned !== undefined ? { allowUnsigned: opts.allowUnsigned } : {}),
    ...(opts.buttonRequiresSignature ? { buttonRequiresSignature: opts.buttonRequiresSignature } : {}),
    distributed: true,
  });
  const { authorized, runbook, plan, params, spells } = admitted;
  const jobs = partitionJobs(runbook, plan);
  const { own, upstream } = reachableSteps(jobs, opts.job);
  const run = { runbookDigest: runbook.source.digest, asOf: opts.asOf, inputs: params };
  const foreign = await loadForeignSteps(opts.from, run, upstream, authorized.signer);
  const missing = [...own].flatMap((id) => runbook.steps.find((s) => s.stepId === id)!.needs).filter((n) => !own.has(n) && !foreign.has(n));
  if (missing.length > 0)
    throw new PcqError({
      code: 'PCQ_JOB_FILE_INVALID',
      message: `job ${opts.job} needs the outcome of ${[...new Set(missing)].join(', ')}, which no job file brings`,
      hint: 'Download the files of every job this one needs (the compiled workflow does).',
    });
  // Only the graph job opens the graph (graph state never travels, plan/jobs.ts): the others only
  // digest the dataset, so a fan-out job starts no database child and loads no rows.
  const graph = runbook.steps.some((s) => own.has(s.stepId) && touchesGraph(s, runbook)) ? 'open' : 'none';
  const services = await openRunServices({ config, runbook, params, asOf: opts.asOf, env: opts.env, mode: 'live', signer: authorized.signer, graph });
  let scheduled;
  try {
    scheduled = await runScheduled(
      {
        runbook,
        plan,
        params,
        asOf: opts.asOf,
        actor: config.actor,
        executionId: `job-${opts.job}`,
        concurrency: config.concurrency,
        authorization: authorized.authorization,
        spells: spells.spells,
        steps: { own, foreign },
      },
      { ...services.ports, stepKinds: withSpellKind(services.ports.stepKinds, spells.spellKind) },
      () => undefined,
    );
  } finally {
    await services.close();
  }
  const steps = [...foreign.values(), ...ownSteps(scheduled, own)];
  const body: JobFile = { format: JOB_FILE_FORMAT, runbookDigest: runbook.source.digest, asOf: opts.asOf, inputs: params, job: opts.job, steps };
  await mkdir(dirname(opts.out), { recursive: true });
  const tmp = `${opts.out}.${process.pid}.tmp`;
  // Every output path goes through the one secret registry (base/secrets.ts): step results are
  // redacted before they are accepted, so this masks nothing an honest run produced, and it is the
  // last wall before the file becomes a workflow artifact.
  const key = await jobFileKey(authorized.signer, run);
  await writeFile(tmp, sealJobText(redactText(JSON.stringify(body)), key, run, opts.job, authorized.signer.keyid));
  await rename(tmp, opts.out);
  return { job: opts.job, out: opts.out, steps: ownSteps(scheduled, own) };
}
