// The dev overlay .pcq/trust.local.yaml and what it may do (docs/design.md §7, FORMATS.md "Trust store").
// Pure: the loader (trust-store.ts) reads the files and the local key ids, this decides.
// The overlay is a convenience for one machine in dev mode. It may only ADD keys created on this
// machine: the local runner key (origin local-runner, role runner) and reviewer keys a person
// generated here for a roster login (origin local-reviewer, role reviewer, with that login). Its
// public key must be the one derived from the matching secret under .pcq/keys/, so a copied-in
// foreign key (say one named "ci-runner") is not trusted. It can never re-activate, re-role or widen
// the window of a key policies/trust.yaml lists: such an entry is ignored with a coded warning and
// the committed entry stands unchanged. Ignoring (rather than refusing) keeps a stale local file
// from blocking dev work while never letting it weaken what the repository says.
import type { PcqCode, PcqIssue } from '../base/errors.ts';
import { LOCAL_TRUST_FILE, type KeyOrigin, type KeyRole, type TrustStore, type TrustedKey } from '../proof/trust.ts';

/** Public keys of the secrets that exist on this machine (runtime/local-keys.ts). */
export interface LocalKeyIds {
  runner?: string;
  /** lower-cased login → G… of .pcq/keys/reviewer-<login>.secret */
  reviewers: ReadonlyMap<string, string>;
}

/** The roles an overlay key of each origin may hold: a key pcq made by itself never reviews (docs/design.md §7). */
export const LOCAL_RUNNER_ROLES: readonly KeyRole[] = ['runner'];
const ROLES_OF: Record<KeyOrigin, readonly KeyRole[]> = { 'local-runner': LOCAL_RUNNER_ROLES, 'local-reviewer': ['reviewer'] };
const MAIN_ROLE: Record<KeyOrigin, KeyRole> = { 'local-runner': 'runner', 'local-reviewer': 'reviewer' };

function warning(code: PcqCode, key: TrustedKey, message: string, hint: string): PcqIssue {
  return { code, severity: 'warning', message: `${LOCAL_TRUST_FILE}: key "${key.name}" (${key.publicKey}) ${message}; it is ignored`, hint };
}

/** Why an overlay entry may not be added, or undefined when it may. */
function refusal(key: TrustedKey, base: TrustStore, local: LocalKeyIds, seen: Set<string>): PcqIssue | undefined {
  if (base.keys.some((k) => k.publicKey === key.publicKey) || seen.has(key.publicKey)) {
    return warning(
      'PCQ_TRUST_OVERLAY_CONFLICT',
      key,
      'is already listed in policies/trust.yaml (or earlier in the overlay), which the overlay cannot change',
      'Change a committed key in policies/trust.yaml; delete this entry from the overlay.',
    );
  }
  if (key.origin === undefined) {
    return warning(
      'PCQ_TRUST_OVERLAY_ORIGIN',
      key,
      'has no `origin` (local-runner or local-reviewer)',
      'Let pcq write the overlay: delete the entry; the local runner key is re-listed on the next dev run, reviewer keys by `pcq keys generate --reviewer <login>`.',
    );
  }
  const allowed = ROLES_OF[key.origin];
  if (!key.roles.includes(MAIN_ROLE[key.origin]) || key.roles.some((r) => !allowed.includes(r))) {
    return warning(
      'PCQ_TRUST_OVERLAY_ORIGIN',
      key,
      `has origin ${key.origin}, which allows the roles [${allowed.join(', ')}] (with ${MAIN_ROLE[key.origin]}), but lists [${key.roles.join(', ')}]`,
      `Give it \`roles: [${MAIN_ROLE[key.origin]}]\`; other roles belong in policies/trust.yaml.`,
    );
  }
  const created = key.origin === 'local-runner' ? local.runner : key.login === undefined ? undefined : local.reviewers.get(key.login.toLowerCase());
  if (key.origin === 'local-reviewer' && key.login === undefined) {
    return warning(
      'PCQ_TRUST_OVERLAY_ORIGIN',
      key,
      'is a local reviewer key without a `login`',
      'Run `pcq keys generate --reviewer <login>` to create and list a reviewer key.',
    );
  }
  if (created !== key.publicKey) {
    const secret = key.origin === 'local-runner' ? '.pcq/keys/runner.secret' : `.pcq/keys/reviewer-${key.login}.secret`;
    return warning(
      'PCQ_TRUST_OVERLAY_FOREIGN',
      key,
      `was not created on this machine: it is not the public key of ${secret}`,
      'Only keys whose secret pcq created here may be listed in the overlay; list any other key in policies/trust.yaml.',
    );
  }
  return undefined;
}

/** The committed store plus the overlay entries it may add, each marked as vouched for by the overlay. */
export function applyDevOverlay(base: TrustStore, overlay: TrustStore, local: LocalKeyIds): { trust: TrustStore; warnings: PcqIssue[] } {
  const keys = [...base.keys];
  const warnings: PcqIssue[] = [];
  const seen = new Set<string>();
  for (const key of overlay.keys) {
    const refused = refusal(key, base, local, seen);
    seen.add(key.publicKey);
    if (refused) warnings.push(refused);
    else keys.push({ ...key, source: LOCAL_TRUST_FILE, devOverlay: true });
  }
  return { trust: { keys }, warnings };
}

/** One overlay entry as YAML (strings JSON-quoted, which YAML reads as they are). */
export function renderOverlayEntry(key: TrustedKey, description?: string): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    `  - name: ${q(key.name)}`,
    `    publicKey: ${key.publicKey}`,
    `    roles: [${key.roles.join(', ')}]`,
    ...(key.origin ? [`    origin: ${key.origin}`] : []),
    ...(key.login !== undefined ? [`    login: ${q(key.login)}`] : []),
    `    status: ${key.status}`,
    `    validFrom: ${key.validFrom === null ? 'null' : q(key.validFrom)}`,
    `    validUntil: ${key.validUntil === null ? 'null' : q(key.validUntil)}`,
    ...(description !== undefined ? [`    description: ${q(description)}`] : []),
  ];
  return lines.join('\n') + '\n';
}

export const OVERLAY_HEADER =
  '# Local dev overlay (git-ignored), read in dev mode only. pcq writes it: the local runner key\n' +
  '# (origin local-runner) and reviewer keys made by `pcq keys generate --reviewer <login>`\n' +
  '# (origin local-reviewer). It can only add keys created on this machine (FORMATS.md "Trust store").\n';
