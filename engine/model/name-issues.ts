// The names a runbook chooses that become file names or object keys — its runbookId, every stepId,
// every input name, every export step's `name` — checked against the one rule of base/safe-name.ts
// (issue 10 "Names cannot collide"), each issue at its file:line:col. The schema's patterns say
// which characters; this says which names are taken (index.json, reviews, __proto__, …).
import type { PcqIssue, SourceLocation } from '../base/errors.ts';
import { SAFE_NAME_HINT, nameProblem, type NameKind } from '../base/safe-name.ts';
import type { PathSegment } from './yaml-source.ts';

type Locate = (path: readonly PathSegment[], at?: 'key' | 'value') => SourceLocation;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function nameIssues(value: unknown, locate: Locate): PcqIssue[] {
  if (!isObj(value)) return [];
  const issues: PcqIssue[] = [];
  const check = (kind: NameKind, name: unknown, path: PathSegment[], at?: 'key'): void => {
    if (typeof name !== 'string') return; // the schema reports a missing or non-string name
    const problem = nameProblem(kind, name);
    if (problem !== undefined) issues.push({ code: 'PCQ_UNSAFE_ID', message: problem, hint: SAFE_NAME_HINT, location: locate(path, at) });
  };
  check('runbookId', value.runbookId, ['runbookId']);
  if (isObj(value.inputs)) for (const name of Object.keys(value.inputs)) check('input name', name, ['inputs', name], 'key');
  if (Array.isArray(value.steps)) {
    value.steps.forEach((step: unknown, i) => {
      if (!isObj(step)) return;
      check('stepId', step.stepId, ['steps', i, 'stepId']);
      if (step.type === 'export') check('export name', step.name, ['steps', i, 'name']);
    });
  }
  return issues;
}
