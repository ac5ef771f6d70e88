// Issue 16 acceptance "@sigstore/verify accepts every exported bundle with a public-key policy":
// every envelope of a sealed run (steps, a review, the manifest signature) exported as a Sigstore
// bundle v0.3 is parsed by @sigstore/bundle and verified by @sigstore/verify's Verifier with the
// key from keys.json's PEM as the only trust material and zero tlog/CT/timestamp thresholds; a
// changed payload or a foreign key is refused. Sigstore's default thresholds (one timestamp, one
// tlog entry) refuse it: pcq's bundles carry neither, as FORMATS.md says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { sampleRun, OTHER_SEED } from './sample-run.fixture.ts';
import { exportSigstore, SIGSTORE_BUNDLE_MEDIA_TYPE } from './export-sigstore.ts';
import { exportKeys } from './export-dsse.ts';
import { appendReview, buildReviewEnvelope } from './review-attestation.ts';
import { sealedManifestDigest } from './manifest.ts';
import { sha256Node } from './hash-node.ts';
import { nodeSigner } from './ed25519-node.ts';

const EMPTY_ROOT = {
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [],
  certificateAuthorities: [],
  ctlogs: [],
  timestampAuthorities: [],
};

function publicKeyPolicy(pems: Record<string, string>): Verifier {
  const trust = toTrustMaterial(EMPTY_ROOT as never, (hint: string) => {
    const pem = pems[hint];
    if (pem === undefined) throw new Error(`no key for hint ${hint}`);
    return { publicKey: createPublicKey(pem), validFor: () => true };
  });
  return new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
}

test('every exported Sigstore bundle verifies with @sigstore/verify under a public-key policy; tampering and foreign keys are refused', async () => {
  const { manifest } = await sampleRun({ steps: 4 });
  const reviewer = nodeSigner(OTHER_SEED);
  const review = await buildReviewEnvelope(
    {
      merkleRoot: manifest.merkleRoot,
      manifestDigest: sealedManifestDigest(manifest, sha256Node),
      manifestId: manifest.manifestId,
      executionId: manifest.executionId,
      decision: 'approve',
      reviewer: 'ombuds',
      source: { kind: 'local' },
      at: '2026-03-02T00:00:00Z',
    },
    reviewer,
  );
  const reviewed = appendReview(manifest, review) as unknown as Record<string, unknown>;
  const { bundles } = exportSigstore(reviewed);
  assert.equal(bundles.length, 4 + 1 + 1);
  const keys = exportKeys(bundles.map((b) => b.bundle.dsseEnvelope));
  const verifier = publicKeyPolicy(Object.fromEntries(Object.values(keys).map((k) => [k.strkey, k.pem])));
  for (const { fileName, bundle } of bundles) {
    assert.match(fileName, /^exec-0001\.\d{5}-(step-step-\d{3}|review-0|manifest)\.sigstore\.json$/);
    assert.equal(bundle.mediaType, SIGSTORE_BUNDLE_MEDIA_TYPE);
    const parsed = bundleFromJSON(JSON.parse(JSON.stringify(bundle)));
    const signer = verifier.verify(toSignedEntity(parsed));
    assert.ok(signer.key, `${fileName} verified`);
  }
  const first = structuredClone(bundles[0]!.bundle);
  first.dsseEnvelope.payload = Buffer.from('{"_type":"forged"}').toString('base64');
  assert.throws(() => verifier.verify(toSignedEntity(bundleFromJSON(first))), /signature/i);
  const foreign = publicKeyPolicy(Object.fromEntries(Object.values(keys).map((k) => [k.strkey, keys[reviewer.keyid]!.pem])));
  assert.throws(() => foreign.verify(toSignedEntity(bundleFromJSON(bundles[0]!.bundle))), /signature/i);
  const sigstoreDefaults = new Verifier(
    toTrustMaterial(EMPTY_ROOT as never, () => ({ publicKey: createPublicKey(keys[manifest.executedBy]!.pem), validFor: () => true })),
  );
  assert.throws(() => sigstoreDefaults.verify(toSignedEntity(bundleFromJSON(bundles[0]!.bundle))), /timestamp/i);
});
