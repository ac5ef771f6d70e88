// The use cases behind `pcq grant add|revoke|list`: a user grants a runner (both G… keys) some
// runbooks, a budget and an expiry, signed with the user's key into contracts/grants/ (or the dev
// overlay .pcq/grants/ with `local`), and registered on the vault (grant_runner); a revocation is
// recorded on the vault first (revoke_runner, which yields the ledger sequence it took effect at)
// and then written as the next signed version of the grant.
import { join } from 'node:path';
import { PcqError } from '../base/errors.ts';
import type { GrantState, GrantTerms, PrepaidVault } from '../base/prepaid-vault.ts';
import type { Signer } from '../base/signer.ts';
import { isPublicStrKey } from '../proof/strkey.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import { GRANTS_DIR, LOCAL_GRANTS_DIR, grantDigest, grantPath, serializeGrant, signGrant } from './grant-file.ts';
import { loadGrants, type GrantRecord } from './grant-store.ts';
import { newGrantId } from './dev-grant.ts';

export interface AddGrantInput {
  root: string;
  user: Signer;
  runner: string;
  runbooks: string[];
  budget: number;
  expiresAt: string;
  local: boolean;
  vault: PrepaidVault;
}

export async function addGrant(input: AddGrantInput): Promise<{ file: string; terms: GrantTerms; digest: string; ledger: number }> {
  if (!isPublicStrKey(input.runner))
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: `--runner "${input.runner}" is not a G… public key`,
      hint: "Pass the runner's G… key (policies/trust.yaml lists it).",
    });
  if (!Number.isSafeInteger(input.budget) || input.budget < 0)
    throw new PcqError({ code: 'PCQ_USAGE', message: `--budget must be a whole number of step units, got ${input.budget}`, hint: 'e.g. --budget 500' });
  const expires = Date.parse(input.expiresAt);
  if (Number.isNaN(expires))
    throw new PcqError({ code: 'PCQ_USAGE', message: `--expires "${input.expiresAt}" is not an ISO-8601 time`, hint: 'e.g. --expires 2027-12-31T00:00:00Z' });
  const terms: GrantTerms = {
    grantId: newGrantId(),
    version: 1,
    user: input.user.keyid,
    runner: input.runner,
    runbooks: input.runbooks.length > 0 ? [...input.runbooks].sort() : ['*'],
    budget: input.budget,
    unit: 'step',
    expiresAt: new Date(expires).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    revoked: false,
  };
  const digest = grantDigest(terms);
  const file = grantPath(input.local ? LOCAL_GRANTS_DIR : GRANTS_DIR, terms.grantId, 1);
  const signed = await signGrant(terms, input.user);
  // On the vault first: a grant the vault refused is never written as a file.
  const receipt = await input.vault.grantRunner({
    grantId: terms.grantId,
    digest,
    user: terms.user,
    runner: terms.runner,
    runbooks: terms.runbooks,
    budget: terms.budget,
    expiresAt: terms.expiresAt,
  });
  await writeFileAtomic(join(input.root, file), serializeGrant(signed));
  return { file, terms, digest, ledger: receipt.ledger };
}

export async function revokeGrant(input: {
  root: string;
  user: Signer;
  grantId: string;
  includeLocal: boolean;
  vault: PrepaidVault;
}): Promise<{ file: string; ledger: number }> {
  const { grants, issues } = await loadGrants(input.root, { includeLocal: input.includeLocal });
  if (issues.length > 0) throw new PcqError(issues[0]!);
  const record = grants.find((g) => g.grantId === input.grantId);
  if (!record)
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: `no grant ${input.grantId} in ${GRANTS_DIR}${input.includeLocal ? ` or ${LOCAL_GRANTS_DIR}` : ''}`,
      hint: 'List grants with `pcq grant list`.',
    });
  const t = record.granted.terms;
  if (t.user !== input.user.keyid)
    throw new PcqError({
      code: 'PCQ_GRANT_INVALID',
      message: `grant ${t.grantId} was given by ${t.user}; only that user's key may revoke it (you sign as ${input.user.keyid})`,
      hint: "Set PCQ_GRANT_USER_SECRET to the granting user's S… key.",
    });
  if (record.latest.terms.revoked) return { file: grantPath(record.dir, t.grantId, record.versions), ledger: record.latest.terms.revokedAtLedger ?? -1 };
  // The vault must know the grant to revoke it (the embedded ledger registers it on first use).
  await input.vault.grantRunner({
    grantId: t.grantId,
    digest: record.digest,
    user: t.user,
    runner: t.runner,
    runbooks: t.runbooks,
    budget: t.budget,
    expiresAt: t.expiresAt,
  });
  const receipt = await input.vault.revokeRunner({ grantId: t.grantId, user: t.user });
  const next: GrantTerms = { ...t, version: record.versions + 1, revoked: true, revokedAtLedger: receipt.ledger };
  const file = grantPath(record.dir, t.grantId, next.version);
  await writeFileAtomic(join(input.root, file), serializeGrant(await signGrant(next, input.user)));
  return { file, ledger: receipt.ledger };
}

export interface GrantListing {
  grantId: string;
  user: string;
  runner: string;
  runbooks: string[];
  budget: number;
  expiresAt: string;
  status: 'active' | 'revoked' | 'expired';
  source: string;
  spent: number | null;
  reserved: number | null;
}

export async function listGrants(input: {
  root: string;
  includeLocal: boolean;
  now: Date;
  ledger?: (grantId: string) => Promise<GrantState | undefined>;
}): Promise<GrantListing[]> {
  const { grants, issues } = await loadGrants(input.root, { includeLocal: input.includeLocal });
  if (issues.length > 0) throw new PcqError(issues[0]!);
  const out: GrantListing[] = [];
  for (const g of grants) out.push(await listing(g, input.now, input.ledger));
  return out;
}

async function listing(g: GrantRecord, now: Date, ledger?: (grantId: string) => Promise<GrantState | undefined>): Promise<GrantListing> {
  const t = g.granted.terms;
  const state = ledger ? await ledger(g.grantId) : undefined;
  const status = g.latest.terms.revoked ? 'revoked' : Date.parse(t.expiresAt) <= now.getTime() ? 'expired' : 'active';
  return {
    grantId: t.grantId,
    user: t.user,
    runner: t.runner,
    runbooks: t.runbooks,
    budget: t.budget,
    expiresAt: t.expiresAt,
    status,
    source: grantPath(g.dir, t.grantId, g.versions),
    spent: state?.spent ?? null,
    reserved: state?.reserved ?? null,
  };
}
