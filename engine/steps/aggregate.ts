// aggregate (FORMATS.md): metrics over rows, optionally per group. Each metric is
// `{op: count|sum|avg|min|max|countDistinct, field?, where?: CEL over row}`. Ungrouped output is one
// object; grouped output is one row per group (group fields + metrics), sorted by the group key so
// the attested output never depends on input order or hash-map iteration.
import { canonicalize } from '../proof/jcs.ts';
import type { CelEngine } from '../base/step-ports.ts';
import type { StepContext, StepKind } from './step-kind.ts';
import type { PcqIssue } from '../base/errors.ts';
import type { Step } from '../model/runbook.ts';
import { celVars, checkExpression, checkFrom, compareJson, isPlainObject, sourceRows, stepError, stepIssue, stringList } from './step-helpers.ts';

const OPS = ['count', 'sum', 'avg', 'min', 'max', 'countDistinct'] as const;
type Op = (typeof OPS)[number];
interface Metric {
  name: string;
  op: Op;
  field?: string;
  where?: string;
}

export const aggregateStep: StepKind = {
  type: 'aggregate',

  check(step, runbook, cel) {
    const issues = checkFrom(step, runbook);
    const { groupBy, metrics } = step.config;
    if (groupBy !== undefined && !stringList(groupBy)) issues.push(stepIssue(step, 'groupBy', 'PCQ_STEP_CONFIG', '`groupBy` must be a list of field names'));
    if (!isPlainObject(metrics) || Object.keys(metrics).length === 0) {
      issues.push(stepIssue(step, 'metrics', 'PCQ_STEP_CONFIG', '`metrics` must map names to {op, field?, where?}', `Ops: ${OPS.join(', ')}.`));
      return issues;
    }
    for (const [name, spec] of Object.entries(metrics)) issues.push(...checkMetric(step, cel, name, spec));
    return issues;
  },

  async run(ctx) {
    const rows = sourceRows(ctx);
    const metrics = readMetrics(ctx.step);
    const groupBy = stringList(ctx.step.config['groupBy']) ?? [];
    const selected = selectRows(ctx, rows, metrics);
    if (groupBy.length === 0)
      return {
        output: computeMetrics(
          ctx.step,
          metrics,
          selected,
          rows.map((_, i) => i),
        ),
        inputs: rows,
      };

    const groups = new Map<string, { key: unknown[]; members: number[] }>();
    rows.forEach((row, i) => {
      const key = groupBy.map((f) => row?.[f] ?? null);
      const id = canonicalize(key);
      const group = groups.get(id) ?? { key, members: [] };
      group.members.push(i);
      groups.set(id, group);
    });
    const ordered = [...groups.values()].sort((a, b) => {
      for (let i = 0; i < groupBy.length; i++) {
        const c = compareJson(a.key[i], b.key[i]);
        if (c !== 0) return c;
      }
      return 0;
    });
    const output = ordered.map(({ key, members }) => {
      const out: Record<string, unknown> = {};
      groupBy.forEach((f, i) => (out[f] = key[i]));
      return { ...out, ...computeMetrics(ctx.step, metrics, selected, members) };
    });
    return { output, inputs: rows };
  },
};

function checkMetric(step: Step, cel: CelEngine, name: string, spec: unknown): PcqIssue[] {
  if (!isPlainObject(spec) || !OPS.includes(spec['op'] as Op)) {
    return [stepIssue(step, 'metrics', 'PCQ_STEP_CONFIG', `metric ${name} needs op: one of ${OPS.join(', ')}`)];
  }
  const issues: PcqIssue[] = [];
  if (spec['op'] !== 'count' && typeof spec['field'] !== 'string') {
    issues.push(stepIssue(step, 'metrics', 'PCQ_STEP_CONFIG', `metric ${name} (${String(spec['op'])}) needs a \`field\``));
  }
  if (spec['where'] !== undefined)
    issues.push(...checkExpression(cel, step, 'metrics', spec['where']).map((i) => ({ ...i, message: `${i.message} (metrics.${name}.where)` })));
  return issues;
}

function readMetrics(step: Step): Metric[] {
  const metrics = step.config['metrics'];
  if (!isPlainObject(metrics)) throw stepError(step, 'metrics', 'PCQ_STEP_CONFIG', '`metrics` must map names to {op, field?, where?}');
  return Object.entries(metrics).map(([name, spec]) => {
    const s = spec as Record<string, unknown>;
    if (!OPS.includes(s['op'] as Op)) throw stepError(step, 'metrics', 'PCQ_STEP_CONFIG', `metric ${name} has no valid op`);
    const metric: Metric = { name, op: s['op'] as Op };
    if (typeof s['field'] === 'string') metric.field = s['field'];
    if (typeof s['where'] === 'string') metric.where = s['where'];
    return metric;
  });
}

interface Selection {
  rows: Record<string, unknown>[];
  /** Per metric with a `where`, the indexes of the rows it admits (evaluated once per row, not per group). */
  admitted: Map<string, Set<number>>;
}

function selectRows(ctx: StepContext, rows: Record<string, unknown>[], metrics: Metric[]): Selection {
  const admitted = new Map<string, Set<number>>();
  for (const m of metrics) {
    const where = m.where;
    if (where === undefined) continue;
    const set = new Set<number>();
    rows.forEach((row, i) => {
      if (ctx.ports.cel.evaluate(where, celVars(ctx, { row })) === true) set.add(i);
    });
    admitted.set(m.name, set);
  }
  return { rows, admitted };
}

function computeMetrics(step: Step, metrics: Metric[], selection: Selection, members: number[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of metrics) {
    const admitted = selection.admitted.get(m.name);
    const picked = admitted ? members.filter((i) => admitted.has(i)) : members;
    out[m.name] = computeOne(
      step,
      m,
      picked.map((i) => selection.rows[i] as Record<string, unknown>),
    );
  }
  return out;
}

function computeOne(step: Step, m: Metric, rows: Record<string, unknown>[]): unknown {
  if (m.op === 'count') return m.field === undefined ? rows.length : rows.filter((r) => r?.[m.field as string] != null).length;
  const values = rows.map((r) => r?.[m.field as string]).filter((v) => v !== null && v !== undefined);
  switch (m.op) {
    case 'countDistinct':
      return new Set(values.map((v) => canonicalize(v))).size;
    case 'min':
    case 'max': {
      if (values.length === 0) return null;
      const sorted = [...values].sort(compareJson);
      return m.op === 'min' ? sorted[0] : sorted[sorted.length - 1];
    }
    case 'sum':
    case 'avg': {
      const bad = values.find((v) => typeof v !== 'number');
      if (bad !== undefined) {
        throw stepError(
          step,
          'metrics',
          'PCQ_AGGREGATE_TYPE',
          `metric ${m.name} (${m.op}) met a non-number in field ${m.field}: ${JSON.stringify(bad)}`,
          'Convert the field with a transform step first.',
        );
      }
      const sum = (values as number[]).reduce((a, b) => a + b, 0);
      if (m.op === 'sum') return sum;
      return values.length === 0 ? null : sum / values.length;
    }
  }
}
