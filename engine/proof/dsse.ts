// DSSE v1 envelopes (secure-systems-lab/dsse envelope.md + protocol.md):
//   { payloadType, payload: base64(body), signatures: [{ keyid, sig: base64(Sign(PAE(type, body))) }] }
// The signature covers PAE, never the envelope JSON, and a verifier must use the payload bytes it
// verified rather than re-parsing the envelope afterwards. keyid is a hint only (protocol.md): the
// caller decides which public key it trusts for it.
import { fromBase64, fromBase64After, toBase64 } from './bytes.ts';
import { pae, paeHeader } from './pae.ts';
import type { Ed25519Verify, Signer } from '../base/signer.ts';
import type { DsseEnvelope } from '../base/signed-records.ts';

export async function signEnvelope(payloadType: string, payload: Uint8Array, signer: Signer): Promise<DsseEnvelope> {
  const sig = await signer.sign(pae(payloadType, payload));
  return { payloadType, payload: toBase64(payload), signatures: [{ keyid: signer.keyid, sig: toBase64(sig) }] };
}

export type EnvelopeShape =
  // `signed` is PAE(payloadType, payload), the bytes every signature covers; `payload` is a view into it.
  { ok: true; envelope: DsseEnvelope; payload: Uint8Array; signed: Uint8Array } | { ok: false; problem: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks that an untrusted value is a DSSE envelope and decodes its payload. `urlSafe` admits the
 * URL-safe alphabet that DSSE verifiers must accept; pcq's own files always use standard base64.
 */
export function readEnvelope(value: unknown, options: { urlSafe?: boolean } = {}): EnvelopeShape {
  if (!isRecord(value)) return { ok: false, problem: 'is not an object' };
  const { payloadType, payload, signatures } = value;
  if (typeof payloadType !== 'string') return { ok: false, problem: 'has no string payloadType' };
  if (typeof payload !== 'string') return { ok: false, problem: 'has no string payload' };
  if (!Array.isArray(signatures) || signatures.length === 0) return { ok: false, problem: 'has no signatures' };
  for (const s of signatures) {
    if (!isRecord(s) || typeof s.sig !== 'string' || (s.keyid !== undefined && typeof s.keyid !== 'string')) {
      return { ok: false, problem: 'has a malformed signature entry' };
    }
  }
  // Decoded straight behind its PAE header: one allocation, and no copy when it is verified.
  let headerLength = 0;
  const signed = fromBase64After(
    (length) => {
      const header = paeHeader(payloadType, length);
      headerLength = header.length;
      return header;
    },
    payload,
    options,
  );
  if (!signed) return { ok: false, problem: 'payload is not canonical base64' };
  return { ok: true, envelope: value as unknown as DsseEnvelope, payload: signed.subarray(headerLength), signed };
}

/**
 * Verifies signatures[index] of an envelope against one public key, over PAE(payloadType, payload).
 * `signed`, when given, must be that PAE (readEnvelope's `signed`); it saves building it again.
 */
export async function verifyEnvelopeSignature(
  envelope: DsseEnvelope,
  payload: Uint8Array,
  index: number,
  publicKey: Uint8Array,
  verify: Ed25519Verify,
  options: { urlSafe?: boolean; signed?: Uint8Array } = {},
): Promise<boolean> {
  const entry = envelope.signatures[index];
  if (!entry) return false;
  const sig = fromBase64(entry.sig, options);
  if (!sig) return false;
  try {
    return await verify(publicKey, options.signed ?? pae(envelope.payloadType, payload), sig);
  } catch {
    return false;
  }
}
