// `pcq export --format sigstore`: each envelope of a manifest (steps, reviews, the manifest
// signature — the same list as the DSSE export) as a Sigstore bundle v0.3
// (sigstore/protobuf-specs bundle.proto, media type application/vnd.dev.sigstore.bundle.v0.3+json)
// whose verification material is a public key named by `hint` (the signer's Stellar strkey), with
// no transparency-log entry and no timestamp. A Sigstore verifier accepts it with a public-key
// policy — the key found by its hint in keys.json (PEM), and thresholds of 0 for transparency log,
// certificate transparency and timestamps. Sigstore's default policy additionally wants a Rekor
// entry or an RFC 3161 timestamp (and a Fulcio certificate); pcq offers neither here: its own
// time evidence is the manifest's Merkle root published in git (FORMATS.md "Sigstore bundles").
import type { DsseEnvelope } from '../base/signed-records.ts';
import { exportEnvelopes } from './export-dsse.ts';

export const SIGSTORE_BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export interface SigstoreBundle {
  mediaType: typeof SIGSTORE_BUNDLE_MEDIA_TYPE;
  verificationMaterial: { publicKey: { hint: string }; tlogEntries: []; timestampVerificationData: { rfc3161Timestamps: [] } };
  dsseEnvelope: DsseEnvelope;
}

export interface SigstoreExport {
  /** File name → bundle, one per envelope, in manifest order. */
  bundles: Array<{ fileName: string; bundle: SigstoreBundle }>;
}

/** One single-signature bundle per envelope (a bundle holds exactly one signature). */
export function toSigstoreBundle(envelope: DsseEnvelope): SigstoreBundle {
  const signature = envelope.signatures[0]!;
  return {
    mediaType: SIGSTORE_BUNDLE_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: signature.keyid }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } },
    dsseEnvelope: { payloadType: envelope.payloadType, payload: envelope.payload, signatures: [{ keyid: signature.keyid, sig: signature.sig }] },
  };
}

/** Builds the export from a manifest value that has passed the schema check (checkManifestShape). */
export function exportSigstore(manifest: Record<string, unknown>): SigstoreExport {
  const { executionId, envelopes } = exportEnvelopes(manifest);
  return {
    bundles: envelopes.map(({ label, envelope }, i) => ({
      fileName: `${executionId}.${String(i).padStart(5, '0')}-${label}.sigstore.json`,
      bundle: toSigstoreBundle(envelope),
    })),
  };
}
