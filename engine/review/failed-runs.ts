// The runs the review queue lists beside its tickets (issue 9: the queue lists blocked and failed
// runs): a `failed` run — a step failed and no prover did — has nothing for an ombuds to decide
// and opens no ticket, but its exports are withheld too, so `pcq review list` and the site's queue
// show it. Replays are checks of a run, not runs, and are left out.
import { readIndex, type IndexEntry } from '../store/execution-index.ts';

export async function listFailedRuns(attestationsDir: string): Promise<IndexEntry[]> {
  const index = await readIndex(attestationsDir);
  return index.executions
    .filter((e) => e.verdict === 'failed' && e.replayOf === undefined)
    .sort((a, b) => (a.executedAt === b.executedAt ? a.executionId.localeCompare(b.executionId) : b.executedAt.localeCompare(a.executedAt)));
}
