// Run parameters: raw `key=value` strings (CLI) or JSON values (Action `params`) checked against
// the runbook's declared `inputs`, defaults applied, types coerced. Pure.
import type { InputSpec, Runbook } from '../model/runbook.ts';
import { PcqErrors, type PcqIssue } from '../base/errors.ts';

export function resolveParams(runbook: Runbook, raw: Record<string, unknown>): Record<string, unknown> {
  const issues: PcqIssue[] = [];
  // Null-prototype maps and own-key checks: `__proto__`, `constructor`, `toString` are unknown
  // inputs like any other, refused by name, never dropped or resolved through a prototype.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const name of Object.keys(raw)) {
    if (!Object.hasOwn(runbook.inputs, name)) {
      issues.push({
        code: 'PCQ_INPUT_UNKNOWN',
        message: `runbook ${runbook.runbookId} has no input "${name}"`,
        hint: `Declared inputs: ${Object.keys(runbook.inputs).join(', ') || '(none)'}.`,
        location: runbook.location ?? { file: runbook.source.file, line: 1, col: 1 },
      });
    }
  }
  for (const [name, spec] of Object.entries(runbook.inputs).sort(([a], [b]) => a.localeCompare(b))) {
    const given = Object.hasOwn(raw, name) ? raw[name] : undefined;
    if (given === undefined) {
      if (spec.default !== undefined) out[name] = spec.default;
      else if (spec.required) issues.push({ code: 'PCQ_INPUT_MISSING', message: `input "${name}" is required`, hint: `Pass --input ${name}=<${spec.type}>.` });
      continue;
    }
    const value = coerce(given, spec);
    if (value === undefined) {
      issues.push({
        code: 'PCQ_INPUT_INVALID',
        message: `input "${name}" must be a ${spec.type}, got ${JSON.stringify(given)}`,
        hint: spec.description ?? `Pass a ${spec.type}.`,
      });
      continue;
    }
    if (spec.enum && !spec.enum.includes(value as string | number)) {
      issues.push({
        code: 'PCQ_INPUT_INVALID',
        message: `input "${name}" must be one of ${spec.enum.join(', ')}, got ${JSON.stringify(value)}`,
        hint: 'Choose one of the allowed values.',
      });
      continue;
    }
    out[name] = value;
  }
  if (issues.length > 0) throw new PcqErrors(issues);
  return { ...out }; // a plain object again for JSON and CEL; every key in it is a declared input
}

function coerce(value: unknown, spec: InputSpec): unknown {
  switch (spec.type) {
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'number': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      return Number.isFinite(n) ? n : undefined;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true') return true;
      if (value === 'false') return false;
      return undefined;
    case 'date': {
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) return undefined;
      return value;
    }
  }
}

/** Parses repeated `--input key=value` flags. */
export function parseInputFlags(flags: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) {
      throw new PcqErrors([{ code: 'PCQ_USAGE', message: `--input "${flag}" is not key=value`, hint: 'Write --input name=value.' }]);
    }
    // Defined, not assigned: `--input __proto__=x` becomes an own key (refused as unknown), not a prototype.
    Object.defineProperty(out, flag.slice(0, eq), { value: flag.slice(eq + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The run's clock: a valid ISO-8601 instant, normalised to UTC with second precision. */
export function normaliseAsOf(asOf: string): string {
  const ms = Date.parse(asOf);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}/.test(asOf)) {
    throw new PcqErrors([
      { code: 'PCQ_AS_OF_INVALID', message: `--as-of "${asOf}" is not an ISO-8601 date-time`, hint: 'Write e.g. --as-of 2026-11-16T00:00:00Z.' },
    ]);
  }
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
