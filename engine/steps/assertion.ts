// assertion (FORMATS.md): optional Cypher `query` (its rows are `rows`; a single row's fields are
// also top-level names, as in the seed's metric prover `complete / total >= 0.95`), `metrics`
// (name → CEL, evaluated in order; each result is visible to later metrics and to the asserts by
// name and as `metrics.<name>`), and `assert` (CEL bools, all must be the literal `true`). A
// failing or erroring assert is PCQ_ASSERTION_FAILED: evaluation is monotonic (docs/design.md §5).
import type { StepKind } from './step-kind.ts';
import type { Row } from '../base/graph-store.ts';
import { evaluateBoolean } from '../runtime/cel.ts';
import { celVars, checkExpression, checkExpressionMap, isPlainObject, stepError, stepIssue, stringList } from './step-helpers.ts';

export const assertionStep: StepKind = {
  type: 'assertion',

  check(step, _runbook, cel) {
    const { query, metrics, assert: asserts } = step.config;
    const issues = [];
    if (query !== undefined && (typeof query !== 'string' || query.trim() === '')) {
      issues.push(stepIssue(step, 'query', 'PCQ_STEP_CONFIG', '`query` must be a Cypher string'));
    }
    issues.push(...checkExpressionMap(cel, step, 'metrics', metrics));
    if (asserts !== undefined) {
      const list = stringList(asserts);
      if (!list) issues.push(stepIssue(step, 'assert', 'PCQ_STEP_CONFIG', '`assert` must be a list of CEL expressions'));
      else for (const expr of list) issues.push(...checkExpression(cel, step, 'assert', expr));
    }
    return issues;
  },

  async run(ctx) {
    const { query, metrics, assert: asserts } = ctx.step.config;
    let rows: Row[] = [];
    if (typeof query === 'string') rows = await ctx.ports.graph.query(query, {}, ctx.signal);
    const upstream = Object.values(ctx.upstream);
    const input = upstream.length === 1 ? upstream[0] : ctx.upstream;
    const firstRow = rows.length === 1 && isPlainObject(rows[0]) ? rows[0] : {};
    const computed: Record<string, unknown> = {};
    const vars = () => ({ ...firstRow, ...computed, ...celVars(ctx, { rows, input, metrics: computed }) });

    if (isPlainObject(metrics)) {
      for (const [name, expr] of Object.entries(metrics)) computed[name] = ctx.ports.cel.evaluate(String(expr), vars());
    }

    const failed: Array<{ expr: string; error?: string }> = [];
    for (const expr of stringList(asserts) ?? []) {
      const verdict = evaluateBoolean(ctx.ports.cel, expr, vars());
      if (!verdict.value) failed.push(verdict.error ? { expr, error: verdict.error } : { expr });
    }
    if (failed.length > 0) {
      const values = JSON.stringify({ ...firstRow, ...computed });
      const what = failed.map((f) => `\`${f.expr}\`${f.error ? ` (${f.error})` : ''}`).join('; ');
      throw stepError(
        ctx.step,
        'assert',
        'PCQ_ASSERTION_FAILED',
        `assertion failed: ${what} with ${values}`,
        'The data does not meet the assertion; fix the data or the runbook, or ask an ombuds to review.',
        { failed, values: { ...firstRow, ...computed }, rows: rows.length },
      );
    }
    return { output: computed, inputs: typeof query === 'string' ? { query, rows: rows.length } : input };
  },
};
