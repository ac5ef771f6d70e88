// The trust store as a pure value and its evaluation (browser-safe). Loading it from
// policies/trust.yaml (+ the dev overlay) is the edge: runtime/trust-store.ts.
// Semantics (FORMATS.md "Trust store"): revoked means compromised, so every signature by the key
// fails whatever its date; retired and active keys verify inside [validFrom, validUntil].
import { isPublicStrKey } from './strkey.ts';

export type KeyRole = 'runner' | 'reviewer' | 'verdict';
export type KeyLifecycle = 'active' | 'retired' | 'revoked';
export const KEY_ROLES: readonly KeyRole[] = ['runner', 'reviewer', 'verdict'];
export const KEY_LIFECYCLES: readonly KeyLifecycle[] = ['active', 'retired', 'revoked'];

export interface TrustedKey {
  name: string;
  publicKey: string; // G… strkey
  roles: KeyRole[];
  status: KeyLifecycle;
  validFrom: string | null;
  validUntil: string | null;
  source?: string; // file it came from, for messages
  /** reviewer keys: the roster login the key belongs to (a decision by anyone else fails). */
  login?: string;
  /** dev overlay entries: who created the key on this machine. A `local-runner` key (pcq made it by
   *  itself) never counts as a reviewer's; a `local-reviewer` key was generated for a login. */
  origin?: KeyOrigin;
}

export type KeyOrigin = 'local-runner' | 'local-reviewer';
export const KEY_ORIGINS: readonly KeyOrigin[] = ['local-runner', 'local-reviewer'];

export interface TrustStore {
  keys: TrustedKey[];
}

export type KeyVerdict =
  | { ok: true; key: TrustedKey }
  | { ok: false; code: 'PCQ_KEY_UNKNOWN' | 'PCQ_KEY_REVOKED' | 'PCQ_KEY_NOT_VALID_AT'; message: string };

export const EMPTY_TRUST: TrustStore = { keys: [] };

/** Overlay keys are added; a key listed in both keeps the base entry if either says revoked. */
export function mergeTrust(base: TrustStore, overlay: TrustStore): TrustStore {
  const keys = [...base.keys];
  for (const key of overlay.keys) {
    const existing = keys.findIndex((k) => k.publicKey === key.publicKey);
    if (existing < 0) keys.push(key);
    else if (keys[existing]!.status !== 'revoked') keys[existing] = key;
  }
  return { keys };
}

/** Whether `keyid` may sign as `role` at time `at` (an ISO-8601 timestamp). */
export function keyStatusAt(trust: TrustStore, keyid: string, at: string, role?: KeyRole): KeyVerdict {
  const shown = isPublicStrKey(keyid) ? keyid : 'a malformed key id';
  const candidates = trust.keys.filter((k) => k.publicKey === keyid);
  if (candidates.length === 0) return { ok: false, code: 'PCQ_KEY_UNKNOWN', message: `${shown} is not in the trust store` };
  const revoked = candidates.find((k) => k.status === 'revoked');
  if (revoked) return { ok: false, code: 'PCQ_KEY_REVOKED', message: `${keyid} (${revoked.name}) is revoked: its signatures are never trusted` };
  const withRole = role ? candidates.filter((k) => k.roles.includes(role)) : candidates;
  if (withRole.length === 0) return { ok: false, code: 'PCQ_KEY_UNKNOWN', message: `${keyid} is in the trust store but not trusted as ${role}` };
  const time = Date.parse(at);
  if (Number.isNaN(time)) return { ok: false, code: 'PCQ_KEY_NOT_VALID_AT', message: `"${at}" is not a timestamp, so ${keyid}'s validity cannot be established` };
  for (const key of withRole) {
    const from = key.validFrom === null ? -Infinity : Date.parse(key.validFrom);
    const until = key.validUntil === null ? Infinity : Date.parse(key.validUntil);
    if (time >= from && time <= until) return { ok: true, key };
  }
  const k = withRole[0]!;
  return { ok: false, code: 'PCQ_KEY_NOT_VALID_AT', message: `${keyid} (${k.name}) is valid from ${k.validFrom ?? 'the beginning'} until ${k.validUntil ?? 'further notice'}, not at ${at}` };
}
