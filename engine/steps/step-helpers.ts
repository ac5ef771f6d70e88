// What the CEL-driven step kinds (transform, aggregate, assertion, external_api, export, notify)
// share: the variables CEL sees (FORMATS.md: params, steps, asOf, plus row/rows/input per kind),
// the rows a step reads (`from` or its single dependency), field-located issues and a total order
// for sorting that does not depend on the machine's locale.
import { celStepsView } from '../base/step-outputs.ts';
import { PcqError, type PcqIssue, type SourceLocation } from '../base/errors.ts';
import type { Runbook, Step } from '../model/runbook.ts';
import { canonicalize } from '../proof/jcs.ts';
import type { CelEngine } from '../base/step-ports.ts';
import type { StepContext } from './step-kind.ts';
import type { PcqCode } from '../base/error-catalogue.ts';

export function fieldLocation(step: Step, field?: string): SourceLocation | undefined {
  return (field && step.fieldLocations?.[field]) || step.location;
}

export function stepIssue(step: Step, field: string | undefined, code: PcqCode, message: string, hint?: string): PcqIssue {
  const issue: PcqIssue = { code, message: `step ${step.stepId}: ${message}` };
  if (hint !== undefined) issue.hint = hint;
  const location = fieldLocation(step, field);
  if (location) issue.location = location;
  return issue;
}

export function stepError(step: Step, field: string | undefined, code: PcqCode, message: string, hint?: string, details?: Record<string, unknown>): PcqError {
  const issue = stepIssue(step, field, code, message, hint);
  if (details) issue.details = details;
  return new PcqError(issue);
}

/** Compiles one expression; an issue located at the step's field when it does not compile. */
export function checkExpression(cel: CelEngine, step: Step, field: string, expr: unknown): PcqIssue[] {
  if (typeof expr !== 'string') {
    return [stepIssue(step, field, 'PCQ_STEP_CONFIG', `\`${field}\` must be a CEL expression (a string)`)];
  }
  const problem = cel.check(expr);
  return problem === undefined ? [] : [stepIssue(step, field, 'PCQ_CEL_COMPILE', `\`${field}\` does not compile: ${problem}`, 'Fix the CEL expression.')];
}

/** Checks a `name → CEL` map field (map, params, metrics as expressions). */
export function checkExpressionMap(cel: CelEngine, step: Step, field: string, value: unknown): PcqIssue[] {
  if (value === undefined) return [];
  if (!isPlainObject(value)) return [stepIssue(step, field, 'PCQ_STEP_CONFIG', `\`${field}\` must map names to CEL expressions`)];
  return Object.entries(value).flatMap(([name, expr]) =>
    checkExpression(cel, step, field, expr).map((i) => ({ ...i, message: `${i.message} (${field}.${name})` })),
  );
}

/** `from` must name a step of the runbook; without it the step needs exactly one dependency. */
export function checkFrom(step: Step, runbook: Runbook): PcqIssue[] {
  const from = step.config['from'];
  if (from === undefined) {
    return step.needs.length === 1
      ? []
      : [
          stepIssue(
            step,
            undefined,
            'PCQ_STEP_CONFIG',
            `reads its input from its single dependency, but it has ${step.needs.length}`,
            'Name the input with `from: <stepId>`.',
          ),
        ];
  }
  if (typeof from !== 'string' || !runbook.steps.some((s) => s.stepId === from)) {
    return [stepIssue(step, 'from', 'PCQ_STEP_CONFIG', `\`from\` names no step of runbook ${runbook.runbookId}: ${JSON.stringify(from)}`)];
  }
  return [];
}

/** The value a step reads: `from` (any finished step) or its single dependency's output. */
export function sourceValue(ctx: StepContext): unknown {
  const from = ctx.step.config['from'];
  if (typeof from === 'string') {
    if (!(from in ctx.steps))
      throw stepError(ctx.step, 'from', 'PCQ_STEP_INPUT', `\`from: ${from}\` has not produced an output yet`, `Add ${from} to the step's needs.`);
    return ctx.steps[from];
  }
  const ids = Object.keys(ctx.upstream);
  if (ids.length !== 1)
    throw stepError(ctx.step, undefined, 'PCQ_STEP_INPUT', `has ${ids.length} dependencies and no \`from\``, 'Name the input with `from: <stepId>`.');
  return ctx.upstream[ids[0] as string];
}

export function sourceRows(ctx: StepContext): Record<string, unknown>[] {
  const value = sourceValue(ctx);
  if (!Array.isArray(value)) {
    throw stepError(ctx.step, 'from', 'PCQ_STEP_INPUT', `expects rows (a list) as input, got ${describe(value)}`);
  }
  return value as Record<string, unknown>[];
}

/** The variables every expression sees (FORMATS.md), plus the kind's own (row, rows, input). */
export function celVars(ctx: StepContext, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { params: ctx.params, steps: celStepsView(ctx.steps), asOf: ctx.asOf, ...extra };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : undefined;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const TYPE_RANK: Record<string, number> = { undefined: 0, null: 1, boolean: 2, number: 3, string: 4, object: 5 };

/**
 * A total order over JSON values that is the same on every machine: null < booleans < numbers <
 * strings (UTF-16 code units, never localeCompare) < arrays/objects (by RFC 8785 canonical text).
 */
export function compareJson(a: unknown, b: unknown): number {
  const ta = a === null ? 'null' : typeof a;
  const tb = b === null ? 'null' : typeof b;
  if (ta !== tb) return (TYPE_RANK[ta] ?? 6) - (TYPE_RANK[tb] ?? 6);
  if (ta === 'number') return (a as number) - (b as number);
  if (ta === 'boolean') return Number(a) - Number(b);
  const sa = ta === 'string' ? (a as string) : ta === 'undefined' ? '' : canonicalize(a);
  const sb = tb === 'string' ? (b as string) : tb === 'undefined' ? '' : canonicalize(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
