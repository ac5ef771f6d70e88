// transform (FORMATS.md): rows in, rows out. `filter` keeps a row only when the CEL result is the
// literal `true`; `map` projects each row onto new fields (field → CEL over `row`); `sortBy` orders
// the result by fields ("-field" descending) with a locale-free total order, ties kept stable.
// `output` (CEL over `rows`) replaces the row list with any value built from it, e.g. a report.
// `model` scores each row with a logistic regression shipped in the runbook (logistic-model.ts).
import type { StepKind } from './step-kind.ts';
import { checkModel, readModel, scoreRow } from './logistic-model.ts';
import { celVars, checkExpression, checkExpressionMap, checkFrom, compareJson, isPlainObject, sourceRows, stepIssue, stringList } from './step-helpers.ts';

export const transformStep: StepKind = {
  type: 'transform',

  check(step, runbook, cel) {
    const issues = checkFrom(step, runbook);
    const { filter, map, sortBy, model, output } = step.config;
    if (filter !== undefined) issues.push(...checkExpression(cel, step, 'filter', filter));
    if (output !== undefined) issues.push(...checkExpression(cel, step, 'output', output));
    issues.push(...checkModel(cel, step, model));
    issues.push(...checkExpressionMap(cel, step, 'map', map));
    if (sortBy !== undefined && !stringList(sortBy)) {
      issues.push(stepIssue(step, 'sortBy', 'PCQ_STEP_CONFIG', '`sortBy` must be a list of field names ("-name" sorts descending)'));
    }
    return issues;
  },

  async run(ctx) {
    const input = sourceRows(ctx);
    const { filter, map, sortBy, model } = ctx.step.config;
    let rows: Record<string, unknown>[] = input;
    if (typeof filter === 'string') {
      rows = rows.filter((row) => ctx.ports.cel.evaluate(filter, celVars(ctx, { row })) === true);
    }
    if (isPlainObject(model)) {
      // Scoring comes after `filter` and before `map`, so `map` can use the score as row.<output>.
      const m = readModel(model);
      const tag = `${m.name}@${m.version}`;
      rows = rows.map((row) => ({ ...row, [m.output]: scoreRow(m, ctx.step, ctx.ports.cel, celVars(ctx, { row })), model: tag }));
    }
    if (isPlainObject(map)) {
      const fields = Object.entries(map) as Array<[string, string]>;
      rows = rows.map((row) => {
        const vars = celVars(ctx, { row });
        const out: Record<string, unknown> = {};
        for (const [name, expr] of fields) out[name] = ctx.ports.cel.evaluate(expr, vars);
        return out;
      });
    }
    const keys = stringList(sortBy);
    if (keys && keys.length > 0) rows = sortRows(rows, keys);
    // `output` shapes the whole result from the rows (e.g. a report object with claims).
    if (typeof ctx.step.config.output === 'string') {
      return { output: ctx.ports.cel.evaluate(ctx.step.config.output, celVars(ctx, { rows })), inputs: input };
    }
    return { output: rows, inputs: input };
  },
};

export function sortRows(rows: Record<string, unknown>[], keys: string[]): Record<string, unknown>[] {
  const order = keys.map((k) => (k.startsWith('-') ? { field: k.slice(1), sign: -1 } : { field: k, sign: 1 }));
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      for (const { field, sign } of order) {
        const c = compareJson(a.row?.[field] ?? null, b.row?.[field] ?? null);
        if (c !== 0) return sign * c;
      }
      return a.index - b.index;
    })
    .map((x) => x.row);
}
