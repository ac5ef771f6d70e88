// What `pcq verify` trusts and what it verified, said plainly (issue 14 §6). The trust source is
// one of: keys given with --key (trusted as runner keys, nothing else read), a --trust file (plus
// any --key), or the repository's policies/trust.yaml with — in dev mode only — the dev overlay
// .pcq/trust.local.yaml. When the default finds neither file, every key is unknown: that is said
// as a warning before the checks, not left for the reader to infer from PCQ_KEY_UNKNOWN.
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PcqError, type PcqIssue } from '../base/errors.ts';
import { isPublicStrKey } from '../proof/strkey.ts';
import { LOCAL_TRUST_FILE, TRUST_FILE, type TrustStore, type TrustedKey } from '../proof/trust.ts';
import { loadTrust } from '../runtime/trust-store.ts';
import { ManifestFactsFold, manifestFacts } from '../verdict/manifest-facts.ts';
import type { Mode } from '../runtime/mode.ts';
import type { VerifyCheck } from '../proof/verify-manifest.ts';

export interface TrustSource {
  kind: 'key' | 'file' | 'repository' | 'none';
  /** Trust files read, as shown (repository-relative or as given). */
  files: string[];
  /** Keys given with --key. */
  keys: string[];
  /** One sentence: what was trusted. */
  description: string;
}

/** The name a --key key carries in the trust store and in every "vouched for by" line. */
export const KEY_FLAG_SOURCE = '--key (command line)';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function keyFromFlag(publicKey: string): TrustedKey {
  if (!isPublicStrKey(publicKey))
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: `verify: --key "${publicKey}" is not a G… public key (Stellar strkey)`,
      hint: 'Pass the runner key, e.g. --key GABC…',
    });
  return { name: 'key given with --key', publicKey, roles: ['runner'], status: 'active', validFrom: null, validUntil: null, source: KEY_FLAG_SOURCE };
}

/** Loads the trust the flags ask for, says which it is, and warns when the default found nothing. */
export async function resolveTrust(
  cwd: string,
  mode: Mode,
  flags: { trust?: string | undefined; keys: readonly string[] },
): Promise<{ trust: TrustStore; warnings: PcqIssue[]; source: TrustSource }> {
  const given = flags.keys.map(keyFromFlag);
  if (flags.trust === undefined && given.length > 0) {
    const source = { kind: 'key' as const, files: [], keys: [...flags.keys], description: `only the key(s) given with --key: ${flags.keys.join(', ')}` };
    return { trust: { keys: given }, warnings: [], source };
  }
  if (flags.trust !== undefined) {
    const { trust, warnings } = await loadTrust({ root: cwd, file: resolve(cwd, flags.trust) });
    const plus = given.length > 0 ? ` and the key(s) given with --key: ${flags.keys.join(', ')}` : '';
    return {
      trust: { keys: [...trust.keys, ...given] },
      warnings,
      source: { kind: 'file', files: [flags.trust], keys: [...flags.keys], description: `the trust file ${flags.trust} given with --trust${plus}` },
    };
  }
  const files = [TRUST_FILE, ...(mode === 'dev' ? [LOCAL_TRUST_FILE] : [])];
  const found: string[] = [];
  for (const f of files) if (await exists(join(cwd, f))) found.push(f);
  const { trust, warnings } = await loadTrust({ root: cwd, includeLocal: mode === 'dev' });
  if (found.length === 0) {
    const warning: PcqIssue = {
      code: 'PCQ_TRUST_MISSING',
      severity: 'warning',
      message: `no trust store found in ${cwd}: neither ${files.join(' nor ')} exists, so no key is trusted and the runner key check fails`,
      hint: 'Run in the repository the manifest came from, or pass --trust <trust.yaml> or --key G… (the runner key you expect).',
    };
    return { trust, warnings: [warning, ...warnings], source: { kind: 'none', files: [], keys: [], description: 'none: no trust store was found' } };
  }
  const overlay = found.includes(LOCAL_TRUST_FILE) ? ` + the DEV OVERLAY ${LOCAL_TRUST_FILE} (${mode} mode, this machine only)` : '';
  const main = found.includes(TRUST_FILE) ? TRUST_FILE : `no ${TRUST_FILE}`;
  return { trust, warnings, source: { kind: 'repository', files: found, keys: [], description: `${main}${overlay}` } };
}

export interface VerifiedSummary {
  executionId: string;
  runbookId: string;
  version: string;
  actor: string;
  runner: string;
  runnerName: string | null;
  verdict: string;
  executedAt: string;
  grant: { grantId: string; signer: string; budget: number; expiresAt: string } | null;
  merkleRoot: string;
}

/**
 * What the manifest says was run, by whom, under which grant: null when it cannot be read. `fold`:
 * the steps' facts folded while they streamed past (then `manifest` may be the header, `steps: []`).
 */
export function verifiedSummary(manifest: unknown, fold: ManifestFactsFold | undefined, trust: TrustStore): VerifiedSummary | null {
  const facts = fold ? fold.finish(manifest) : manifestFacts(manifest);
  if ('problem' in facts) return null;
  const g = (manifest as { grant?: { grantId?: unknown; signer?: unknown; budget?: unknown; expiresAt?: unknown } }).grant;
  const grant =
    g && typeof g.grantId === 'string' && typeof g.signer === 'string'
      ? { grantId: g.grantId, signer: g.signer, budget: Number(g.budget), expiresAt: String(g.expiresAt) }
      : null;
  return {
    executionId: facts.executionId,
    runbookId: facts.runbookId,
    version: facts.version,
    actor: facts.actor,
    runner: facts.executedBy,
    runnerName: trust.keys.find((k) => k.publicKey === facts.executedBy)?.name ?? null,
    verdict: facts.verdict,
    executedAt: facts.executedAt,
    grant,
    merkleRoot: facts.merkleRoot,
  };
}

/** The summary block printed above the checks. */
export function formatVerifiedSummary(s: VerifiedSummary | null, source: TrustSource): string {
  const lines = s
    ? [
        `  runbook   ${s.runbookId} v${s.version} · execution ${s.executionId}`,
        `  verdict   ${s.verdict}`,
        `  time      ${s.executedAt} (as of, signed)`,
        `  actor     ${s.actor}`,
        `  runner    ${s.runner}${s.runnerName !== null ? ` (${s.runnerName})` : ' (not in the trust used)'}`,
        `  grant     ${s.grant ? `${s.grant.grantId} signed by ${s.grant.signer} (budget ${s.grant.budget}, expires ${s.grant.expiresAt})` : 'none recorded'}`,
      ]
    : ['  (the manifest could not be read: no summary)'];
  return [...lines, `  trust     ${source.description}`].join('\n') + '\n';
}

/** JSON checks: a passing check carries no failure code (the code names how it fails, FORMATS.md). */
export function jsonChecks(checks: readonly VerifyCheck[]): Array<Omit<VerifyCheck, 'code'> & { code?: string }> {
  return checks.map((c) => (c.ok ? { check: c.check, ...(c.stepId !== undefined ? { stepId: c.stepId } : {}), ok: true, message: c.message } : c));
}
