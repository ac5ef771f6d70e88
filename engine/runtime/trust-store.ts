// Loading the trust store (the edge): policies/trust.yaml, plus in dev the overlay
// .pcq/trust.local.yaml that lists the local runner key (FORMATS.md "Trust store"). Parsing gives
// coded issues with file:line:col; the resulting TrustStore value is pure and evaluated by
// proof/trust.ts (keyStatusAt), which the browser verifier uses unchanged.
import { join } from 'node:path';
import { PcqErrors, type PcqIssue } from '../base/errors.ts';
import { readYamlSource } from '../model/yaml-source.ts';
import { isPublicStrKey } from '../proof/strkey.ts';
import { KEY_LIFECYCLES, KEY_ORIGINS, KEY_ROLES, EMPTY_TRUST, mergeTrust, type KeyLifecycle, type KeyOrigin, type KeyRole, type TrustStore, type TrustedKey } from '../proof/trust.ts';
import { readOptional } from '../store/read-optional.ts';

export const TRUST_FILE = 'policies/trust.yaml';
export const LOCAL_TRUST_FILE = '.pcq/trust.local.yaml';

const KEY_FIELDS = new Set(['name', 'publicKey', 'roles', 'status', 'validFrom', 'validUntil', 'description', 'login', 'origin']);
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/; // GitHub login syntax, as policies/ombuds.yaml

function timeOrNull(value: unknown): string | null | undefined {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return value;
  return undefined;
}

/** Parses trust-store YAML text; never throws, every problem is an issue with its location. */
export function parseTrustDocument(text: string, file: string): { trust: TrustStore; issues: PcqIssue[] } {
  const source = readYamlSource(text, file);
  if (source.value === undefined) return { trust: EMPTY_TRUST, issues: source.issues };
  const issues: PcqIssue[] = [...source.issues];
  const doc = source.value as { keys?: unknown };
  const problem = (path: Array<string | number>, message: string, hint: string) => issues.push({ code: 'PCQ_TRUST_INVALID', message, hint, location: source.locate(path) });
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.keys)) {
    problem([], 'a trust store needs a top-level `keys:` list', 'See the field reference at the top of policies/trust.yaml.');
    return { trust: EMPTY_TRUST, issues };
  }
  const keys: TrustedKey[] = [];
  doc.keys.forEach((raw: unknown, i: number) => {
    const at = (field?: string) => (field === undefined ? ['keys', i] : ['keys', i, field]);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return void problem(at(), `keys[${i}] must be a mapping`, 'Each key has name, publicKey, roles, status, validFrom, validUntil.');
    const k = raw as Record<string, unknown>;
    const before = issues.length;
    for (const field of Object.keys(k)) if (!KEY_FIELDS.has(field)) problem(at(field), `keys[${i}] has an unknown field "${field}"`, `Known fields: ${[...KEY_FIELDS].join(', ')}.`);
    if (typeof k.name !== 'string' || k.name === '') problem(at('name'), `keys[${i}].name must be a non-empty string`, 'Name the key after its holder, e.g. ci-runner-2026.');
    if (!isPublicStrKey(k.publicKey)) problem(at('publicKey'), `keys[${i}].publicKey is not a G… Stellar public key`, 'Use the G… value printed by `pcq keys generate` (never the S… secret).');
    const roles = k.roles;
    if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => KEY_ROLES.includes(r as KeyRole))) problem(at('roles'), `keys[${i}].roles must list some of ${KEY_ROLES.join(', ')}`, 'A runner key signs attestations; reviewer keys sign ombuds reviews; verdict keys sign verdicts.');
    const status = k.status ?? 'active';
    if (!KEY_LIFECYCLES.includes(status as KeyLifecycle)) problem(at('status'), `keys[${i}].status must be one of ${KEY_LIFECYCLES.join(', ')}`, 'revoked = compromised (never trusted); retired = verifies inside its window.');
    const validFrom = timeOrNull(k.validFrom);
    const validUntil = timeOrNull(k.validUntil);
    if (validFrom === undefined) problem(at('validFrom'), `keys[${i}].validFrom is not an ISO-8601 time`, 'Write e.g. 2026-01-01T00:00:00Z, or null.');
    if (validUntil === undefined) problem(at('validUntil'), `keys[${i}].validUntil is not an ISO-8601 time`, 'Write e.g. 2027-01-01T00:00:00Z, or null.');
    if (k.login !== undefined && (typeof k.login !== 'string' || !LOGIN.test(k.login))) problem(at('login'), `keys[${i}].login must be a roster login`, 'Write the ombuds login the reviewer key belongs to, e.g. `login: ombuds-alice`.');
    if (k.origin !== undefined && !KEY_ORIGINS.includes(k.origin as KeyOrigin)) problem(at('origin'), `keys[${i}].origin must be one of ${KEY_ORIGINS.join(', ')}`, 'Only pcq writes `origin`, in the dev overlay.');
    if (issues.length > before) return;
    const key: TrustedKey = { name: k.name as string, publicKey: k.publicKey as string, roles: roles as KeyRole[], status: status as KeyLifecycle, validFrom: validFrom!, validUntil: validUntil!, source: file };
    if (typeof k.login === 'string') key.login = k.login;
    if (k.origin !== undefined) key.origin = k.origin as KeyOrigin;
    keys.push(key);
  });
  return { trust: { keys }, issues };
}

/**
 * The trust store for a repository: `file` (default policies/trust.yaml under root), merged with
 * the dev overlay when `includeLocal` (dev mode). A missing main file is an empty store (every key
 * then fails as PCQ_KEY_UNKNOWN); an invalid one is PcqErrors with locations.
 */
export async function loadTrustStore(options: { root: string; file?: string; includeLocal?: boolean }): Promise<TrustStore> {
  const mainPath = options.file ?? join(options.root, TRUST_FILE);
  const issues: PcqIssue[] = [];
  let trust = EMPTY_TRUST;
  const mainText = await readOptional(mainPath);
  if (mainText === undefined && options.file !== undefined) {
    throw new PcqErrors([{ code: 'PCQ_TRUST_MISSING', message: `trust store ${mainPath} does not exist`, hint: 'Pass the path of a trust.yaml, or omit --trust to use policies/trust.yaml.' }]);
  }
  if (mainText !== undefined) {
    const parsed = parseTrustDocument(mainText, mainPath);
    issues.push(...parsed.issues);
    trust = parsed.trust;
  }
  if (options.includeLocal) {
    const localPath = join(options.root, LOCAL_TRUST_FILE);
    const localText = await readOptional(localPath);
    if (localText !== undefined) {
      const parsed = parseTrustDocument(localText, localPath);
      issues.push(...parsed.issues);
      trust = mergeTrust(trust, parsed.trust);
    }
  }
  if (issues.length > 0) throw new PcqErrors(issues);
  return trust;
}
