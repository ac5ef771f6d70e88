// License prover (types `license` and the seed's `license_registry`): the registry in
// policies/licenses.yaml says which operations each source (host) allows, optionally only through
// one named connector. Seed form: `check: "api.example.com allows enrichment"`; structured form:
// `{source, operation, connector?}`. Monotonic: no matching entry, or an entry restricted to another
// connector, is a fail.
import type { PcqIssue } from '../base/errors.ts';
import type { ProverSpec } from '../model/runbook.ts';
import type { PolicySet, ProofResult } from '../base/proofs.ts';
import type { ProverContext, ProverKind } from './prover-kind.ts';
import { failed, passed, specIssue, stringField } from './proof-outcome.ts';

const TYPE = 'license';
const CHECK_FORM = /^\s*([A-Za-z0-9.-]+(?::\d+)?)\s+allows\s+([A-Za-z0-9_.:-]+)\s*$/;

export interface LicenseQuestion {
  source: string; // lower-case host
  operation: string;
  connector?: string;
}

/** Reads either form; returns a message instead when the spec says neither clearly. */
export function licenseQuestion(spec: ProverSpec): LicenseQuestion | string {
  const check = spec.config.check;
  const connector = stringField(spec, 'connector');
  if (check !== undefined) {
    if (typeof check !== 'string') return '`check` must be a string like "api.example.com allows enrichment"';
    const m = CHECK_FORM.exec(check);
    if (!m) return `cannot read check "${check}"; expected "<source> allows <operation>"`;
    return connector ? { source: m[1]!.toLowerCase(), operation: m[2]!, connector } : { source: m[1]!.toLowerCase(), operation: m[2]! };
  }
  const source = stringField(spec, 'source');
  const operation = stringField(spec, 'operation');
  if (!source || !operation) return 'needs `check: "<source> allows <operation>"` or both `source` and `operation`';
  return connector ? { source: source.trim().toLowerCase(), operation, connector } : { source: source.trim().toLowerCase(), operation };
}

/** The registry entries that grant the question (pure, shared with `pcq plan`). */
export function grantingLicenses(policies: PolicySet, q: LicenseQuestion): PolicySet['licenses'] {
  return policies.licenses.filter(
    (entry) =>
      entry.source.toLowerCase() === q.source &&
      entry.operations.includes(q.operation) &&
      // An entry scoped to a connector grants only that connector, never an unnamed caller.
      (entry.connector === undefined || entry.connector === q.connector),
  );
}

function check(spec: ProverSpec): PcqIssue[] {
  const q = licenseQuestion(spec);
  if (typeof q === 'string')
    return [specIssue(spec, 'PCQ_PROVER_SPEC', q, 'Write `check: "api.example.com allows enrichment"` or `{source, operation, connector?}`.')];
  return [];
}

async function prove(ctx: ProverContext): Promise<ProofResult> {
  const { spec } = ctx;
  const q = licenseQuestion(spec);
  if (typeof q === 'string') return failed(spec, TYPE, `Not licensed: ${q}`);
  const facts = { source: q.source, operation: q.operation, connector: q.connector ?? null };
  const grants = grantingLicenses(ctx.policies, q);
  const grant = grants[0];
  if (grant) {
    const name = grant.license ? ` under "${grant.license}"` : '';
    return passed(spec, TYPE, `License registry allows ${q.operation} on ${q.source}${name}`, { ...facts, license: grant.license ?? null, entry: grant });
  }
  const sameSource = ctx.policies.licenses.filter((e) => e.source.toLowerCase() === q.source);
  const why =
    sameSource.length === 0
      ? `no license for ${q.source} in policies/licenses.yaml`
      : `${q.source} is licensed for ${[...new Set(sameSource.flatMap((e) => e.operations))].join(', ')}${sameSource.some((e) => e.connector) ? ` (connector-scoped: ${sameSource.map((e) => e.connector ?? 'any').join(', ')})` : ''}, not ${q.operation}${q.connector ? ` via ${q.connector}` : ''}`;
  return failed(spec, TYPE, `Not licensed: ${why}`, { ...facts, entriesForSource: sameSource });
}

export const licenseProver: ProverKind = { types: ['license', 'license_registry'], check, prove };
