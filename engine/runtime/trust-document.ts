// Parsing one trust-store file (policies/trust.yaml, the dev overlay, or a --trust file) into the
// pure TrustStore value of proof/trust.ts. Never throws: every problem is a PCQ_TRUST_INVALID issue
// with file:line:col. Which file may say what (the overlay only adds local keys) is decided by
// trust-overlay.ts; the loader is trust-store.ts.
import type { PcqIssue } from '../base/errors.ts';
import { readYamlSource } from '../model/yaml-source.ts';
import { isPublicStrKey } from '../proof/strkey.ts';
import {
  KEY_LIFECYCLES,
  KEY_ORIGINS,
  KEY_ROLES,
  EMPTY_TRUST,
  type KeyLifecycle,
  type KeyOrigin,
  type KeyRole,
  type TrustStore,
  type TrustedKey,
} from '../proof/trust.ts';

const KEY_FIELDS = new Set(['name', 'publicKey', 'roles', 'status', 'validFrom', 'validUntil', 'description', 'login', 'origin']);
/** GitHub login syntax: what the ombuds roster, trust entries and reviewer key file names accept. */
export const GITHUB_LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

function timeOrNull(value: unknown): string | null | undefined {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value;
  return undefined;
}

/**
 * Parses trust-store YAML text. `file` is how the file is named to people and becomes each key's
 * `source`; `overlay` allows the overlay-only field `origin`.
 */
export function parseTrustDocument(text: string, file: string, options: { overlay?: boolean } = {}): { trust: TrustStore; issues: PcqIssue[] } {
  const source = readYamlSource(text, file);
  if (source.value === undefined) return { trust: EMPTY_TRUST, issues: source.issues };
  const issues: PcqIssue[] = [...source.issues];
  const doc = source.value as { keys?: unknown };
  const problem = (path: Array<string | number>, message: string, hint: string) =>
    issues.push({ code: 'PCQ_TRUST_INVALID', message, hint, location: source.locate(path) });
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.keys)) {
    problem([], 'a trust store needs a top-level `keys:` list', 'See the field reference at the top of policies/trust.yaml.');
    return { trust: EMPTY_TRUST, issues };
  }
  const keys: TrustedKey[] = [];
  doc.keys.forEach((raw: unknown, i: number) => {
    const at = (field?: string) => (field === undefined ? ['keys', i] : ['keys', i, field]);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return void problem(at(), `keys[${i}] must be a mapping`, 'Each key has name, publicKey, roles, status, validFrom, validUntil.');
    const k = raw as Record<string, unknown>;
    const before = issues.length;
    for (const field of Object.keys(k))
      if (!KEY_FIELDS.has(field)) problem(at(field), `keys[${i}] has an unknown field "${field}"`, `Known fields: ${[...KEY_FIELDS].join(', ')}.`);
    if (typeof k.name !== 'string' || k.name === '')
      problem(at('name'), `keys[${i}].name must be a non-empty string`, 'Name the key after its holder, e.g. ci-runner-2026.');
    if (!isPublicStrKey(k.publicKey))
      problem(at('publicKey'), `keys[${i}].publicKey is not a G… Stellar public key`, 'Use the G… value printed by `pcq keys generate` (never the S… secret).');
    const roles = k.roles;
    if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => KEY_ROLES.includes(r as KeyRole)))
      problem(
        at('roles'),
        `keys[${i}].roles must list some of ${KEY_ROLES.join(', ')}`,
        'A runner key signs attestations; reviewer keys sign ombuds reviews; verdict keys sign verdicts.',
      );
    const status = k.status ?? 'active';
    if (!KEY_LIFECYCLES.includes(status as KeyLifecycle))
      problem(
        at('status'),
        `keys[${i}].status must be one of ${KEY_LIFECYCLES.join(', ')}`,
        'revoked = compromised (never trusted); retired = verifies inside its window.',
      );
    const validFrom = timeOrNull(k.validFrom);
    const validUntil = timeOrNull(k.validUntil);
    if (validFrom === undefined) problem(at('validFrom'), `keys[${i}].validFrom is not an ISO-8601 time`, 'Write e.g. 2026-01-01T00:00:00Z, or null.');
    if (validUntil === undefined) problem(at('validUntil'), `keys[${i}].validUntil is not an ISO-8601 time`, 'Write e.g. 2027-01-01T00:00:00Z, or null.');
    if (k.login !== undefined && (typeof k.login !== 'string' || !GITHUB_LOGIN.test(k.login)))
      problem(at('login'), `keys[${i}].login is not a GitHub login`, "Write the reviewer's login as listed in policies/ombuds.yaml.");
    else if (k.login !== undefined && Array.isArray(roles) && !roles.includes('reviewer'))
      problem(
        at('login'),
        `keys[${i}] has a login but not the reviewer role`,
        'A login binds a reviewer key to an ombuds; add `reviewer` to roles or drop the login.',
      );
    if (k.origin !== undefined && !options.overlay)
      problem(
        at('origin'),
        `keys[${i}].origin is only meaningful in the dev overlay`,
        'Remove `origin`: keys in this file are trusted because the repository lists them.',
      );
    else if (k.origin !== undefined && !KEY_ORIGINS.includes(k.origin as KeyOrigin))
      problem(at('origin'), `keys[${i}].origin must be one of ${KEY_ORIGINS.join(', ')}`, 'Let pcq write overlay entries.');
    if (issues.length > before) return;
    const key: TrustedKey = {
      name: k.name as string,
      publicKey: k.publicKey as string,
      roles: roles as KeyRole[],
      status: status as KeyLifecycle,
      validFrom: validFrom!,
      validUntil: validUntil!,
      source: file,
    };
    if (typeof k.login === 'string') key.login = k.login;
    if (k.origin !== undefined) key.origin = k.origin as KeyOrigin;
    keys.push(key);
  });
  return { trust: { keys }, issues };
}
