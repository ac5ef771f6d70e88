// The three stress scenarios of issue 9's store acceptance lines, shared by `npm run stress`
// (full counts) and stress.test.ts (bounded counts inside `npm test`).
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { STAGING_DIR } from '../../store/execution-store.ts';
import { approvalsOf, checkStore, cli, executionIdIn, R1, R2, ranToEnd, REVIEWER, verifies, type CliResult } from './harness.ts';
import { seededRandom } from '../../../scripts/generate-data.ts';

export interface Figures {
  kills: number; // children actually SIGKILLed (a delay past the end lets the command finish)
  finished: number; // commands that ended on their own before the kill fired
  torn: number;
  duplicates: number;
  verified: number; // listed executions `pcq verify` accepts
  reportedIncomplete: number; // listed-but-broken or unlisted folders the next command named
  unreported: number; // broken things nobody reported: the failure this harness hunts
  blockedNext: number; // next commands that failed (a stale lock or torn file would show here)
  leftovers: number; // staging folders / transaction locks left after the next command
  midStaging: number; // kills that left a transaction without its journal (the next command rolls it back)
  midCommit: number; // kills that left a journal, i.e. after the commit point (the next command rolls it forward)
  staleLocks: number; // record locks of a killed process seen after the next command (broken by the next taker)
  problems: string[];
}

export const emptyFigures = (): Figures => ({
  kills: 0,
  finished: 0,
  torn: 0,
  duplicates: 0,
  verified: 0,
  reportedIncomplete: 0,
  unreported: 0,
  blockedNext: 0,
  leftovers: 0,
  midStaging: 0,
  midCommit: 0,
  staleLocks: 0,
  problems: [],
});

/** A seeded PRNG (the data generator's mulberry32) so a failing draw can be replayed with the same seed. */
export const rng = seededRandom;

const seen = new Set<string>();

/** Where the kill landed in the store's protocol: what it left in .staging/ for the next command. */
async function classifyKill(root: string, f: Figures): Promise<void> {
  const staging = join(root, 'attestations', STAGING_DIR);
  for (const name of await readdir(staging).catch(() => [] as string[])) {
    if (name.endsWith('.lock')) continue;
    if (
      await stat(join(staging, name, 'journal.json')).then(
        () => true,
        () => false,
      )
    )
      f.midCommit++;
    else f.midStaging++;
  }
}

/** After the next command: read everything back; verify each newly listed execution. */
async function audit(root: string, f: Figures, next: CliResult, label: string, reverify: string[] = []): Promise<void> {
  if (!ranToEnd(next)) {
    f.blockedNext++;
    f.problems.push(`${label}: next command failed (${next.code ?? next.signal}): ${next.out.slice(-300)}`);
  }
  const c = await checkStore(root);
  f.torn += c.torn.length;
  f.leftovers += c.leftovers.length;
  f.staleLocks += c.staleLocks.length;
  for (const t of c.torn) f.problems.push(`${label}: torn ${t}`);
  for (const l of c.leftovers) f.problems.push(`${label}: left over ${l}`);
  for (const u of c.unlisted) {
    if (seen.has(`u:${root}:${u}`)) continue;
    seen.add(`u:${root}:${u}`);
    if (next.out.includes(u.split('/')[1]!)) f.reportedIncomplete++;
    else {
      f.unreported++;
      f.problems.push(`${label}: execution folder ${u} on disk but not indexed, and not reported`);
    }
  }
  for (const id of c.listed) {
    const key = `l:${root}:${id}`;
    if (seen.has(key) && !reverify.includes(id)) continue;
    seen.add(key);
    if (!c.listedIncomplete.includes(id) && (await verifies(root, id))) f.verified++;
    else if (next.out.includes(id)) f.reportedIncomplete++;
    else {
      f.unreported++;
      f.problems.push(`${label}: indexed ${id} does not verify and was not reported`);
    }
  }
}

/** Measures one command so kill delays can be drawn over its whole duration. */
export async function measure(root: string, args: string[]): Promise<number> {
  const r = await cli(root, args);
  if (r.code !== 0) throw new Error(`pcq ${args.join(' ')} failed while measuring: ${r.out.slice(-500)}`);
  return r.ms;
}

