// Metric prover (type `metric`): runs a Cypher `query` through the graph port and checks a CEL
// `assertion` over the first row's columns (also `row`, `rows`, `params`, `asOf`, `steps`), e.g.
// the seed's `complete / total >= 0.95`. JSON numbers are CEL doubles (FORMATS.md), so integer
// counts are converted to numbers first and `548 / 600` is 0.913, not 0. Evidence carries the
// measured values. A failed query, no rows, or a non-boolean result is a fail, never a pass.
import { celStepsView } from '../base/step-outputs.ts';
import type { PcqIssue } from '../base/errors.ts';
import type { ProverSpec } from '../model/runbook.ts';
import type { CelEngine } from '../base/step-ports.ts';
import type { Row } from '../base/graph-store.ts';
import type { ProofResult } from '../base/proofs.ts';
import type { ProverContext, ProverKind } from './prover-kind.ts';
import { shownOperator, splitComparison } from './comparison.ts';
import { describeCelValue, failed, isPlainObject, messageOf, passed, specIssue, stringField } from './proof-outcome.ts';

const TYPE = 'metric';

function check(spec: ProverSpec, cel: CelEngine): PcqIssue[] {
  const issues: PcqIssue[] = [];
  if (!stringField(spec, 'query')) issues.push(specIssue(spec, 'PCQ_PROVER_SPEC', 'has no `query`', 'Add `query: "MATCH ... RETURN count(e) AS total, ..."`.'));
  const assertion = stringField(spec, 'assertion');
  if (!assertion)
    issues.push(specIssue(spec, 'PCQ_PROVER_SPEC', 'has no `assertion`', 'Add `assertion: "complete / total >= 0.95"` (CEL over the query\'s columns).'));
  else {
    const problem = cel.check(assertion);
    if (problem !== undefined) issues.push(specIssue(spec, 'PCQ_PROVER_CEL', `assertion does not compile: ${problem}`, 'Fix the CEL expression.'));
  }
  const params = spec.config.params;
  if (params !== undefined) {
    if (!isPlainObject(params))
      issues.push(specIssue(spec, 'PCQ_PROVER_SPEC', '`params` must map names to CEL expressions', 'Write `params: {since: "params.asOf"}`.'));
    else
      for (const [name, expr] of Object.entries(params)) {
        const problem = typeof expr === 'string' ? cel.check(expr) : 'not a string';
        if (problem !== undefined) issues.push(specIssue(spec, 'PCQ_PROVER_CEL', `param "${name}" does not compile: ${problem}`, 'Fix the CEL expression.'));
      }
  }
  return issues;
}

function jsonNumbers(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(jsonNumbers);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonNumbers(v)]));
  return value;
}

function scalarColumns(row: Row | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row ?? {})) if (v === null || ['number', 'string', 'boolean'].includes(typeof v)) out[k] = v;
  return out;
}

async function prove(ctx: ProverContext): Promise<ProofResult> {
  const { spec, cel } = ctx;
  const query = stringField(spec, 'query');
  const assertion = stringField(spec, 'assertion');
  if (!query || !assertion) return failed(spec, TYPE, 'Metric not proven: the prover needs both `query` and `assertion`');
  const base = { params: ctx.params, asOf: ctx.asOf, steps: celStepsView(ctx.steps) };
  const queryParams: Record<string, unknown> = {};
  if (isPlainObject(spec.config.params)) {
    for (const [name, expr] of Object.entries(spec.config.params)) {
      try {
        queryParams[name] = cel.evaluate(String(expr), base);
      } catch (err) {
        return failed(spec, TYPE, `Metric not proven: query parameter ${name} failed (${messageOf(err)})`, { query, assertion });
      }
    }
  }
  let rows: Row[];
  try {
    rows = jsonNumbers(await ctx.graph.query(query, queryParams, ctx.signal)) as Row[];
  } catch (err) {
    return failed(spec, TYPE, `Metric not proven: the query failed (${messageOf(err)})`, { query, assertion, error: messageOf(err) });
  }
  const row = rows[0];
  const measured = scalarColumns(row);
  const vars = { ...(row ?? {}), ...base, row: row ?? {}, rows };
  const shownFacts = Object.entries(measured)
    .map(([k, v]) => `${k}=${describeCelValue(v)}`)
    .join(' ');
  const details: Record<string, unknown> = { query, assertion, measured, rowCount: rows.length };
  let value: unknown;
  try {
    value = cel.evaluate(assertion, vars);
  } catch (err) {
    const why = rows.length === 0 ? 'the query returned no rows' : messageOf(err);
    return failed(spec, TYPE, `Metric not proven: ${assertion} could not be evaluated (${why})`, { ...details, error: messageOf(err) });
  }
  const held = value === true;
  const cmp = splitComparison(assertion);
  let summary = `${assertion} is ${describeCelValue(value)}`;
  if (cmp) {
    try {
      const left = cel.evaluate(cmp.left, vars);
      const right = cel.evaluate(cmp.right, vars);
      details.value = jsonNumbers(left);
      details.threshold = jsonNumbers(right);
      summary = `${cmp.left} = ${describeCelValue(left)} ${shownOperator(cmp.op, held)} ${describeCelValue(right)}`;
    } catch {
      // The parts may not evaluate alone (e.g. a macro); the whole assertion already decided.
    }
  }
  const evidence = shownFacts ? `${shownFacts} → ${summary}` : summary;
  return held ? passed(spec, TYPE, evidence, details) : failed(spec, TYPE, `Metric not met: ${evidence}`, details);
}

export const metricProver: ProverKind = { types: ['metric'], check, prove };
