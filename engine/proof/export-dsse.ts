// `pcq export --format dsse`: a manifest's attestations as standard DSSE envelopes, one per line
// (JSON Lines, the in-toto bundle convention `*.intoto.jsonl`), plus the public keys in forms other
// tools read: the strkey, raw hex, and PEM SubjectPublicKeyInfo (RFC 8410 §4). The last line is the
// manifest itself as a DSSE envelope (payloadType application/vnd.pcq.manifest+json, payload
// JCS(manifest without signature and reviews)): the manifest signature already is a DSSE signature.
import { PcqError } from '../base/errors.ts';
import { fromBase64, toBase64, toHex, utf8 } from './bytes.ts';
import type { DsseEnvelope } from '../base/signed-records.ts';
import { canonicalize } from './jcs.ts';
import { MANIFEST_PAYLOAD_TYPE, signedPart, signedTextOf } from './manifest.ts';
import { tryDecodeStrKey } from './strkey.ts';

export interface ExportedKey {
  strkey: string;
  hex: string;
  pem: string;
}

export interface DsseExport {
  fileName: string;
  jsonl: string;
  keys: Record<string, ExportedKey>;
}

// DER SubjectPublicKeyInfo prefix for Ed25519 (RFC 8410): SEQUENCE { AlgorithmIdentifier
// { id-Ed25519 }, BIT STRING (33 bytes, 0 unused bits) }.
const SPKI_PREFIX = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00];

export function ed25519PublicKeyPem(raw: Uint8Array): string {
  const der = new Uint8Array(SPKI_PREFIX.length + raw.length);
  der.set(SPKI_PREFIX, 0);
  der.set(raw, SPKI_PREFIX.length);
  const body = toBase64(der)
    .match(/.{1,64}/g)!
    .join('\n');
  return `-----BEGIN PUBLIC KEY-----\n${body}\n-----END PUBLIC KEY-----\n`;
}

/** Keeps the shape DSSE defines: {payloadType, payload, signatures: [{keyid, sig}]}, nothing else. */
function standardEnvelope(env: DsseEnvelope): DsseEnvelope {
  return { payloadType: env.payloadType, payload: env.payload, signatures: env.signatures.map((s) => ({ keyid: s.keyid, sig: s.sig })) };
}

/** The envelopes of a manifest, in order (steps, reviews, the manifest signature), each with a file-name label. */
export function exportEnvelopes(manifest: Record<string, unknown>): { executionId: string; envelopes: Array<{ label: string; envelope: DsseEnvelope }> } {
  const executionId = String(manifest.executionId);
  if (!SAFE_NAME.test(executionId)) {
    throw new PcqError({
      code: 'PCQ_MANIFEST_MALFORMED',
      message: `executionId "${executionId.slice(0, 80)}" cannot be used as a file name`,
      hint: 'Export manifests written by `pcq run`; their execution ids are [A-Za-z0-9._-].',
    });
  }
  const envelopes: Array<{ label: string; envelope: DsseEnvelope }> = [];
  for (const step of manifest.steps as Array<{ stepId: string; attestation: DsseEnvelope }>) {
    envelopes.push({ label: SAFE_NAME.test(step.stepId) ? `step-${step.stepId}` : 'step', envelope: standardEnvelope(step.attestation) });
  }
  for (const [i, review] of (manifest.reviews as DsseEnvelope[]).entries()) envelopes.push({ label: `review-${i}`, envelope: standardEnvelope(review) });
  const executedBy = String(manifest.executedBy);
  const sig = fromBase64(String(manifest.signature).slice('base64:'.length));
  if (sig) {
    envelopes.push({
      label: 'manifest',
      envelope: {
        payloadType: MANIFEST_PAYLOAD_TYPE,
        payload: toBase64(utf8(signedTextOf(manifest) ?? canonicalize(signedPart(manifest)))),
        signatures: [{ keyid: executedBy, sig: toBase64(sig) }],
      },
    });
  }
  return { executionId, envelopes };
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The public keys that signed these envelopes, in the forms other tools read. */
export function exportKeys(envelopes: readonly DsseEnvelope[]): Record<string, ExportedKey> {
  const keys: Record<string, ExportedKey> = {};
  for (const env of envelopes) {
    for (const { keyid } of env.signatures) {
      // Decoded once per key, not once per envelope: a run's steps are all signed by one key.
      if (Object.hasOwn(keys, keyid)) continue;
      const raw = tryDecodeStrKey('public', keyid);
      if (raw) keys[keyid] = { strkey: keyid, hex: toHex(raw), pem: ed25519PublicKeyPem(raw) };
    }
  }
  return keys;
}

/** Builds the export from a manifest value that has passed the schema check (checkManifestShape). */
export function exportDsse(manifest: Record<string, unknown>): DsseExport {
  const { executionId, envelopes } = exportEnvelopes(manifest);
  const list = envelopes.map((e) => e.envelope);
  return { fileName: `${executionId}.intoto.jsonl`, jsonl: list.map((e) => JSON.stringify(e)).join('\n') + '\n', keys: exportKeys(list) };
}
