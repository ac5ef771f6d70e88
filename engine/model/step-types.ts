// The step types a runbook may use (engine/FORMATS.md "Runbook files"). The JSON Schema's `type`
// enum, the loader and the planner all read this one list, so adding a kind is a one-line change
// here plus its fields in runbook.schema.json.
export const STEP_TYPES = ['query', 'mutation', 'transform', 'aggregate', 'assertion', 'external_api', 'export', 'notify', 'spell', 'approval'] as const;

export type StepType = (typeof STEP_TYPES)[number];

const KNOWN: ReadonlySet<string> = new Set(STEP_TYPES);

export function isStepType(value: unknown): value is StepType {
  return typeof value === 'string' && KNOWN.has(value);
}
