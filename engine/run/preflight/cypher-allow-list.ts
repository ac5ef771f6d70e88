// Preflight check (issue 10): every piece of Cypher a runbook carries — a step's `cypher` (query,
// mutation) or `query` (assertion) and a prover's `query` (metric) — passes the allow-list
// in graph/cypher-guard.ts. A refusal is located at the refused word inside the YAML, so
// `pcq validate` prints file:line:col of `LOAD`, not of the step. The graph stores run the same
// check again on every query (the run-time wall, which also covers replay and provers).
import { readFileSync } from 'node:fs';
import type { PcqIssue, SourceLocation } from '../../base/errors.ts';
import type { Runbook } from '../../model/runbook.ts';
import { cypherViolations } from '../../graph/cypher-guard.ts';

/** The step fields that hold Cypher: `cypher` (query, mutation) and `query` (assertion). */
const CYPHER_FIELDS = ['cypher', 'query'] as const;

const HINT =
  "Runbook Cypher may only read and write the run's graph (MATCH, CREATE, MERGE, SET, DELETE, RETURN, ...); datasets are loaded by pcq from `dataset:`, never by a query.";

export function cypherAllowListIssues(runbook: Runbook): PcqIssue[] {
  const issues: PcqIssue[] = [];
  let text: string | null | undefined;
  const fileText = (): string | null => {
    if (text === undefined) {
      try {
        text = readFileSync(runbook.source.file, 'utf8');
      } catch {
        text = null;
      }
    }
    return text;
  };
  const check = (cypher: unknown, where: string, at: SourceLocation | undefined): void => {
    if (typeof cypher !== 'string' || cypher.trim() === '') return; // presence is the step kind's own check
    for (const v of cypherViolations(cypher)) {
      const issue: PcqIssue = { code: 'PCQ_CYPHER_REFUSED', message: `${where}: Cypher refused: ${v.message}`, hint: HINT, details: { offset: v.offset } };
      const src = fileText();
      const location = at && src !== null ? locateInScalar(src, at, cypher, v.offset) : at;
      if (location) issue.location = location;
      issues.push(issue);
    }
  };
  for (const step of runbook.steps) {
    for (const field of CYPHER_FIELDS) {
      if (field in step.config) check(step.config[field], `step ${step.stepId} \`${field}\``, step.fieldLocations?.[field] ?? step.location);
    }
  }
  for (const spec of Object.values(runbook.provers)) {
    if ('query' in spec.config) check(spec.config['query'], `prover "${spec.id}"`, spec.fieldLocations?.['query'] ?? spec.location);
  }
  return issues;
}

/**
 * file:line:col of character `offset` of a YAML scalar whose value node starts at `at`. The value
 * is matched against the raw text as a subsequence (indentation, quotes, folds and escapes are
 * skipped), which is exact for plain, quoted and literal scalars and close for folded ones.
 */
export function locateInScalar(text: string, at: SourceLocation, value: string, offset: number): SourceLocation {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const start = (lineStarts[at.line - 1] ?? 0) + at.col - 1;
  let j = start;
  const indicator = text[start];
  if (indicator === '|' || indicator === '>') j = text.indexOf('\n', start) + 1 || text.length;
  else if (indicator === '"' || indicator === "'") j = start + 1;
  for (let i = 0; i <= offset && i < value.length; i++) {
    const ch = value[i] as string;
    const space = /\s/.test(ch);
    while (j < text.length && !(text[j] === ch || (space && /\s/.test(text[j] as string)))) j++;
    if (j >= text.length) return at;
    if (i < offset) j++;
  }
  let line = 0;
  while (line + 1 < lineStarts.length && (lineStarts[line + 1] as number) <= j) line++;
  return { file: at.file, line: line + 1, col: j - (lineStarts[line] as number) + 1 };
}
