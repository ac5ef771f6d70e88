// Renders scheduler events for the CLI. On a terminal: one line per step, rewritten in place as the
// step moves (ANSI cursor movement only, no dependency), under which a progress line counts steps
// done, running, blocked and failed against the total, with the elapsed time (redrawn every
// second). Anywhere else (CI logs, pipes): plain append-only lines, one per event, so a log reads top
// to bottom, and for a long run the same progress line every PLAIN_TICK_MS. Then a summary table.
// A step a failed prover blocked is shown as blocked (⛔), never as "✓ succeeded" (issue 14 §7).
// Formatting functions are pure; ProgressWriter only decides what to write where. Other event
// sources (connector tokens, notices) print through `note`, which keeps the block intact.
import type { NodeStatus, SchedulerEvent } from './scheduler-types.ts';

export type StepDisplayStatus = 'pending' | 'running' | 'retrying' | 'blocked' | NodeStatus;

export const SYMBOL: Record<StepDisplayStatus, string> = {
  pending: '·',
  running: '▶',
  retrying: '↻',
  succeeded: '✓',
  failed: '✗',
  skipped: '−',
  blocked: '⛔',
};

/** How often the progress line is redrawn on a terminal, and printed in a plain log of a long run. */
export const TTY_TICK_MS = 1_000;
export const PLAIN_TICK_MS = 15_000;

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
  rejected: 'an approval before it was rejected',
  paused: 'waits for an approval: the run is paused',
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
      if (event.blockedBy !== undefined) return `${SYMBOL.blocked} ${event.id} blocked by ${event.blockedBy} (ran in ${formatDuration(event.durationMs)})`;
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
      if (event.blockedBy !== undefined) return { id: step.id, status: 'blocked', attempt: event.attempts, note: `by ${event.blockedBy}` };
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

/** Counts of the step lines, for the progress line. */
export function progressCounts(lines: readonly StepLine[]): { total: number; done: number; running: number; blocked: number; failed: number } {
  const n = (...st: StepDisplayStatus[]): number => lines.filter((l) => st.includes(l.status)).length;
  return {
    total: lines.length,
    done: n('succeeded', 'failed', 'skipped', 'blocked'),
    running: n('running', 'retrying'),
    blocked: n('blocked'),
    failed: n('failed'),
  };
}

/** `3/6 steps done · 1 running · 1 blocked · 12.3 s elapsed` (no newline). */
export function formatProgressLine(lines: readonly StepLine[], elapsedMs: number): string {
  const c = progressCounts(lines);
  const parts = [`${c.done}/${c.total} steps done`];
  if (c.running > 0) parts.push(`${c.running} running`);
  if (c.blocked > 0) parts.push(`${c.blocked} blocked`);
  if (c.failed > 0) parts.push(`${c.failed} failed`);
  return `${parts.join(' · ')} · ${formatDuration(elapsedMs)} elapsed`;
}

export interface ProgressWriterOptions {
  write: (text: string) => void;
  isTTY: boolean;
  /** Step ids in display order (the run's deterministic order). */
  stepIds: readonly string[];
  /** Wall clock for the elapsed time (default Date.now). */
  now?: () => number;
}

/** Writes events as they come: in place on a terminal, appended otherwise. */
export class ProgressWriter {
  private readonly write: (text: string) => void;
  private readonly isTTY: boolean;
  private readonly lines: StepLine[];
  private readonly row = new Map<string, number>();
  private readonly idWidth: number;
  private readonly now: () => number;
  private readonly startedAt: number;
  private drawn = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: ProgressWriterOptions) {
    this.write = options.write;
    this.isTTY = options.isTTY;
    this.lines = options.stepIds.map((id) => ({ id, status: 'pending', attempt: 0 }));
    options.stepIds.forEach((id, i) => this.row.set(id, i));
    this.idWidth = Math.max(0, ...options.stepIds.map((id) => id.length));
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** Pass this as the scheduler's onEvent. */
  readonly onEvent = (event: SchedulerEvent): void => {
    const i = this.row.get(event.id);
    if (i !== undefined) this.lines[i] = nextStepLine(this.lines[i]!, event);
    if (!this.isTTY) {
      this.write(formatEventLine(event) + '\n');
      return;
    }
    if (!this.drawn) this.drawAll();
    if (i === undefined) return;
    // The cursor rests below the block and its progress line: go up to the row, clear it, rewrite
    // it, come back down; then the progress line.
    const up = this.lines.length + 1 - i;
    this.write(`\x1b[${up}A\r\x1b[2K${formatStepLine(this.lines[i]!, this.idWidth)}\x1b[${up}B\r`);
    this.redrawProgress();
  };

  /** A free-standing event line (e.g. a connector token event): appended in a log, left out of the in-place block on a terminal. */
  line(text: string): void {
    if (!this.isTTY) this.write(text + '\n');
  }

  /** A line from another source (a connector, a notice): above the block on a terminal, appended otherwise. */
  note(text: string): void {
    if (!this.isTTY || !this.drawn) {
      this.write(text + '\n');
      return;
    }
    // Up to the block's first row, clear to the end of the screen, write the note, draw the block again.
    this.write(`\x1b[${this.lines.length + 1}A\r\x1b[J${text}\n`);
    this.drawn = false;
    this.drawAll();
  }

  /** The progress line now: redrawn on a terminal, appended to a plain log (what the ticker calls). */
  tick(): void {
    if (this.isTTY) this.redrawProgress();
    else this.write(`… ${formatProgressLine(this.lines, this.now() - this.startedAt)}\n`);
  }

  /** Starts the ticker (TTY_TICK_MS on a terminal, PLAIN_TICK_MS otherwise); finish() stops it. */
  startTicking(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(), this.isTTY ? TTY_TICK_MS : PLAIN_TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Draws the block of pending lines and the progress line (TTY only); called on the first event if not before. */
  drawAll(): void {
    if (!this.isTTY || this.drawn) return;
    this.drawn = true;
    for (const line of this.lines) this.write(formatStepLine(line, this.idWidth) + '\n');
    this.write(formatProgressLine(this.lines, this.now() - this.startedAt) + '\n');
  }

  private redrawProgress(): void {
    if (!this.drawn) return;
    this.write(`\x1b[1A\r\x1b[2K${formatProgressLine(this.lines, this.now() - this.startedAt)}\x1b[1B\r`);
  }

  /** Stops the ticker; writes the summary table after a blank line. */
  finish(rows: readonly SummaryRow[], totalMs: number): void {
    this.stop();
    if (this.isTTY) this.redrawProgress();
    this.write('\n' + formatSummary(rows, totalMs));
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
