// Reading every grant of a repository: contracts/grants/<grantId>/v<N>.json (committed, every
// mode) and, in dev mode only, .pcq/grants/ (grants issued on this machine for the local runner).
// Versions of one grant must agree on grantId, user, runner, runbooks, budget and expiry, start at
// v1 and have no gap; the latest version decides whether the grant is revoked.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PcqIssue } from '../base/errors.ts';
import type { GrantTerms } from '../base/prepaid-vault.ts';
import { readOptional } from '../store/read-optional.ts';
import { GRANTS_DIR, GRANT_ID, LOCAL_GRANTS_DIR, grantDigest, readGrantText, type GrantFile } from './grant-file.ts';

export interface GrantRecord {
  grantId: string;
  /** Version 1: the terms the vault registers and the manifest binds. */
  granted: GrantFile;
  digest: string;
  latest: GrantFile;
  versions: number;
  dir: string; // contracts/grants or .pcq/grants
  devOverlay: boolean;
}

export async function loadGrants(root: string, opts: { includeLocal: boolean }): Promise<{ grants: GrantRecord[]; issues: PcqIssue[] }> {
  const issues: PcqIssue[] = [];
  const grants: GrantRecord[] = [];
  const dirs = opts.includeLocal ? [GRANTS_DIR, LOCAL_GRANTS_DIR] : [GRANTS_DIR];
  const seen = new Set<string>();
  for (const dir of dirs) {
    const ids = (await readdir(join(root, dir)).catch(() => [] as string[])).filter((n) => GRANT_ID.test(n)).sort();
    for (const id of ids) {
      if (seen.has(id)) {
        issues.push({
          code: 'PCQ_GRANT_INVALID',
          message: `grant ${id} exists in both ${GRANTS_DIR} and ${LOCAL_GRANTS_DIR}`,
          hint: 'Keep one copy of each grant.',
          location: { file: `${dir}/${id}`, line: 1, col: 1 },
        });
        continue;
      }
      seen.add(id);
      const record = await loadOne(root, dir, id, issues);
      if (record) grants.push(record);
    }
  }
  return { grants, issues };
}

async function loadOne(root: string, dir: string, id: string, issues: PcqIssue[]): Promise<GrantRecord | undefined> {
  const names = await readdir(join(root, dir, id)).catch(() => [] as string[]);
  const versions = names
    .map((n) => /^v([1-9]\d{0,5})\.json$/.exec(n)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const at = `${dir}/${id}`;
  const problem = (message: string): undefined => {
    issues.push({
      code: 'PCQ_GRANT_INVALID',
      message: `${at}: ${message}`,
      hint: 'Write grants with `pcq grant add` / `pcq grant revoke`; never edit them by hand.',
      location: { file: at, line: 1, col: 1 },
    });
    return undefined;
  };
  if (versions.length === 0) return problem('holds no v<N>.json version');
  if (versions.some((v, i) => v !== i + 1)) return problem(`versions must be v1…vN without a gap, found ${versions.map((v) => `v${v}`).join(', ')}`);
  const files: GrantFile[] = [];
  for (const v of versions) {
    const file = `${at}/v${v}.json`;
    const text = await readOptional(join(root, file));
    const read = await readGrantText(text ?? '', file);
    issues.push(...read.issues);
    if (!read.grant) return undefined;
    if (read.grant.terms.grantId !== id || read.grant.terms.version !== v)
      return problem(`${file} names ${read.grant.terms.grantId} v${read.grant.terms.version}`);
    files.push(read.grant);
  }
  const granted = files[0]!;
  const latest = files[files.length - 1]!;
  for (const f of files.slice(1))
    if (!sameTerms(granted.terms, f.terms)) return problem(`v${f.terms.version} changes the terms of v1 (only revoked may change)`);
  return { grantId: id, granted, digest: grantDigest(granted.terms), latest, versions: files.length, dir, devOverlay: dir === LOCAL_GRANTS_DIR };
}

function sameTerms(a: GrantTerms, b: GrantTerms): boolean {
  return (
    a.user === b.user &&
    a.runner === b.runner &&
    a.budget === b.budget &&
    a.expiresAt === b.expiresAt &&
    a.unit === b.unit &&
    a.runbooks.join('\n') === b.runbooks.join('\n')
  );
}

export type GrantChoice = { ok: true; grant: GrantRecord } | { ok: false; reason: 'no-grant' | 'revoked' | 'expired' | 'runbook-not-granted'; message: string };

/**
 * The grant a run of `runbookId` by `runner` opens under: the first (by grantId) that names the
 * runner, covers the runbook, is not revoked and not expired at `now`. Otherwise why not, naming
 * the closest grant (revoked beats expired beats not covering), for UnauthorizedRunner.
 */
export function chooseGrant(grants: readonly GrantRecord[], runner: string, runbookId: string, now: Date): GrantChoice {
  const mine = grants.filter((g) => g.granted.terms.runner === runner);
  if (mine.length === 0) return { ok: false, reason: 'no-grant', message: `no grant names runner ${runner}` };
  const covering = mine.filter((g) => g.granted.terms.runbooks.includes('*') || g.granted.terms.runbooks.includes(runbookId));
  const usable = covering.find((g) => !g.latest.terms.revoked && Date.parse(g.granted.terms.expiresAt) > now.getTime());
  if (usable) return { ok: true, grant: usable };
  const revoked = covering.find((g) => g.latest.terms.revoked);
  if (revoked) return { ok: false, reason: 'revoked', message: `grant ${revoked.grantId} for runner ${runner} was revoked (v${revoked.versions})` };
  const expired = covering[0];
  if (expired) return { ok: false, reason: 'expired', message: `grant ${expired.grantId} for runner ${runner} expired at ${expired.granted.terms.expiresAt}` };
  return { ok: false, reason: 'runbook-not-granted', message: `no grant for runner ${runner} covers runbook ${runbookId}` };
}
