// Every failure pcq reports carries a stable code, a message that says what happened, a hint that
// says what to do, and the source location when there is one (docs/design.md §4). Validation collects
// every problem, so errors travel in lists as often as alone. Codes are declared once, with their
// class and default hint, in base/error-catalogue.ts: a code outside it fails the type-check.
import { ERROR_CATALOGUE, type PcqCode } from './error-catalogue.ts';

export type { PcqCode } from './error-catalogue.ts';

export interface SourceLocation {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
}

export interface PcqIssue {
  code: PcqCode; // stable, e.g. PCQ_CYCLE
  message: string; // what happened
  hint?: string; // what to do about it
  location?: SourceLocation;
  details?: Record<string, unknown>;
  /** Absent means error. A warning is reported but does not fail validation. */
  severity?: 'warning';
}

export function isError(issue: PcqIssue): boolean {
  return issue.severity !== 'warning';
}

export class PcqError extends Error {
  readonly code: PcqCode;
  readonly hint: string | undefined;
  readonly location: SourceLocation | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(issue: PcqIssue, options?: { cause?: unknown }) {
    super(issue.message, options);
    this.name = 'PcqError';
    this.code = issue.code;
    this.hint = issue.hint ?? ERROR_CATALOGUE[issue.code]?.hint;
    this.location = issue.location;
    this.details = issue.details;
  }

  toIssue(): PcqIssue {
    const issue: PcqIssue = { code: this.code, message: this.message };
    if (this.hint !== undefined) issue.hint = this.hint;
    if (this.location !== undefined) issue.location = this.location;
    if (this.details !== undefined) issue.details = this.details;
    return issue;
  }
}

/** Several problems found at once (validation reports all of them, not just the first). */
export class PcqErrors extends Error {
  readonly issues: PcqIssue[];
  constructor(issues: PcqIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'PcqErrors';
    this.issues = issues;
  }
}

export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

/** One line per issue: `file:line:col: CODE message (hint)` — the shape editors and CI parse. */
export function formatIssue(issue: PcqIssue): string {
  const where = issue.location ? `${formatLocation(issue.location)}: ` : '';
  const hint = issue.hint ? ` — ${issue.hint}` : '';
  const level = issue.severity === 'warning' ? 'warning ' : '';
  return `${where}${level}${issue.code} ${issue.message}${hint}`;
}

/** Normalises anything thrown into coded issues; unknown throwables become PCQ_INTERNAL. */
export function toIssues(err: unknown): PcqIssue[] {
  if (err instanceof PcqErrors) return err.issues;
  if (err instanceof PcqError) return [err.toIssue()];
  const message = err instanceof Error ? err.message : String(err);
  return [{ code: 'PCQ_INTERNAL', message, hint: 'This is a bug in pcq; please report it with the command you ran.' }];
}

export function pcqError(code: PcqCode, message: string, hint?: string, location?: SourceLocation): PcqError {
  const issue: PcqIssue = { code, message };
  if (hint !== undefined) issue.hint = hint;
  if (location !== undefined) issue.location = location;
  return new PcqError(issue);
}
