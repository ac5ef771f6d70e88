// spell.sig.json (engine/FORMATS.md "Spells"; seed 004 §11–§12): an Ed25519 signature by a
// publisher key over the bundle digest, as a DSSE signature (docs/design.md §5: every signature is
// PAE over a payload type and payload) of payloadType `application/vnd.pcq.spell-bundle+json` and
// payload JCS({bundleDigest, id, version}) — the id and version are bound too, so a bundle cannot be
// re-published under another name with the same signature.
import { PcqError } from '../base/errors.ts';
import { fromUtf8, toBase64, fromBase64, utf8 } from '../proof/bytes.ts';
import { canonicalize } from '../proof/jcs.ts';
import { pae } from '../proof/pae.ts';
import { isDigest } from '../proof/digest.ts';
import { isPublicStrKey } from '../proof/strkey.ts';
import type { Signer } from '../base/signer.ts';

export const SPELL_PAYLOAD_TYPE = 'application/vnd.pcq.spell-bundle+json';
export const SIGNATURE_FORMAT = 'pcq-spell-signature/v1';

export interface SpellSignature {
  format: typeof SIGNATURE_FORMAT;
  publisher: string;
  key_id: string;
  algorithm: 'ed25519';
  /** The signing key (G…), informative: verification uses the trust store's key for key_id. */
  public_key: string;
  bundleDigest: string;
  signature: string; // standard base64 of the 64-byte signature
}

export const PUBLISHER = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function signedMessage(id: string, version: string, digest: string): Uint8Array {
  return pae(SPELL_PAYLOAD_TYPE, utf8(canonicalize({ bundleDigest: digest, id, version })));
}

export async function signBundleDigest(input: {
  id: string;
  version: string;
  digest: string;
  publisher: string;
  keyId: string;
  signer: Signer;
}): Promise<SpellSignature> {
  const sig = await input.signer.sign(signedMessage(input.id, input.version, input.digest));
  return {
    format: SIGNATURE_FORMAT,
    publisher: input.publisher,
    key_id: input.keyId,
    algorithm: 'ed25519',
    public_key: input.signer.keyid,
    bundleDigest: input.digest,
    signature: toBase64(sig),
  };
}

/** Parses spell.sig.json bytes; a malformed file is PCQ_SPELL_SIGNATURE_INVALID (it cannot vouch for anything). */
export function parseSignature(bytes: Uint8Array, where: string): SpellSignature & { raw: Uint8Array } {
  const bad = (why: string): PcqError =>
    new PcqError({ code: 'PCQ_SPELL_SIGNATURE_INVALID', message: `${where}: spell.sig.json ${why}`, hint: 'Sign the bundle again with `pcq sign bundle`.' });
  const text = fromUtf8(bytes);
  if (text === undefined) throw bad('is not UTF-8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad('is not JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad('is not an object');
  const s = v as Record<string, unknown>;
  if (s.format !== SIGNATURE_FORMAT) throw bad(`format must be ${SIGNATURE_FORMAT}`);
  if (typeof s.publisher !== 'string' || !PUBLISHER.test(s.publisher)) throw bad('has no valid publisher');
  if (typeof s.key_id !== 'string' || !KEY_ID.test(s.key_id)) throw bad('has no valid key_id');
  if (s.algorithm !== 'ed25519') throw bad('algorithm must be ed25519');
  if (!isPublicStrKey(s.public_key)) throw bad('public_key is not a G… key');
  if (!isDigest(s.bundleDigest)) throw bad('bundleDigest is not sha256:<hex>');
  const raw = typeof s.signature === 'string' ? fromBase64(s.signature) : undefined;
  if (!raw || raw.length !== 64) throw bad('signature is not 64 bytes of base64');
  return {
    format: SIGNATURE_FORMAT,
    publisher: s.publisher,
    key_id: s.key_id,
    algorithm: 'ed25519',
    public_key: s.public_key as string,
    bundleDigest: s.bundleDigest as string,
    signature: s.signature as string,
    raw,
  };
}
