// The trust store as a pure value and its evaluation (browser-safe). Loading it from
// policies/trust.yaml (+ the dev overlay) is the edge: runtime/trust-store.ts.
// Semantics (FORMATS.md "Trust store"): revoked means compromised, so every signature by the key
// fails whatever its date; retired and active keys verify inside [validFrom, validUntil].
// Every key remembers which file vouched for it (`source`), and whether that file is the dev
// overlay, so that a verifier can say who it trusted and never confuses a local key with a
// committed one (docs/design.md §7).
import { isPublicStrKey } from './strkey.ts';

export type KeyRole = 'runner' | 'reviewer' | 'verdict';
export type KeyLifecycle = 'active' | 'retired' | 'revoked';
/** How a dev-overlay key came to exist on this machine (runtime/keys.ts). */
export type KeyOrigin = 'local-runner' | 'local-reviewer';
export const KEY_ROLES: readonly KeyRole[] = ['runner', 'reviewer', 'verdict'];
export const KEY_LIFECYCLES: readonly KeyLifecycle[] = ['active', 'retired', 'revoked'];
export const KEY_ORIGINS: readonly KeyOrigin[] = ['local-runner', 'local-reviewer'];

/** The committed trust store and the git-ignored dev overlay, as repository paths. */
export const TRUST_FILE = 'policies/trust.yaml';
export const LOCAL_TRUST_FILE = '.pcq/trust.local.yaml';

export interface TrustedKey {
  name: string;
  publicKey: string; // G… strkey
  roles: KeyRole[];
  status: KeyLifecycle;
  validFrom: string | null;
  validUntil: string | null;
  /** The file that vouched for the key, as shown to people (policies/trust.yaml, .pcq/trust.local.yaml, a --trust path). */
  source?: string;
  /** True when that file is the dev overlay: trusted on this machine only, in dev mode only. */
  devOverlay?: boolean;
  /** Dev-overlay keys only: created here as the local runner key or by `pcq keys generate --reviewer`. */
  origin?: KeyOrigin;
  /** A reviewer key's ombuds login (policies/ombuds.yaml), the person it belongs to. */
  login?: string;
}

export interface TrustStore {
  keys: TrustedKey[];
}

export type KeyRefusalCode = 'PCQ_KEY_UNKNOWN' | 'PCQ_KEY_REVOKED' | 'PCQ_KEY_ROLE_MISSING' | 'PCQ_KEY_NOT_VALID_AT';

export type KeyVerdict = { ok: true; key: TrustedKey } | { ok: false; code: KeyRefusalCode; message: string };

export const EMPTY_TRUST: TrustStore = { keys: [] };

/** "policies/trust.yaml", or "the DEV OVERLAY .pcq/trust.local.yaml (this machine only)": said loudly. */
export function describeSource(key: TrustedKey): string {
  const file = key.source ?? 'an unnamed trust store';
  return key.devOverlay ? `the DEV OVERLAY ${file} (this machine only, not policies/trust.yaml)` : file;
}

/** Whether `keyid` may sign as `role` at time `at` (an ISO-8601 timestamp). */
export function keyStatusAt(trust: TrustStore, keyid: string, at: string, role?: KeyRole): KeyVerdict {
  const shown = isPublicStrKey(keyid) ? keyid : 'a malformed key id';
  const candidates = trust.keys.filter((k) => k.publicKey === keyid);
  if (candidates.length === 0) return { ok: false, code: 'PCQ_KEY_UNKNOWN', message: `${shown} is not in the trust store` };
  const revoked = candidates.find((k) => k.status === 'revoked');
  if (revoked)
    return {
      ok: false,
      code: 'PCQ_KEY_REVOKED',
      message: `${keyid} (${revoked.name}, ${describeSource(revoked)}) is revoked: its signatures are never trusted`,
    };
  const withRole = role ? candidates.filter((k) => k.roles.includes(role)) : candidates;
  if (withRole.length === 0)
    return { ok: false, code: 'PCQ_KEY_ROLE_MISSING', message: `${keyid} (${candidates[0]!.name}) is in the trust store but not trusted as ${role}` };
  const time = Date.parse(at);
  if (Number.isNaN(time))
    return { ok: false, code: 'PCQ_KEY_NOT_VALID_AT', message: `"${at}" is not a timestamp, so ${keyid}'s validity cannot be established` };
  for (const key of withRole) if (inWindow(key, time)) return { ok: true, key };
  const k = withRole[0]!;
  return {
    ok: false,
    code: 'PCQ_KEY_NOT_VALID_AT',
    message: `${keyid} (${k.name}) is valid from ${k.validFrom ?? 'the beginning'} until ${k.validUntil ?? 'further notice'}, not at ${at}`,
  };
}

/** Whether epoch-ms `time` lies in the key's closed window [validFrom, validUntil]. */
export function inWindow(key: TrustedKey, time: number): boolean {
  const from = key.validFrom === null ? -Infinity : Date.parse(key.validFrom);
  const until = key.validUntil === null ? Infinity : Date.parse(key.validUntil);
  return time >= from && time <= until;
}
