// Conditional steps (`when:`, engine/FORMATS.md "Conditional steps"). The rule, in full:
// - A step whose parents (`needs`) were ALL skipped by a branch is skipped (`parents-skipped`); its
//   own condition is not evaluated. A root is never skipped this way.
// - Otherwise a step with `when:` evaluates it over {params, steps, asOf}: `false` skips it
//   (`condition-false`), `true` runs it; anything else (an evaluation error, a non-bool) fails the
//   step with a coded error, so a mistyped condition never silently skips work.
// - A step with one skipped and one completed parent runs: the skipped parent's output is absent
//   (`has(steps.<id>)` is false, its entry in the step's recorded inputs is null).
// Either way the step gets an attestation: `condition: {expr, value}` whenever the condition was
// evaluated, `skipped: <cause>` when the branch was not taken, `status: "skipped"`.
// `steps` holds only outputs of steps that ran; `pcq validate` (whenIssues) admits only ancestors,
// whose outputs are final before the step starts, so the value never depends on timing.
import { celStepsView } from '../base/step-outputs.ts';
import type { Runbook, Step } from '../model/runbook.ts';
import type { PcqIssue } from '../base/errors.ts';
import { PcqError } from '../base/errors.ts';
import type { CelEngine } from '../base/step-ports.ts';
import type { BranchOutcome } from '../base/signed-records.ts';
import { typeCheck, type CelType, type VariableType } from '../runtime/cel-types.ts';
import { stepError, stepIssue } from '../steps/step-helpers.ts';

export type { BranchOutcome, SkipCause } from '../base/signed-records.ts';

const INPUT_TYPES: Record<string, CelType> = { string: 'string', number: 'double', boolean: 'bool', date: 'string' };

/** Static checks of every `when:`: compiles, reads declared inputs and ancestors only, is a bool. */
export function whenIssues(runbook: Runbook, cel: CelEngine): PcqIssue[] {
  const issues: PcqIssue[] = [];
  const byId = new Map(runbook.steps.map((s) => [s.stepId, s]));
  const params = new Map(Object.entries(runbook.inputs).map(([name, spec]) => [name, INPUT_TYPES[spec.type] ?? 'dyn'] as const));
  for (const step of runbook.steps) {
    if (step.when === undefined) continue;
    const problem = cel.check(step.when);
    if (problem !== undefined) {
      issues.push(stepIssue(step, 'when', 'PCQ_CEL_COMPILE', `\`when\` does not compile: ${problem}`, 'Fix the CEL expression.'));
      continue;
    }
    const ancestors = ancestorsOf(step, byId);
    const variables = new Map<string, VariableType>([
      [
        'params',
        {
          fields: params,
          describe: (f) => `\`params.${f}\` is not an input of runbook ${runbook.runbookId} (inputs: ${[...params.keys()].join(', ') || 'none'})`,
        },
      ],
      [
        'steps',
        {
          fields: new Map([...ancestors].map((id) => [id, 'dyn'] as const)),
          describe: (f) =>
            `\`steps.${f}\` is not an earlier step of ${step.stepId}: a condition reads only the outputs of the steps it depends on (directly or through needs)`,
        },
      ],
      ['asOf', 'string'],
    ]);
    const checked = typeCheck(step.when, variables);
    for (const p of checked.problems) {
      issues.push({
        ...stepIssue(step, 'when', 'PCQ_WHEN_INVALID', `\`when\` at offset ${p.offset}: ${p.message}`),
        details: { expr: step.when, offset: p.offset },
      });
    }
    if (checked.type !== 'bool' && checked.type !== 'dyn') {
      issues.push({ ...stepIssue(step, 'when', 'PCQ_WHEN_INVALID', `\`when\` is a ${checked.type}, not a bool`), details: { expr: step.when, offset: 0 } });
    }
  }
  return issues;
}

function ancestorsOf(step: Step, byId: ReadonlyMap<string, Step>): Set<string> {
  const seen = new Set<string>();
  const stack = [...step.needs];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id) || id === step.stepId) continue;
    seen.add(id);
    stack.push(...(byId.get(id)?.needs ?? []));
  }
  return seen;
}

export interface BranchVars {
  params: Record<string, unknown>;
  /** Outputs of the steps that ran (a skipped step has none). */
  steps: Readonly<Record<string, unknown>>;
  asOf: string;
}

/**
 * Whether `step` runs, given the steps a branch skipped so far. Returns {} for a step without
 * `when:` whose parents ran; throws a coded error when the condition cannot be decided.
 */
export function decideBranch(step: Step, branchSkipped: ReadonlySet<string>, cel: CelEngine, vars: BranchVars): BranchOutcome {
  if (step.needs.length > 0 && step.needs.every((n) => branchSkipped.has(n))) return { skipped: 'parents-skipped' };
  if (step.when === undefined) return {};
  let value: unknown;
  try {
    value = cel.evaluate(step.when, { params: vars.params, steps: celStepsView(vars.steps), asOf: vars.asOf }); // a view, not a copy per step (step-outputs.ts)
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw stepError(
      step,
      'when',
      err instanceof PcqError ? err.code : 'PCQ_CEL_EVAL',
      `\`when\` could not be evaluated: ${why}`,
      'A skipped ancestor has no output: guard with has(steps.<id>) before reading it.',
      { expr: step.when },
    );
  }
  if (typeof value !== 'boolean') {
    throw stepError(step, 'when', 'PCQ_WHEN_INVALID', `\`when\` gave ${JSON.stringify(value)}, not a bool`, undefined, { expr: step.when });
  }
  const condition = { expr: step.when, value };
  return value ? { condition } : { condition, skipped: 'condition-false' };
}
