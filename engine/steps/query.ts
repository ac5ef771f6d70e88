// query (FORMATS.md): `cypher`, `params?` (name → CEL over params/steps/asOf). Output: the rows, as
// plain JSON (graph/json-values.ts). Runbooks ORDER BY: kuzu returned grouped rows in different
// orders between identical runs (TOOLCHAIN.md), and an unordered result would break the replay's
// identical Merkle root.
import type { CelEngine } from '../base/step-ports.ts';
import type { StepContext, StepKind } from './step-kind.ts';
import type { Step } from '../model/runbook.ts';
import type { PcqIssue } from '../base/errors.ts';
import { PcqError } from '../base/errors.ts';
import { celVars, checkExpressionMap, fieldLocation, isPlainObject, stepIssue } from './step-helpers.ts';

export const queryStep: StepKind = {
  type: 'query',

  check(step, _runbook, cel) {
    return [...checkCypher(step), ...checkExpressionMap(cel, step, 'params', step.config['params'])];
  },

  async run(ctx) {
    const cypher = String(ctx.step.config['cypher']);
    const params = evaluateParams(ctx, ctx.ports.cel, {});
    const rows = await withStepLocation(ctx.step, () => ctx.ports.graph.query(cypher, params, ctx.signal));
    return { output: rows, inputs: { cypher, params } };
  },
};

/** `cypher` must be a non-empty string (shared with mutation). */
export function checkCypher(step: Step): PcqIssue[] {
  const cypher = step.config['cypher'];
  return typeof cypher === 'string' && cypher.trim() !== ''
    ? []
    : [
        stepIssue(
          step,
          'cypher',
          'PCQ_STEP_CONFIG',
          '`cypher` must be a non-empty Cypher string',
          'Write the query, e.g. `MATCH (e:Entity) RETURN e.id AS id ORDER BY id`.',
        ),
      ];
}

/** Evaluates the step's `params` map (name → CEL) with the kind's extra variables (e.g. `row`). */
export function evaluateParams(ctx: StepContext, cel: CelEngine, extra: Record<string, unknown>): Record<string, unknown> {
  const spec = ctx.step.config['params'];
  const out: Record<string, unknown> = {};
  if (!isPlainObject(spec)) return out;
  const vars = celVars(ctx, extra);
  for (const [name, expr] of Object.entries(spec)) out[name] = cel.evaluate(String(expr), vars);
  return out;
}

/** Database errors carry the step and the `cypher` field's file:line:col, so the user sees where. */
export async function withStepLocation<T>(step: Step, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof PcqError) || err.location !== undefined) throw err;
    const issue = err.toIssue();
    issue.message = `step ${step.stepId}: ${issue.message}`;
    const location = fieldLocation(step, 'cypher');
    if (location) issue.location = location;
    throw new PcqError(issue, { cause: err });
  }
}
