// The bytes a set of sample runs writes under attestations/, as one digest per file, so a change to
// the runner's hot path (scheduler, chain, persistence, store) can show that it changes no byte
// (issue 16, "a runner that scales": the same manifest bytes before and after). Everything a run
// depends on is pinned: the runbooks and policies (a fresh sample root), the runner key (a fixed
// dev key), asOf, the execution ids and start times. What still differs between two runs of
// the same inputs is measured wall time (durations in run.json, and the verdict files that bundle
// it: evidence.tar.gz, then score.json, verdict.sig and verdict.vsa.json, which name its digest),
// reported by name only, the sealed private files (age encryption is randomised) and the dev grant, which is created on a root's first
// run with a fresh key and a wall-clock expiry: a template folder keeps the .pcq/ (dev key, grant,
// ledger) of one warm-up run, and every digest run starts from a copy of it.
//
//   npx node --import tsx engine/testing/run-digests.ts <template-dir> > before.txt   (then again after; diff)
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeSampleRoot } from './sample-root.ts';
import { loadConfig } from '../runtime/config.ts';
import { runRunbookFile } from '../run/run-runbook.ts';

const AS_OF = '2026-11-16T00:00:00Z';
/** A fixed test seed (32 bytes of 9), never a real key. */
const SEED = 'SAEQSCIJBEEQSCIJBEEQSCIJBEEQSCIJBEEQSCIJBEEQSCIJBEEQTDMN';

/** The runs `npm start` makes, plus R5 (which pauses at its approval). */
export const SAMPLE_RUNS: ReadonlyArray<{ file: string; params?: Record<string, unknown> }> = [
  { file: 'R1-entity-enrichment.yaml' },
  { file: 'R2-relationship-inference.yaml' },
  { file: 'R3-weekly-report.yaml' },
  { file: 'R4-alert-triage.yaml', params: { route: 'investigate' } },
  { file: 'R4-alert-triage.yaml', params: { route: 'archive' } },
  { file: 'R1-entity-enrichment.yaml', params: { enrichmentSource: 'partial' } },
  { file: 'R5-escalation-approval.yaml' },
];

/** Files whose bytes hold measured time (run.json's durationMs, and what bundles it) or randomised encryption: compared by presence only. */
const UNSTABLE = /(^|\/)(run\.json|evidence\.tar\.gz|score\.json|verdict\.sig|verdict\.vsa\.json)$|\.age$/;

async function walk(dir: string, out: string[] = []): Promise<string[]> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) await walk(path, out);
    else out.push(path);
  }
  return out;
}

const ENV = { PCQ_MODE: 'dev', PCQ_ACTOR: 'local:tester' };

async function runIn(root: string, file: string, executionId: string, n: number, params: Record<string, unknown> = {}): Promise<void> {
  const config = await loadConfig({ env: ENV, cwd: root });
  await runRunbookFile({
    config,
    file: join(root, 'runbooks', file),
    rawParams: params,
    asOf: AS_OF,
    env: ENV,
    executionId,
    startedAt: new Date(Date.UTC(2026, 10, 22, 0, 0, n)).toISOString(),
  });
}

/** The .pcq/ every digest run starts from: the template's, made by one warm-up run when it has none. */
async function ensureTemplate(template: string): Promise<void> {
  if (existsSync(join(template, '.pcq'))) return;
  const warm = await makeSampleRoot('pcq-digests-warm-');
  try {
    // The dev key file (runtime/keys.ts), written before its first use so it is this fixed one.
    await mkdir(join(warm, '.pcq', 'keys'), { recursive: true, mode: 0o700 });
    await writeFile(join(warm, '.pcq', 'keys', 'runner.secret'), SEED + '\n', { mode: 0o600 });
    await runIn(warm, 'R3-weekly-report.yaml', 'warm-up', 0);
    await cp(join(warm, '.pcq'), join(template, '.pcq'), { recursive: true });
  } finally {
    await rm(warm, { recursive: true, force: true });
  }
}

/** `<path> <sha256>` for every file the sample runs wrote under attestations/, sorted by path. */
export async function sampleRunDigests(template: string): Promise<string[]> {
  await ensureTemplate(template);
  const root = await makeSampleRoot('pcq-digests-');
  try {
    await cp(join(template, '.pcq'), join(root, '.pcq'), { recursive: true });
    let n = 0;
    for (const run of SAMPLE_RUNS) {
      n++;
      await runIn(root, run.file, `digest-${n}`, n, run.params);
    }
    const dir = join(root, 'attestations');
    const lines: string[] = [];
    for (const path of await walk(dir)) {
      const rel = relative(dir, path);
      lines.push(
        UNSTABLE.test(rel)
          ? `${rel} (present)`
          : `${rel} ${createHash('sha256')
              .update(await readFile(path))
              .digest('hex')}`,
      );
    }
    return lines.sort();
  } finally {
    if (process.env.PCQ_DIGESTS_KEEP === undefined) await rm(root, { recursive: true, force: true });
    else process.stderr.write(`kept ${root}\n`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const template = process.argv[2];
  if (template === undefined) throw new Error('usage: run-digests.ts <template-dir>');
  await mkdir(template, { recursive: true });
  process.stdout.write((await sampleRunDigests(template)).join('\n') + '\n');
}
