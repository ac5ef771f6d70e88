// verifyManifest on genuine manifests and on every kind of tampering, with its exact codes.
import { sealedManifestDigest } from './manifest.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeSigner, nodeVerify } from './ed25519-node.ts';
import { nobleVerify } from './ed25519-browser.ts';
import { sha256Node } from './hash-node.ts';
import { serializeManifest } from './manifest.ts';
import type { Manifest } from '../base/signed-records.ts';
import { appendReview, buildReviewEnvelope } from './review-attestation.ts';
import { sampleRun, RUNNER_SEED, OTHER_SEED } from './sample-run.fixture.ts';
import type { TrustStore, TrustedKey } from './trust.ts';
import { verifyManifest, type VerifyReport } from './verify-manifest.ts';
import { signManifestCore } from './seal.ts';
import { signedPart } from './manifest.ts';
import { signEnvelope } from './dsse.ts';
import { fromBase64, utf8 } from './bytes.ts';
import { canonicalize } from './jcs.ts';
import { createHash } from 'node:crypto';

const runner = nodeSigner(RUNNER_SEED);
const other = nodeSigner(OTHER_SEED);
const key = (publicKey: string, over: Partial<TrustedKey> = {}): TrustedKey => ({
  name: 'k',
  publicKey,
  roles: ['runner', 'reviewer'],
  status: 'active',
  validFrom: '2026-01-01T00:00:00Z',
  validUntil: null,
  ...over,
});
const trust: TrustStore = { keys: [key(runner.keyid)] };
const failedCodes = (r: VerifyReport): string[] => [...new Set(r.checks.filter((c) => !c.ok).map((c) => c.code))].sort();
const verifyNode = (text: string, t: TrustStore = trust) => verifyManifest(text, t, nodeVerify, { sha256: sha256Node });

async function resign(m: Manifest, signer = runner): Promise<string> {
  const core = signedPart(m as unknown as Record<string, unknown>);
  return serializeManifest({ ...m, signature: await signManifestCore(core, signer) });
}

test('a genuine manifest verifies on the Node and the browser paths, every check ok', async () => {
  const { manifest } = await sampleRun({ steps: 7 });
  const text = serializeManifest(manifest);
  for (const report of [await verifyNode(text), await verifyManifest(text, trust, nobleVerify)]) {
    assert.deepEqual(failedCodes(report), []);
    assert.equal(report.ok, true);
    assert.ok(report.checks.length >= 8);
  }
});

test('trust: unknown, revoked, outside the window, and wrong role each give their own code', async () => {
  const text = serializeManifest((await sampleRun({ steps: 2 })).manifest);
  assert.deepEqual(failedCodes(await verifyNode(text, { keys: [] })), ['PCQ_KEY_UNKNOWN']);
  assert.deepEqual(failedCodes(await verifyNode(text, { keys: [key(runner.keyid, { status: 'revoked' })] })), ['PCQ_KEY_REVOKED']);
  assert.deepEqual(failedCodes(await verifyNode(text, { keys: [key(runner.keyid, { validFrom: '2026-06-01T00:00:00Z' })] })), ['PCQ_KEY_NOT_VALID_AT']);
  assert.deepEqual(failedCodes(await verifyNode(text, { keys: [key(runner.keyid, { status: 'retired', validUntil: '2026-02-01T00:00:00Z' })] })), [
    'PCQ_KEY_NOT_VALID_AT',
  ]);
  assert.deepEqual(failedCodes(await verifyNode(text, { keys: [key(runner.keyid, { status: 'retired', validUntil: '2026-12-31T00:00:00Z' })] })), []);
  assert.deepEqual(failedCodes(await verifyNode(text, { keys: [key(runner.keyid, { roles: ['verdict'] })] })), ['PCQ_KEY_ROLE_MISSING']);
});

test('tampering with a step, re-signing the manifest, still fails at the step signature', async () => {
  const { manifest } = await sampleRun({ steps: 3 });
  const forged = structuredClone(manifest);
  const st = JSON.parse(Buffer.from(forged.steps[1]!.attestation.payload, 'base64').toString());
  st.predicate.outputs = [{ id: 1, name: 'forged', score: 1 }];
  forged.steps[1]!.attestation.payload = Buffer.from(JSON.stringify(st)).toString('base64');
  const codes = failedCodes(await verifyNode(await resign(forged)));
  assert.ok(codes.includes('PCQ_SIGNATURE_INVALID'), codes.join());
  assert.ok(codes.includes('PCQ_MERKLE_ROOT_MISMATCH'));
});

