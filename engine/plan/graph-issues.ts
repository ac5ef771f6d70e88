// Everything that must be refused before a runbook runs, found in one pass and reported together:
// duplicate step ids, `needs` naming no step, cycles (with their path), and pre/postconditions
// naming no declared prover (or one declared for the other phase). Pure; reads only the Runbook.
// Step types and field shapes are the schema's job (engine/model/runbook-schema.ts), so each
// problem gets exactly one coded issue.
import { suggestion } from '../base/did-you-mean.ts';
import type { PcqIssue, SourceLocation } from '../base/errors.ts';
import type { Runbook, Step } from '../model/runbook.ts';
import { findCycles } from './find-cycles.ts';

export interface StepGraph {
  /** Unique step ids in file order (a duplicate keeps its first occurrence). */
  ids: string[];
  needs: Map<string, string[]>;
  dependants: Map<string, string[]>;
}

/** The dependency graph over known steps; dangling `needs` entries are left out (and reported). */
export function buildStepGraph(runbook: Runbook): StepGraph {
  const byId = new Map<string, Step>();
  for (const step of runbook.steps) if (!byId.has(step.stepId)) byId.set(step.stepId, step);
  const needs = new Map<string, string[]>();
  const dependants = new Map<string, string[]>();
  for (const id of byId.keys()) dependants.set(id, []);
  for (const [id, step] of byId) {
    // Unique known needs in first-occurrence order; a linear scan for the usual handful of needs,
    // a Set for long lists so a hostile file cannot make this quadratic.
    const known: string[] = [];
    const seen = step.needs.length > 16 ? new Set<string>() : undefined;
    for (const need of step.needs) {
      if (!byId.has(need) || (seen ? seen.has(need) : known.includes(need))) continue;
      seen?.add(need);
      known.push(need);
    }
    needs.set(id, known);
    for (const need of known) dependants.get(need)!.push(id);
  }
  return { ids: [...byId.keys()], needs, dependants };
}

/**
 * `acyclic`: the caller has already proved there is no cycle (planRunbook's Kahn pass ordered every
 * step), so the cycle search, whose only job is to name a cycle's path, can be skipped.
 */
export function graphIssues(runbook: Runbook, graph: StepGraph = buildStepGraph(runbook), acyclic = false): PcqIssue[] {
  const issues: PcqIssue[] = [];
  const firstById = new Map<string, Step>();
  for (const step of runbook.steps) {
    const first = firstById.get(step.stepId);
    if (first) {
      issues.push({
        code: 'PCQ_DUPLICATE_STEP_ID',
        message: `step id "${step.stepId}" is used twice${first.location ? ` (first at line ${first.location.line})` : ''}`,
        hint: 'Give every step its own stepId; attestations and `needs` refer to steps by id.',
        location: at(step, 'stepId'),
      });
      continue;
    }
    firstById.set(step.stepId, step);
  }

  for (const step of firstById.values()) {
    step.needs.forEach((need, i) => {
      if (firstById.has(need)) return;
      issues.push({
        code: 'PCQ_DANGLING_NEED',
        message: `step "${step.stepId}" needs "${need}", which is not a step of this runbook`,
        hint: `Use one of: ${[...firstById.keys()].join(', ')}.`,
        location: at(step, `needs.${i}`, 'needs'),
      });
    });
    for (const [field, phase, other] of [
      ['preconditions', 'precondition', 'postconditions'],
      ['postconditions', 'postcondition', 'preconditions'],
    ] as const) {
      step[field].forEach((proverId, i) => {
        const spec = runbook.provers[proverId];
        if (spec && spec.phase === phase) return;
        // An undeclared prover is an error (issue 14: whatever `validate` accepts, `run` must not
        // refuse, and at run time an undeclared prover fails closed in step-runner.ts). The seed's
        // R1 names `authority:write_entities` without declaring it; the shipped sample
        // (runbooks/R1-entity-enrichment.yaml, fixtures/seed-R1-completed.json) declares it.
        const declared = Object.entries(runbook.provers)
          .filter(([, s]) => s.phase === phase)
          .map(([id]) => id);
        issues.push({
          code: 'PCQ_UNKNOWN_PROVER',
          message: spec
            ? `step "${step.stepId}" lists "${proverId}" under ${field}, but it is declared under provers.${other}`
            : `step "${step.stepId}" names prover "${proverId}", which is not declared under provers.${field}`,
          hint: spec
            ? `Move it to the step's ${other}, or declare it under provers.${field}.`
            : `Declare it under provers.${field}, or fix the id.${suggestion(proverId, declared)} (declared: ${declared.join(', ') || 'none'})`,
          location: at(step, `${field}.${i}`, field),
        });
      });
    }
  }

  for (const path of acyclic ? [] : findCycles(graph.ids, graph.dependants)) {
    const first = firstById.get(path[0]!)!;
    issues.push({
      code: 'PCQ_CYCLE',
      message: `steps form a cycle: ${path.join(' → ')}`,
      hint: 'A runbook is a DAG: remove one of these `needs` (a step without `needs` depends on the step listed before it; write `needs: []` for a root).',
      location: at(first, 'needs'),
      details: { cycle: path },
    });
  }
  return issues;
}

function at(step: Step, key: string, fallbackKey?: string): SourceLocation | undefined {
  const fields = step.fieldLocations;
  return fields?.[key] ?? (fallbackKey ? fields?.[fallbackKey] : undefined) ?? step.location;
}
