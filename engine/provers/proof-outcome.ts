// Small builders shared by the prover kinds: the ProofResult they return and the coded issues
// their static checks report at the declaration's location.
import type { PcqIssue } from '../base/errors.ts';
import type { ProverSpec } from '../model/runbook.ts';
import type { ProofResult } from '../base/proofs.ts';
import type { PcqCode } from '../base/error-catalogue.ts';

export function passed(spec: ProverSpec, type: string, evidence: string, details?: Record<string, unknown>): ProofResult {
  return details ? { prover: spec.id, type, result: 'pass', evidence, details } : { prover: spec.id, type, result: 'pass', evidence };
}

export function failed(spec: ProverSpec, type: string, evidence: string, details?: Record<string, unknown>): ProofResult {
  return details ? { prover: spec.id, type, result: 'fail', evidence, details } : { prover: spec.id, type, result: 'fail', evidence };
}

export function specIssue(spec: ProverSpec, code: PcqCode, message: string, hint: string): PcqIssue {
  const issue: PcqIssue = { code, message: `prover "${spec.id}": ${message}`, hint, details: { prover: spec.id } };
  if (spec.location) issue.location = spec.location;
  return issue;
}

/** A string field of the spec's config, or undefined when absent, empty or not a string. */
export function stringField(spec: ProverSpec, name: string): string | undefined {
  const value = spec.config[name];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** CEL results are compared `=== true` so an error value (truthy CelError) never reads as allow. */
export function describeCelValue(value: unknown): string {
  if (value instanceof Error) return `error: ${value.message}`;
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3).replace(/0+$/, '');
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
}

/** A message for anything thrown (a rejected promise may carry a bare string). */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
