// Grants as signed, versioned files (FORMATS.md "Grants"): contracts/grants/<grantId>/v<N>.json,
// one file per version, never rewritten. Version 1 grants; a later version with `revoked: true`
// (and the vault ledger sequence at which revoke_runner took effect) revokes. Every version is
// signed by the user's key over PAE(GRANT_PAYLOAD_TYPE, JCS(terms)), so a grant file vouches for
// itself: a reader checks the shape, then the signature against terms.user.
import { PcqError, type PcqIssue } from '../base/errors.ts';
import type { GrantTerms } from '../base/prepaid-vault.ts';
import type { Signer } from '../base/signer.ts';
import { canonicalize } from '../proof/jcs.ts';
import { pae } from '../proof/pae.ts';
import { fromBase64, toBase64, utf8 } from '../proof/bytes.ts';
import { digestOfJson } from '../proof/digest.ts';
import { isPublicStrKey, tryDecodeStrKey } from '../proof/strkey.ts';
import { nodeVerify } from '../proof/ed25519-node.ts';

export const GRANT_PAYLOAD_TYPE = 'application/vnd.pcq.grant+json';
export const GRANTS_DIR = 'contracts/grants';
/** Dev mode only: grants issued on this machine for the local runner key (git-ignored). */
export const LOCAL_GRANTS_DIR = '.pcq/grants';
export const GRANT_ID = /^g-[0-9a-f]{12}$/;
const RUNBOOK_ID = /^(\*|[A-Za-z0-9][A-Za-z0-9._-]{0,127})$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

export interface GrantFile {
  payloadType: typeof GRANT_PAYLOAD_TYPE;
  terms: GrantTerms;
  signature: string; // base64:<64-byte Ed25519 signature by terms.user>
}

export function grantDigest(terms: GrantTerms): string {
  return digestOfJson(terms);
}

export function grantPath(dir: string, grantId: string, version: number): string {
  return `${dir}/${grantId}/v${version}.json`;
}

export async function signGrant(terms: GrantTerms, user: Signer): Promise<GrantFile> {
  if (user.keyid !== terms.user)
    throw new PcqError({
      code: 'PCQ_GRANT_INVALID',
      message: `the grant names user ${terms.user} but is signed with ${user.keyid}`,
      hint: 'Sign a grant with the key of the user it names.',
    });
  const sig = await user.sign(pae(GRANT_PAYLOAD_TYPE, utf8(canonicalize(terms))));
  return { payloadType: GRANT_PAYLOAD_TYPE, terms, signature: 'base64:' + toBase64(sig) };
}

export function serializeGrant(file: GrantFile): string {
  return JSON.stringify(file, null, 2) + '\n';
}

/** Parses and checks a grant file (shape, then the user's signature); every problem is a located issue. */
export async function readGrantText(text: string, file: string): Promise<{ grant?: GrantFile; issues: PcqIssue[] }> {
  const issues: PcqIssue[] = [];
  const bad = (message: string): { issues: PcqIssue[] } => {
    issues.push({
      code: 'PCQ_GRANT_INVALID',
      message: `${file}: ${message}`,
      hint: 'Write grants with `pcq grant add` / `pcq grant revoke`; never edit them by hand.',
      location: { file, line: 1, col: 1 },
    });
    return { issues };
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return bad(`not JSON: ${(err as Error).message}`);
  }
  if (!isObject(value) || value.payloadType !== GRANT_PAYLOAD_TYPE || typeof value.signature !== 'string' || !isObject(value.terms))
    return bad(`not a grant file (payloadType ${GRANT_PAYLOAD_TYPE}, terms, signature)`);
  const shapeProblem = termsProblem(value.terms);
  if (shapeProblem) return bad(shapeProblem);
  const terms = value.terms as unknown as GrantTerms;
  const sig = value.signature.startsWith('base64:') ? fromBase64(value.signature.slice(7)) : undefined;
  const key = tryDecodeStrKey('public', terms.user);
  if (!sig || sig.length !== 64 || !key || !(await nodeVerify(key, pae(GRANT_PAYLOAD_TYPE, utf8(canonicalize(terms))), sig)))
    return bad(`the signature is not the user ${terms.user}'s over these terms`);
  const grant: GrantFile = { payloadType: GRANT_PAYLOAD_TYPE, terms, signature: value.signature };
  return { grant, issues };
}

const TERM_KEYS = new Set(['grantId', 'version', 'user', 'runner', 'runbooks', 'budget', 'unit', 'expiresAt', 'revoked', 'revokedAtLedger']);

function termsProblem(t: Record<string, unknown>): string | undefined {
  for (const k of Object.keys(t)) if (!TERM_KEYS.has(k)) return `unknown field terms.${k}`;
  if (typeof t.grantId !== 'string' || !GRANT_ID.test(t.grantId)) return 'terms.grantId must be g-<12 hex>';
  if (!Number.isSafeInteger(t.version) || (t.version as number) < 1) return 'terms.version must be a whole number ≥ 1';
  if (!isPublicStrKey(t.user)) return 'terms.user must be a G… public key';
  if (!isPublicStrKey(t.runner)) return 'terms.runner must be a G… public key';
  if (!Array.isArray(t.runbooks) || t.runbooks.length === 0 || !t.runbooks.every((r) => typeof r === 'string' && RUNBOOK_ID.test(r)))
    return 'terms.runbooks must list runbook ids (or "*")';
  if (!Number.isSafeInteger(t.budget) || (t.budget as number) < 0) return 'terms.budget must be a whole number of units ≥ 0';
  if (t.unit !== 'step') return 'terms.unit must be "step"';
  if (typeof t.expiresAt !== 'string' || !ISO_UTC.test(t.expiresAt) || Number.isNaN(Date.parse(t.expiresAt)))
    return 'terms.expiresAt must be an ISO-8601 UTC time';
  if (typeof t.revoked !== 'boolean') return 'terms.revoked must be true or false';
  if (t.revoked && t.version === 1) return 'version 1 grants; only a later version may revoke';
  if (t.revokedAtLedger !== undefined && (!t.revoked || !Number.isSafeInteger(t.revokedAtLedger) || (t.revokedAtLedger as number) < 0))
    return 'terms.revokedAtLedger belongs to a revocation and is a ledger sequence';
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
