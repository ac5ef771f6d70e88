// The trust a visitor brings to the verify page (issue 14: "lets a user verify against a key or
// trust file they bring, so the site does not only vouch for itself"). Browser-safe and pure: the
// page hands over pasted text or a file's text, and gets a TrustStore for verifyManifest or the
// reason it cannot be one. Accepted:
//   - one or more Stellar public keys (G…, one per line): trusted for every role at any time,
//     since a bare key says nothing about roles, validity or whose it is;
//   - one or more PEM "PUBLIC KEY" blocks holding an Ed25519 SubjectPublicKeyInfo (RFC 8410);
//   - a trust-store file (policies/trust.yaml format, YAML or JSON), parsed by the same parser as
//     `pcq verify --trust` (runtime/trust-document.ts), with its roles, windows and logins.
import { parseTrustDocument } from '../runtime/trust-document.ts';
import { encodeStrKey, isPublicStrKey } from '../proof/strkey.ts';
import { KEY_ROLES, type TrustStore, type TrustedKey } from '../proof/trust.ts';

export type UserTrust = { ok: true; trust: TrustStore; summary: string } | { ok: false; errors: string[] };

// DER of SubjectPublicKeyInfo { AlgorithmIdentifier { id-Ed25519 (1.3.101.112) }, BIT STRING (32 bytes) }.
const ED25519_SPKI_PREFIX = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];
const PEM = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/g;

/** `source` names what the user brought (a file name, or "pasted text"); it becomes each key's trust source. */
export function userTrust(text: string, source: string): UserTrust {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { ok: false, errors: ['Nothing to trust: paste a G… key, a PEM public key or a trust file.'] };
  if (trimmed.length > 1024 * 1024) return { ok: false, errors: ['The trust text is larger than 1 MiB.'] };
  if (trimmed.includes('-----BEGIN')) return fromPem(trimmed, source);
  const words = trimmed.split(/\s+/);
  if (words.every((w) => /^G[A-Z2-7]{55}$/.test(w))) return fromStrKeys(words, source);
  const parsed = parseTrustDocument(text, source);
  const errors = parsed.issues.filter((i) => i.severity !== 'warning').map((i) => `${i.code}: ${i.message}`);
  if (errors.length > 0) return { ok: false, errors };
  if (parsed.trust.keys.length === 0) return { ok: false, errors: [`${source} lists no keys.`] };
  return {
    ok: true,
    trust: parsed.trust,
    summary: `${parsed.trust.keys.length} key${parsed.trust.keys.length === 1 ? '' : 's'} from the trust file ${source}`,
  };
}

function fromStrKeys(keys: string[], source: string): UserTrust {
  const bad = keys.filter((k) => !isPublicStrKey(k));
  if (bad.length > 0) return { ok: false, errors: bad.map((k) => `${k} is not a valid Stellar public key (its checksum does not match).`) };
  return bareKeys(keys, source);
}

function fromPem(text: string, source: string): UserTrust {
  const keys: string[] = [];
  const errors: string[] = [];
  for (const m of text.matchAll(PEM)) {
    let der: Uint8Array;
    try {
      der = Uint8Array.from(atob(m[1]!.replace(/\s+/g, '')), (c) => c.charCodeAt(0));
    } catch {
      errors.push('A PEM block is not valid base64.');
      continue;
    }
    if (der.length !== 44 || ED25519_SPKI_PREFIX.some((b, i) => der[i] !== b)) {
      errors.push('A PEM block is not an Ed25519 public key (SubjectPublicKeyInfo, RFC 8410).');
      continue;
    }
    keys.push(encodeStrKey('public', der.slice(12)));
  }
  if (keys.length === 0 && errors.length === 0) errors.push('No "-----BEGIN PUBLIC KEY-----" block was found.');
  return errors.length > 0 ? { ok: false, errors } : bareKeys(keys, source);
}

function bareKeys(keys: string[], source: string): UserTrust {
  const trust: TrustStore = {
    keys: [...new Set(keys)].map((publicKey, i): TrustedKey => ({
      name: `your key ${i + 1}`,
      publicKey,
      roles: [...KEY_ROLES],
      status: 'active',
      validFrom: null,
      validUntil: null,
      source,
    })),
  };
  const n = trust.keys.length;
  return { ok: true, trust, summary: `${n} key${n === 1 ? '' : 's'} you supplied (${source}), trusted for every role at any time` };
}
