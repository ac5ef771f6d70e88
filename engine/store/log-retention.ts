// Retention of spell execution logs (seed 004 §10; issue 11 Deliver 11): logs live at
// attestations/<runbookId>/<executionId>/private/logs/<stepId>.log (private: never published).
// Their inventory is the folder listing itself, so a log and its index entry cannot disagree: a
// pruned file is gone from the inventory by construction. Pruning removes logs older than `days`
// (by modification time) and then the oldest beyond `maxFiles`, through one change set of the
// execution store (atomic, journaled). It only ever removes *.log files under private/logs/ —
// never a manifest or any other record.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ChangeSet } from './change-set.ts';
import { commitChange } from './execution-store.ts';

export interface LogFile {
  path: string; // relative to the attestations folder, '/'-separated
  mtimeMs: number;
  size: number;
}

async function names(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  } catch {
    return [];
  }
}

export async function listExecutionLogs(attestationsDir: string): Promise<LogFile[]> {
  const out: LogFile[] = [];
  for (const runbook of await names(attestationsDir)) {
    for (const execution of await names(join(attestationsDir, runbook))) {
      const dir = join(attestationsDir, runbook, execution, 'private', 'logs');
      let files: string[];
      try {
        files = (await readdir(dir)).filter((n) => n.endsWith('.log'));
      } catch {
        continue;
      }
      for (const f of files) {
        const st = await stat(join(dir, f));
        if (st.isFile()) out.push({ path: `${runbook}/${execution}/private/logs/${f}`, mtimeMs: st.mtimeMs, size: st.size });
      }
    }
  }
  return out.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : 1));
}

/** Which logs retention removes: older than `days`, then the oldest beyond `maxFiles`. Pure. */
export function selectForPruning(
  logs: readonly LogFile[],
  retention: { days: number; maxFiles: number },
  now: number,
): Array<LogFile & { reason: 'age' | 'count' }> {
  const cutoff = now - retention.days * 24 * 3600 * 1000;
  const byAge = logs.filter((l) => l.mtimeMs < cutoff).map((l) => ({ ...l, reason: 'age' as const }));
  const kept = logs.filter((l) => l.mtimeMs >= cutoff);
  const excess = Math.max(0, kept.length - retention.maxFiles);
  return [...byAge, ...kept.slice(0, excess).map((l) => ({ ...l, reason: 'count' as const }))];
}

export async function pruneExecutionLogs(
  attestationsDir: string,
  retention: { days: number; maxFiles: number },
  now: number,
  dryRun = false,
): Promise<{ removed: Array<LogFile & { reason: 'age' | 'count' }>; kept: number }> {
  const logs = await listExecutionLogs(attestationsDir);
  const removed = selectForPruning(logs, retention, now);
  if (!dryRun && removed.length > 0) {
    const change = new ChangeSet(attestationsDir);
    for (const l of removed) change.remove(join(attestationsDir, l.path));
    await commitChange(change);
  }
  return { removed, kept: logs.length - removed.length };
}