test('removing, reordering, duplicating a step, or swapping in one from another run fails with the right codes', async () => {
  const { manifest } = await sampleRun({ steps: 5 });
  const removed = { ...manifest, steps: manifest.steps.filter((_, i) => i !== 2) };
  const removedCodes = failedCodes(await verifyNode(await resign(removed)));
  for (const code of ['PCQ_CHAIN_BROKEN', 'PCQ_INCLUSION_PROOF_INVALID', 'PCQ_MERKLE_ROOT_MISMATCH'])
    assert.ok(removedCodes.includes(code), `${code} in ${removedCodes}`);

  const swapped = { ...manifest, steps: [manifest.steps[0]!, manifest.steps[2]!, manifest.steps[1]!, ...manifest.steps.slice(3)] };
  const swappedCodes = failedCodes(await verifyNode(await resign(swapped)));
  for (const code of ['PCQ_CHAIN_BROKEN', 'PCQ_PARENTS_MISMATCH', 'PCQ_INCLUSION_PROOF_INVALID'])
    assert.ok(swappedCodes.includes(code), `${code} in ${swappedCodes}`);

  const duplicated = { ...manifest, steps: [...manifest.steps, manifest.steps[4]!] };
  assert.ok(failedCodes(await verifyNode(await resign(duplicated))).includes('PCQ_DUPLICATE_STEP'));

  const foreignRun = (await sampleRun({ steps: 5, asOf: '2026-03-02T10:00:00Z' })).manifest;
  const foreign = { ...manifest, steps: manifest.steps.map((s, i) => (i === 3 ? foreignRun.steps[3]! : s)) };
  const foreignCodes = failedCodes(await verifyNode(await resign(foreign)));
  for (const code of ['PCQ_PAYLOAD_INVALID', 'PCQ_CHAIN_BROKEN', 'PCQ_MERKLE_ROOT_MISMATCH'])
    assert.ok(foreignCodes.includes(code), `${code} in ${foreignCodes}`);

  const otherKey = (await sampleRun({ steps: 5, seed: OTHER_SEED })).manifest;
  const mixed = { ...manifest, steps: manifest.steps.map((s, i) => (i === 1 ? otherKey.steps[1]! : s)) };
  assert.ok(failedCodes(await verifyNode(await resign(mixed))).includes('PCQ_SIGNATURE_INVALID'));
});

test('manifest signature, proofs copy and attestationHash are each checked', async () => {
  const { manifest } = await sampleRun({ steps: 3 });
  const bySomeoneElse = await resign(manifest, other);
  assert.deepEqual(failedCodes(await verifyNode(bySomeoneElse)), ['PCQ_MANIFEST_SIGNATURE_INVALID']);
  const proofs = structuredClone(manifest);
  proofs.steps[0]!.proofs.preconditions = [];
  assert.deepEqual(failedCodes(await verifyNode(await resign(proofs))), ['PCQ_PROOFS_MISMATCH']);
  const hash = structuredClone(manifest);
  hash.steps[0]!.attestationHash = 'sha256:' + '0'.repeat(64);
  assert.deepEqual(failedCodes(await verifyNode(await resign(hash))), ['PCQ_CHAIN_BROKEN']);
  const root = { ...manifest, merkleRoot: 'sha256:' + '1'.repeat(64) };
  assert.deepEqual(failedCodes(await verifyNode(await resign(root))), ['PCQ_INCLUSION_PROOF_INVALID', 'PCQ_MERKLE_ROOT_MISMATCH']);
});

test('reviews: a trusted reviewer verifies; an untrusted key, a foreign root or a bad signature does not', async () => {
  const { manifest } = await sampleRun({ steps: 2 });
  const reviewer = nodeSigner(new Uint8Array(32).fill(33));
  const withReviewer: TrustStore = { keys: [key(runner.keyid, { roles: ['runner'] }), key(reviewer.keyid, { roles: ['reviewer'], login: 'ombuds' })] };
  const verifyReviewed = (m: Manifest) => verifyManifest(serializeManifest(m), withReviewer, nodeVerify, { sha256: sha256Node, roster: ['ombuds'] });
  const review = {
    merkleRoot: manifest.merkleRoot,
    manifestDigest: sealedManifestDigest(manifest, sha256Node),
    manifestId: manifest.manifestId,
    executionId: manifest.executionId,
    decision: 'approve' as const,
    reviewer: 'ombuds',
    source: { kind: 'local' as const },
    at: '2026-03-02T00:00:00Z',
  };
  const good = appendReview(manifest, await buildReviewEnvelope(review, reviewer));
  assert.deepEqual(failedCodes(await verifyReviewed(good)), []);
  const untrusted = appendReview(manifest, await buildReviewEnvelope(review, other));
  assert.deepEqual(failedCodes(await verifyReviewed(untrusted)), ['PCQ_KEY_UNKNOWN']);
  const foreign = appendReview(manifest, await buildReviewEnvelope({ ...review, merkleRoot: 'sha256:' + '2'.repeat(64) }, reviewer));
  assert.deepEqual(failedCodes(await verifyReviewed(foreign)), ['PCQ_REVIEW_INVALID']);
  const env = await buildReviewEnvelope(review, reviewer);
  const badSig = appendReview(manifest, {
    ...env,
    signatures: [{ keyid: reviewer.keyid, sig: env.signatures[0]!.sig.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) }],
  });
  assert.deepEqual(failedCodes(await verifyReviewed(badSig)), ['PCQ_REVIEW_INVALID']);
});

