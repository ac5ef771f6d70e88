// A small logistic-regression scorer for `transform` steps (R2 "score with a small model shipped
// as weights"). The weights live in the runbook itself, so the runbook digest that every
// attestation carries also pins the exact model that scored the rows: a changed weight is a
// different runbook, visible in every proof.
//
//   model:
//     name: cooccurrence-logreg
//     version: "2026.11"
//     intercept: -3.1
//     weights:  { coOccurrences: 0.55, sameCountry: 0.9 }
//     features: { coOccurrences: row.coOccurrences, sameCountry: "row.sameCountry ? 1.0 : 0.0" }
//     output: confidence        # field added to each row (default "confidence")
//
// p = 1 / (1 + e^-(intercept + Σ wᵢ·xᵢ)), rounded to 6 decimals so the value is stable in JSON.
import type { PcqIssue } from '../base/errors.ts';
import type { Step } from '../model/runbook.ts';
import type { CelEngine } from '../base/step-ports.ts';
import { checkExpression, isPlainObject, stepError, stepIssue } from './step-helpers.ts';

export interface LogisticModel {
  name: string;
  version: string;
  intercept: number;
  weights: Record<string, number>;
  features: Record<string, string>;
  output: string;
}

export function checkModel(cel: CelEngine, step: Step, value: unknown): PcqIssue[] {
  if (value === undefined) return [];
  const issue = (message: string): PcqIssue =>
    stepIssue(step, 'model', 'PCQ_STEP_CONFIG', `model: ${message}`, 'See engine/steps/logistic-model.ts for the model fields.');
  if (!isPlainObject(value)) return [issue('must be a mapping')];
  const issues: PcqIssue[] = [];
  if (typeof value.name !== 'string' || value.name === '') issues.push(issue('`name` is required'));
  if (typeof value.version !== 'string' || value.version === '') issues.push(issue('`version` must be a string'));
  if (typeof value.intercept !== 'number' || !Number.isFinite(value.intercept)) issues.push(issue('`intercept` must be a number'));
  if (value.output !== undefined && (typeof value.output !== 'string' || value.output === '')) issues.push(issue('`output` must be a field name'));
  const weights = isPlainObject(value.weights) ? value.weights : undefined;
  const features = isPlainObject(value.features) ? value.features : undefined;
  if (!weights || Object.keys(weights).length === 0) issues.push(issue('`weights` must map feature names to numbers'));
  if (!features) issues.push(issue('`features` must map feature names to CEL expressions over `row`'));
  if (weights && features) {
    for (const [name, w] of Object.entries(weights)) {
      if (typeof w !== 'number' || !Number.isFinite(w)) issues.push(issue(`weight "${name}" is not a number`));
      if (!(name in features)) issues.push(issue(`weight "${name}" has no feature expression`));
    }
    for (const [name, expr] of Object.entries(features)) {
      if (!(name in weights)) issues.push(issue(`feature "${name}" has no weight`));
      issues.push(...checkExpression(cel, step, 'model', expr));
    }
  }
  return issues;
}

export function readModel(value: Record<string, unknown>): LogisticModel {
  return {
    name: String(value.name),
    version: String(value.version),
    intercept: value.intercept as number,
    weights: value.weights as Record<string, number>,
    features: value.features as Record<string, string>,
    output: typeof value.output === 'string' ? value.output : 'confidence',
  };
}

/** Scores one row; every feature must evaluate to a finite number (booleans count as 1/0). */
export function scoreRow(model: LogisticModel, step: Step, cel: CelEngine, vars: Record<string, unknown>): number {
  let z = model.intercept;
  // Sorted names: the floating-point sum is the same whatever order the YAML lists them in.
  for (const name of Object.keys(model.weights).sort()) {
    const raw = cel.evaluate(model.features[name] as string, vars);
    const x = typeof raw === 'boolean' ? (raw ? 1 : 0) : raw;
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw stepError(
        step,
        'model',
        'PCQ_MODEL_FEATURE',
        `feature "${name}" evaluated to ${JSON.stringify(raw)}, not a number`,
        'Make the feature expression return a number (write 1.0, not 1).',
      );
    }
    z += (model.weights[name] as number) * x;
  }
  return Math.round((1 / (1 + Math.exp(-z))) * 1e6) / 1e6;
}
