// mutation (FORMATS.md): `cypher` run once per row. Rows come from `forEach` (a CEL list) or, by
// default, the single dependency's output; each run's parameters are `params` (name → CEL over
// `row`) or, by default, the row's own fields — so the seed's
// `MATCH (e:Entity {id: $id}) SET e.email = $email` consumes the enrichment API's [{id, email}].
// All rows are written in one transaction when the store supports it: a failure leaves the graph
// as it was, so a retry does not apply half the rows twice. Output: `{updated: n}` (rows run).
import type { StepContext, StepKind } from './step-kind.ts';
import { checkExpression, checkExpressionMap, describe, isPlainObject, celVars, sourceValue, stepError, stepIssue } from './step-helpers.ts';
import { checkCypher, evaluateParams, withStepLocation } from './query.ts';

export const mutationStep: StepKind = {
  type: 'mutation',

  check(step, _runbook, cel) {
    const issues = [...checkCypher(step), ...checkExpressionMap(cel, step, 'params', step.config['params'])];
    const forEach = step.config['forEach'];
    if (forEach !== undefined) issues.push(...checkExpression(cel, step, 'forEach', forEach));
    else if (step.needs.length !== 1) {
      issues.push(
        stepIssue(
          step,
          undefined,
          'PCQ_STEP_CONFIG',
          `runs once per row of its single dependency, but it has ${step.needs.length}`,
          'Give it exactly one dependency in `needs`, or say which rows with `forEach: <CEL list>`.',
        ),
      );
    }
    return issues;
  },

  async run(ctx) {
    const cypher = String(ctx.step.config['cypher']);
    const rows = mutationRows(ctx);
    const hasParams = isPlainObject(ctx.step.config['params']);
    const paramSets = rows.map((row, i) => {
      if (hasParams) return evaluateParams(ctx, ctx.ports.cel, { row });
      if (!isPlainObject(row)) {
        throw stepError(
          ctx.step,
          'cypher',
          'PCQ_STEP_INPUT',
          `row ${i} is ${describe(row)}; without \`params\` each row must be an object whose fields are the parameters`,
          'Add `params: {name: <CEL over row>}`.',
        );
      }
      return row;
    });
    const graph = ctx.ports.graph;
    const updated = await withStepLocation(ctx.step, async () => {
      if (graph.executeMany) return graph.executeMany(cypher, paramSets, ctx.signal);
      for (const params of paramSets) await graph.query(cypher, params, ctx.signal);
      return paramSets.length;
    });
    return { output: { updated }, inputs: { cypher, params: paramSets } };
  },
};

function mutationRows(ctx: StepContext): unknown[] {
  const forEach = ctx.step.config['forEach'];
  const value = typeof forEach === 'string' ? ctx.ports.cel.evaluate(forEach, celVars(ctx)) : sourceValue(ctx);
  if (!Array.isArray(value)) {
    const field = typeof forEach === 'string' ? 'forEach' : undefined;
    throw stepError(
      ctx.step,
      field,
      'PCQ_STEP_INPUT',
      `runs once per row of a list, but its input is ${describe(value)}`,
      'Point `forEach` at a list, or depend on a step whose output is rows.',
    );
  }
  return value;
}
