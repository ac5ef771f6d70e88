// Citations prover (type `citations`): every claim of a report (FORMATS.md report shape
// `{claims: [{id, text, citations: [{source, ref}]}]}`) must cite at least `min` (default 1)
// distinct sources. Reads the step's own output, or `from: <stepId>`, optionally at `path`
// (dot path to the report or straight to the claims list). No claims found is a fail: a missing
// fact never passes. Evidence names the offending claim ids.
import type { PcqIssue } from '../base/errors.ts';
import type { ProverSpec } from '../model/runbook.ts';
import type { ProofResult } from '../base/proofs.ts';
import type { ProverContext, ProverKind } from './prover-kind.ts';
import { failed, isPlainObject, passed, specIssue, stringField } from './proof-outcome.ts';

const TYPE = 'citations';
const MAX_LISTED = 20;

function minimum(spec: ProverSpec): number | string {
  const min = spec.config.min ?? 1;
  if (typeof min !== 'number' || !Number.isInteger(min) || min < 1) return '`min` must be a whole number ≥ 1';
  return min;
}

function check(spec: ProverSpec): PcqIssue[] {
  const issues: PcqIssue[] = [];
  const min = minimum(spec);
  if (typeof min === 'string') issues.push(specIssue(spec, 'PCQ_PROVER_SPEC', min, 'Write e.g. `min: 1`.'));
  for (const field of ['path', 'from']) {
    if (spec.config[field] !== undefined && !stringField(spec, field))
      issues.push(
        specIssue(
          spec,
          'PCQ_PROVER_SPEC',
          `\`${field}\` must be a non-empty string`,
          field === 'path' ? 'Write e.g. `path: report.claims`.' : 'Name the step whose output holds the report.',
        ),
      );
  }
  if (spec.phase === 'precondition' && !stringField(spec, 'from')) {
    issues.push(
      specIssue(
        spec,
        'PCQ_PROVER_SPEC',
        'as a precondition it has no output to read',
        'Use it as a postcondition, or add `from: <stepId>` naming an earlier step.',
      ),
    );
  }
  return issues;
}

/** Follows a dot path (`report.claims`, `sections.0.claims`) through objects and arrays. */
function atPath(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  let here = value;
  for (const part of path.split('.')) {
    if (Array.isArray(here) && /^\d+$/.test(part)) here = here[Number(part)];
    else if (isPlainObject(here) && Object.hasOwn(here, part)) here = here[part];
    else return undefined;
  }
  return here;
}

function citedSources(claim: Record<string, unknown>): number {
  if (!Array.isArray(claim.citations)) return 0;
  const distinct = new Set<string>();
  for (const c of claim.citations) {
    if (isPlainObject(c) && typeof c.source === 'string' && c.source.trim() !== '') {
      distinct.add(JSON.stringify([c.source.trim(), typeof c.ref === 'string' ? c.ref.trim() : null]));
    }
  }
  return distinct.size;
}

async function prove(ctx: ProverContext): Promise<ProofResult> {
  const { spec } = ctx;
  const min = minimum(spec);
  if (typeof min === 'string') return failed(spec, TYPE, `Citations not proven: ${min}`);
  const from = stringField(spec, 'from');
  const path = stringField(spec, 'path');
  const source = from ? ctx.steps[from] : ctx.output;
  const where = `${from ? `step ${from}` : 'the step output'}${path ? ` at ${path}` : ''}`;
  const found = atPath(source, path);
  const claims = Array.isArray(found) ? found : isPlainObject(found) ? found.claims : undefined;
  if (!Array.isArray(claims)) return failed(spec, TYPE, `Citations not proven: no claims list in ${where}`, { min, from: from ?? null, path: path ?? null });
  if (claims.length === 0) return failed(spec, TYPE, `Citations not proven: ${where} has no claims`, { min, claims: 0 });
  const offending: string[] = [];
  claims.forEach((claim, i) => {
    const id = isPlainObject(claim) && (typeof claim.id === 'string' || typeof claim.id === 'number') ? String(claim.id) : `#${i + 1}`;
    if (!isPlainObject(claim) || citedSources(claim) < min) offending.push(id);
  });
  const details = { min, claims: claims.length, offending };
  const need = `${min} citation${min === 1 ? '' : 's'}`;
  if (offending.length === 0) return passed(spec, TYPE, `All ${claims.length} claims cite at least ${need}`, details);
  const listed = offending.slice(0, MAX_LISTED).join(', ') + (offending.length > MAX_LISTED ? `, … (${offending.length - MAX_LISTED} more)` : '');
  return failed(spec, TYPE, `${offending.length} of ${claims.length} claims cite fewer than ${need}: ${listed}`, details);
}

export const citationsProver: ProverKind = { types: ['citations'], check, prove };
