// Renders scheduler events for the CLI. On a terminal: one line per step, rewritten in place as the
// step moves (ANSI cursor movement only, no dependency). Anywhere else (CI logs, pipes): plain
// append-only lines, one per event, so a log reads top to bottom. Then a summary table.
// Formatting functions are pure; ProgressWriter only decides what to write where.
import type { NodeStatus, SchedulerEvent } from './scheduler-types.ts';

export type StepDisplayStatus = 'pending' | 'running' | 'retrying' | NodeStatus;

export const SYMBOL: Record<StepDisplayStatus, string> = {
  pending: '·',
  running: '▶',
  retrying: '↻',
  succeeded: '✓',
  failed: '✗',
  skipped: '−',
};

/** `850 ms`, `1.2 s`, `2 m 03 s`: short, and never a misleading precision. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 999.5) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  return `${Math.floor(totalSeconds / 60)} m ${String(totalSeconds % 60).padStart(2, '0')} s`;
}

const SKIP_TEXT = {
  'fail-fast': 'run stopped after a failure',
  aborted: 'run aborted',
  'condition-false': 'when: is false',
  'parents-skipped': 'every parent was skipped',
} as const;

/** One plain line for one event (no newline). */
export function formatEventLine(event: SchedulerEvent): string {
  switch (event.type) {
    case 'step-started':
      return `${SYMBOL.running} ${event.id} started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ''}`;
    case 'step-retried':
      return `${SYMBOL.retrying} ${event.id} attempt ${event.attempt} failed: ${event.error.code} ${event.error.message} — retrying in ${formatDuration(event.delayMs)}`;
    case 'step-finished':
      return `${SYMBOL.succeeded} ${event.id} succeeded in ${formatDuration(event.durationMs)}${event.attempts > 1 ? ` (${event.attempts} attempts)` : ''}`;
    case 'step-failed':
      return `${SYMBOL.failed} ${event.id} failed after ${plural(event.attempts, 'attempt')} in ${formatDuration(event.durationMs)}: ${event.error.code} ${event.error.message}`;
    case 'step-skipped':
      return `${SYMBOL.skipped} ${event.id} skipped (${event.reason === 'dependency-failed' ? `${event.blockedBy ?? 'a dependency'} failed` : SKIP_TEXT[event.reason]})`;
  }
}

export interface StepLine {
  id: string;
  status: StepDisplayStatus;
  attempt: number;
  durationMs?: number;
  note?: string;
}

/** The in-place line of a step on a terminal: symbol, padded id, state, duration or note. */
export function formatStepLine(step: StepLine, idWidth: number): string {
  const label = step.status === 'running' && step.attempt > 1 ? `running (attempt ${step.attempt})` : step.status;
  const tail = step.durationMs !== undefined ? formatDuration(step.durationMs) : (step.note ?? '');
  return `${SYMBOL[step.status]} ${step.id.padEnd(idWidth)}  ${label.padEnd(9)}${tail ? `  ${tail}` : ''}`.trimEnd();
}

/** Applies one event to a step's line state (pure). */
export function nextStepLine(step: StepLine, event: SchedulerEvent): StepLine {
  switch (event.type) {
    case 'step-started':
      return { id: step.id, status: 'running', attempt: event.attempt };
    case 'step-retried':
      return { id: step.id, status: 'retrying', attempt: event.attempt, note: `${event.error.code}, next try in ${formatDuration(event.delayMs)}` };
    case 'step-finished':
      return { id: step.id, status: 'succeeded', attempt: event.attempts, durationMs: event.durationMs };
    case 'step-failed':
      return { id: step.id, status: 'failed', attempt: event.attempts, durationMs: event.durationMs, note: event.error.code };
    case 'step-skipped':
      return {
        id: step.id,
        status: 'skipped',
        attempt: 0,
        note: event.reason === 'dependency-failed' ? `${event.blockedBy ?? 'a dependency'} failed` : SKIP_TEXT[event.reason],
      };
  }
}

export interface SummaryRow {
  id: string;
  status: NodeStatus;
  attempts: number;
  durationMs?: number;
  /** A prover of this step failed and blocked the run (its exports withheld, a review opened):
   *  shown as blocked, never as a plain success (issue 14, "show the truth plainly"). */
  blockedByProver?: string;
}

/** The final table, then one totals line. */
export function formatSummary(rows: readonly SummaryRow[], totalMs: number): string {
  const header = ['step', 'status', 'attempts', 'duration'];
  const cells = rows.map((r) => [
    r.blockedByProver === undefined ? `${SYMBOL[r.status]} ${r.id}` : `⛔ ${r.id}`,
    r.blockedByProver === undefined ? r.status : `blocked by ${r.blockedByProver}`,
    String(r.attempts),
    r.durationMs === undefined ? '—' : formatDuration(r.durationMs),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)));
  const line = (row: string[]): string =>
    row
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  const count = (s: NodeStatus): number => rows.filter((r) => r.status === s).length;
  const blocked = rows.filter((r) => r.blockedByProver !== undefined).length;
  const succeeded = rows.filter((r) => r.status === 'succeeded' && r.blockedByProver === undefined).length;
  const totals = `${plural(rows.length, 'step')}: ${succeeded} succeeded, ${blocked > 0 ? `${blocked} blocked, ` : ''}${count('failed')} failed, ${count('skipped')} skipped · ${formatDuration(totalMs)}`;
  return [line(header), ...cells.map(line), totals].join('\n') + '\n';
}

export interface ProgressWriterOptions {
  write: (text: string) => void;
  isTTY: boolean;
  /** Step ids in display order (the run's deterministic order). */
  stepIds: readonly string[];
}

/** Writes events as they come: in place on a terminal, appended otherwise. */
export class ProgressWriter {
  private readonly write: (text: string) => void;
  private readonly isTTY: boolean;
  private readonly lines: StepLine[];
  private readonly row = new Map<string, number>();
  private readonly idWidth: number;
  private drawn = false;

  constructor(options: ProgressWriterOptions) {
    this.write = options.write;
    this.isTTY = options.isTTY;
    this.lines = options.stepIds.map((id) => ({ id, status: 'pending', attempt: 0 }));
    options.stepIds.forEach((id, i) => this.row.set(id, i));
    this.idWidth = Math.max(0, ...options.stepIds.map((id) => id.length));
  }

  /** Pass this as the scheduler's onEvent. */
  readonly onEvent = (event: SchedulerEvent): void => {
    if (!this.isTTY) {
      this.write(formatEventLine(event) + '\n');
      return;
    }
    if (!this.drawn) this.drawAll();
    const i = this.row.get(event.id);
    if (i === undefined) return;
    this.lines[i] = nextStepLine(this.lines[i]!, event);
    // The cursor rests below the block: go up to the row, clear it, rewrite it, come back down.
    const up = this.lines.length - i;
    this.write(`\x1b[${up}A\r\x1b[2K${formatStepLine(this.lines[i]!, this.idWidth)}\x1b[${up}B\r`);
  };

  /** A free-standing event line (e.g. a connector token event): appended in a log, left out of the in-place block on a terminal. */
  line(text: string): void {
    if (!this.isTTY) this.write(text + '\n');
  }

  /** Draws the block of pending lines (TTY only); called on the first event if not before. */
  drawAll(): void {
    if (!this.isTTY || this.drawn) return;
    this.drawn = true;
    for (const line of this.lines) this.write(formatStepLine(line, this.idWidth) + '\n');
  }

  /** Writes the summary table after a blank line. */
  finish(rows: readonly SummaryRow[], totalMs: number): void {
    this.write('\n' + formatSummary(rows, totalMs));
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