/**
 * The command's duration, re-estimated from every run of it that ended on its own (a moving
 * average), so kill delays keep covering the whole command as the machine's load changes.
 */
export class Duration {
  private ms: number;
  constructor(ms: number) {
    this.ms = ms;
  }
  get value(): number {
    return this.ms;
  }
  observe(r: CliResult): void {
    if (r.signal === null) this.ms = Math.round(0.7 * this.ms + 0.3 * r.ms);
  }
}

/** Until n runs of R2 were SIGKILLed, each at a uniform delay in 0..duration; the next command alternates review list / run. */
export async function runKills(root: string, n: number, duration: Duration, random: () => number, f: Figures): Promise<void> {
  for (let i = 0; f.kills < n && i < 3 * n; i++) {
    const delay = Math.floor(random() * duration.value);
    const killed = await cli(root, ['run', R2], delay);
    if (killed.signal === null && killed.code !== 0) f.problems.push(`run ${i + 1} ended ${killed.code} instead of passing: ${killed.out.slice(-300)}`);
    if (killed.signal === 'SIGKILL') f.kills++;
    else f.finished++;
    await classifyKill(root, f);
    duration.observe(killed);
    const next = await cli(root, i % 2 === 0 ? ['review', 'list'] : ['run', R2]);
    if (i % 2 === 1) duration.observe(next);
    await audit(root, f, next, `run kill ${i + 1} at ${delay} ms`);
  }
}

/** Until n approvals were SIGKILLed: a blocked R1 run, its approval SIGKILLed at a random delay, then `review list`, then a retried approval. */
export async function approveKills(root: string, n: number, duration: Duration, random: () => number, f: Figures): Promise<void> {
  for (let i = 0; f.kills < n && i < 3 * n; i++) {
    const blocked = await cli(root, ['run', R1, '--input', 'enrichmentSource=partial']);
    const id = executionIdIn(blocked.out);
    if (blocked.code !== 4 || !id) throw new Error(`the blocked R1 run did not open a review: ${blocked.out.slice(-500)}`);
    const delay = Math.floor(random() * duration.value);
    const killed = await cli(root, ['review', 'approve', id, '--by', REVIEWER], delay);
    if (killed.signal === 'SIGKILL') f.kills++;
    else f.finished++;
    await classifyKill(root, f);
    duration.observe(killed);
    const label = `approve kill ${i + 1} at ${delay} ms`;
    const next = await cli(root, ['review', 'list']);
    await audit(root, f, next, label, [id]);
    const retry = await cli(root, ['review', 'approve', id, '--by', REVIEWER]);
    if (retry.code !== 0) f.problems.push(`${label}: retried approval failed: ${retry.out.slice(-300)}`);
    const a = await approvalsOf(root, id);
    if (a.manifestApprovals !== 1 || a.ticketApprovals !== 1 || a.ticketState !== 'approved') {
      f.duplicates += a.manifestApprovals > 1 || a.ticketApprovals > 1 ? 1 : 0;
      f.problems.push(`${label}: manifest holds ${a.manifestApprovals} approvals, ticket ${a.ticketApprovals} (state ${a.ticketState})`);
    }
    await audit(root, f, retry, `${label}, after retry`, [id]);
  }
}

/** n simultaneous runs of R2 in one checkout: every one indexed and verifying, .staging empty. */
export async function concurrentRuns(root: string, n: number, f: Figures): Promise<{ indexed: number; ms: number }> {
  const started = Date.now();
  const results = await Promise.all(Array.from({ length: n }, () => cli(root, ['run', R2])));
  const ms = Date.now() - started;
  const ids = results.map((r) => executionIdIn(r.out));
  results.forEach((r, i) => {
    if (r.code !== 0 || !ids[i]) f.problems.push(`concurrent run ${i + 1} failed (${r.code ?? r.signal}): ${r.out.slice(-300)}`);
  });
  const c = await checkStore(root);
  const indexed = ids.filter((id) => id && c.listed.includes(id)).length;
  if (indexed !== n) f.problems.push(`concurrent: ${indexed} of ${n} runs indexed`);
  await audit(root, f, results.find((r) => !ranToEnd(r)) ?? results[0]!, 'concurrent');
  return { indexed, ms };
}