test('malformed input gives coded failures, never a throw', async () => {
  const { manifest } = await sampleRun({ steps: 2 });
  const text = serializeManifest(manifest);
  assert.deepEqual(failedCodes(await verifyNode('')), ['PCQ_MANIFEST_MALFORMED']);
  assert.deepEqual(failedCodes(await verifyNode('{')), ['PCQ_MANIFEST_MALFORMED']);
  assert.deepEqual(failedCodes(await verifyNode(42 as unknown as string)), ['PCQ_MANIFEST_MALFORMED']);
  assert.deepEqual(failedCodes(await verifyNode('[]\n')), ['PCQ_SCHEMA_INVALID']);
  assert.deepEqual(failedCodes(await verifyNode('{}\n')), ['PCQ_SCHEMA_INVALID']);
  assert.deepEqual(failedCodes(await verifyNode(JSON.stringify(manifest))), ['PCQ_MANIFEST_NOT_CANONICAL']);
  const weird = structuredClone(manifest) as unknown as { steps: Array<{ attestation: { payload: string } }> };
  weird.steps[0]!.attestation.payload = Buffer.from('\uD800 not json', 'utf8').toString('base64');
  const r = await verifyNode(await resign(weird as unknown as Manifest));
  assert.equal(r.ok, false);
  assert.ok(failedCodes(r).includes('PCQ_PAYLOAD_INVALID'));
  assert.equal((await verifyNode(text)).ok, true);
});

test('a step statement whose subject is not its outputs file (or names another artifact) fails PCQ_PAYLOAD_INVALID', async () => {
  const { manifest } = await sampleRun({ steps: 3 });
  const lie = async (edit: (st: { subject: Array<{ name: string; digest: { sha256: string } }> }) => void): Promise<VerifyReport> => {
    const forged = structuredClone(manifest);
    const step = forged.steps[1]!;
    const st = JSON.parse(new TextDecoder().decode(fromBase64(step.attestation.payload)!));
    edit(st);
    // Signed by the runner itself: the signature holds, the subject does not.
    step.attestation = await signEnvelope(step.attestation.payloadType, utf8(canonicalize(st)), runner);
    return verifyNode(await resign(forged));
  };
  const wrongDigest = await lie((st) => {
    st.subject[0]!.digest.sha256 = 'ab'.repeat(32);
  });
  assert.ok(failedCodes(wrongDigest).includes('PCQ_PAYLOAD_INVALID'));
  assert.ok(wrongDigest.checks.some((c) => !c.ok && /subject digest is not sha256 of outputs\/step-001\.json/.test(c.message)));
  const oldName = await lie((st) => {
    st.subject[0]!.name = 'R1/step-001';
  });
  assert.ok(oldName.checks.some((c) => !c.ok && c.code === 'PCQ_PAYLOAD_INVALID' && /subject name/.test(c.message)));
  const extra = await lie((st) => {
    st.subject.push({ name: 'exports/x.csv', digest: { sha256: 'cd'.repeat(32) } });
  });
  assert.ok(extra.checks.some((c) => !c.ok && c.code === 'PCQ_PAYLOAD_INVALID' && /artifact subjects/.test(c.message)));
});

test('a review names the sealed manifest file: sha256 of manifest.pcq as the runner wrote it; other bytes fail PCQ_REVIEW_INVALID', async () => {
  const { manifest } = await sampleRun({ steps: 2 });
  const sealedText = serializeManifest(manifest);
  const reviewer = nodeSigner(OTHER_SEED);
  const t: TrustStore = { keys: [key(runner.keyid), { ...key(reviewer.keyid, { roles: ['reviewer'] }), login: 'ombuds' } as TrustedKey] };
  const base = {
    merkleRoot: manifest.merkleRoot,
    manifestId: manifest.manifestId,
    executionId: manifest.executionId,
    decision: 'approve' as const,
    reviewer: 'ombuds',
    source: { kind: 'local' as const },
    at: '2026-03-02T00:00:00Z',
  };
  const env = await buildReviewEnvelope({ ...base, manifestDigest: sealedManifestDigest(manifest, sha256Node) }, reviewer);
  const st = JSON.parse(new TextDecoder().decode(fromBase64(env.payload)!));
  assert.deepEqual(st.subject, [{ name: 'manifest.pcq', digest: { sha256: createHash('sha256').update(sealedText).digest('hex') } }]);
  const good = await verifyManifest(serializeManifest(appendReview(manifest, env)), t, nodeVerify, { sha256: sha256Node, roster: ['ombuds'] });
  assert.deepEqual(failedCodes(good), []);
  const other = await buildReviewEnvelope({ ...base, manifestDigest: 'sha256:' + '3'.repeat(64) }, reviewer);
  const bad = await verifyManifest(serializeManifest(appendReview(manifest, other)), t, nodeVerify, { sha256: sha256Node, roster: ['ombuds'] });
  assert.ok(bad.checks.some((c) => !c.ok && c.code === 'PCQ_REVIEW_INVALID' && /manifest\.pcq as sealed/.test(c.message)));
});
