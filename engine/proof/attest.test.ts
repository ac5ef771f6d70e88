// Step attestations and sealing: statement shape, determinism, large values, chain and Merkle links.
import { sealedManifestDigest } from './manifest.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { attestStep, INLINE_LIMIT_BYTES } from './attest.ts';
import { fromBase64, toHex } from './bytes.ts';
import { digestOfJson } from './digest.ts';
import { createHash } from 'node:crypto';
import { nodeSigner } from './ed25519-node.ts';
import { sha256Node } from './hash-node.ts';
import { sha256Portable } from './hash.ts';
import { canonicalize } from './jcs.ts';
import { parseManifestText, serializeManifest } from './manifest.ts';
import { leafHash, merkleRoot } from './merkle.ts';
import { appendReview, buildReviewEnvelope } from './review-attestation.ts';
import { sampleRun, RUNNER_SEED } from './sample-run.fixture.ts';
import { STEP_PREDICATE_TYPE, validateStatement } from './statement.ts';
import { checkStepPredicate } from './step-predicate.ts';

const run = { runbookId: 'R1', runbookVersion: '1.0', runbookDigest: 'sha256:' + '0'.repeat(64), asOf: '2026-03-01T10:00:00Z' };
const record = { stepId: 'q', type: 'query', status: 'succeeded' as const, inputs: { a: 1 }, outputs: [{ x: 'é' }], proofs: {}, artifacts: [], recordings: [] };
const decode = (payload: string) => JSON.parse(new TextDecoder().decode(fromBase64(payload)!));

test('in-toto Statement validation matches the reference implementation on every vendored statement case', () => {
  const { cases } = JSON.parse(readFileSync('engine/testing/vectors/in-toto/intoto-go-validation-cases.json', 'utf8'));
  let checked = 0;
  for (const c of cases) {
    if (c.file.endsWith('statement_test.go')) {
      if (c.expectErr === null) {
        for (const [v, ok] of [
          ['1', true],
          ['0.1', true],
          ['2', false],
          ['0.2', false],
        ] as const) {
          const st = { ...c.json, _type: c.json._type.replace('%s', v) };
          assert.equal(validateStatement(st).length === 0, ok, v);
        }
      } else {
        const errors = validateStatement(c.json).map((p) => p.error);
        if (c.expectErr.startsWith('none')) assert.deepEqual(errors, [], c.label);
        else assert.ok(errors.includes(c.expectErr), `${c.label}: ${errors}`);
      }
      checked++;
    } else if (c.file.endsWith('resource_descriptor_test.go')) {
      // Descriptor cases checked as a statement's subject (name added when the case lacks one
      // would change meaning, so only the digest rules are compared).
      const st = { _type: 'https://in-toto.io/Statement/v1', subject: [c.json], predicateType: 't', predicate: {} };
      const errors = validateStatement(st).map((p) => p.error);
      if (c.expectErr.startsWith('none')) assert.deepEqual(errors, [], c.label);
      else assert.ok(errors.includes(c.expectErr), `${c.label}: ${errors}`);
      checked++;
    }
  }
  assert.equal(checked, 16); // provenance predicate cases do not apply to the Statement layer
});

test('attestStep signs an in-toto Statement v1 whose predicate carries the seed fields and needs', async () => {
  const signer = nodeSigner(RUNNER_SEED);
  const { envelope, hash } = await attestStep(record, { previousAttestationHash: null, needs: [], parents: [] }, run, signer, sha256Node);
  assert.equal(envelope.payloadType, 'application/vnd.in-toto+json');
  assert.equal(envelope.signatures[0]!.keyid, signer.keyid);
  const st = decode(envelope.payload);
  assert.deepEqual(validateStatement(st), []);
  assert.equal(st.predicateType, STEP_PREDICATE_TYPE);
  assert.deepEqual(checkStepPredicate(st.predicate), []);
  // The subject is the published outputs file, by the sha256 of its exact bytes (sha256sum agrees).
  assert.equal(st.subject[0].name, 'outputs/q.json');
  assert.equal(
    st.subject[0].digest.sha256,
    createHash('sha256')
      .update(canonicalize(record.outputs) + '\n')
      .digest('hex'),
  );
  assert.deepEqual(st.predicate.outputs, record.outputs);
  assert.equal(st.predicate.timestamp, run.asOf);
  assert.equal(hash, digestOfJson(envelope));
  // The payload is exactly JCS(statement).
  assert.equal(new TextDecoder().decode(fromBase64(envelope.payload)!), canonicalize(st));
});

test('attestation is deterministic and independent of the hash port', async () => {
  const signer = nodeSigner(RUNNER_SEED);
  const a = await attestStep(record, { previousAttestationHash: null, needs: [], parents: [] }, run, signer, sha256Node);
  const b = await attestStep(structuredClone(record), { previousAttestationHash: null, needs: [], parents: [] }, run, signer, sha256Portable);
  assert.deepEqual(a, b);
  const c = await attestStep({ ...record, outputs: [{ x: 'e' }] }, { previousAttestationHash: null, needs: [], parents: [] }, run, signer);
  assert.notEqual(a.hash, c.hash);
});

test('values over 64 KiB canonical become {digest, size}; the subject still digests the full outputs file', async () => {
  const big = [{ blob: 'é'.repeat(INLINE_LIMIT_BYTES / 2) }]; // 2 bytes per é: just over the limit
  const { envelope } = await attestStep(
    { ...record, outputs: big },
    { previousAttestationHash: null, needs: [], parents: [] },
    run,
    nodeSigner(RUNNER_SEED),
    sha256Node,
  );
  const st = decode(envelope.payload);
  const text = canonicalize(big);
  assert.deepEqual(st.predicate.outputs, { digest: digestOfJson(big), size: Buffer.byteLength(text) });
  assert.equal(
    st.subject[0].digest.sha256,
    createHash('sha256')
      .update(text + '\n')
      .digest('hex'),
  );
  assert.deepEqual(st.predicate.inputs, record.inputs);
});

test('every artifact of a step is a subject, exports/<name> by the sha256 of its bytes', async () => {
  const bytes = Buffer.from('id,email\n1,a@example.org\n');
  const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
  const withArtifact = { ...record, artifacts: [{ name: 'out.csv', mediaType: 'text/csv', digest, size: bytes.length }] };
  const { envelope } = await attestStep(withArtifact, { previousAttestationHash: null, needs: [], parents: [] }, run, nodeSigner(RUNNER_SEED), sha256Node);
  const st = decode(envelope.payload);
  assert.deepEqual(st.subject.slice(1), [{ name: 'exports/out.csv', digest: { sha256: digest.slice(7) } }]);
});

test('attestStep refuses malformed chain links with a coded error', async () => {
  const signer = nodeSigner(RUNNER_SEED);
  for (const chain of [
    { previousAttestationHash: 'nope', needs: [], parents: [] },
    { previousAttestationHash: null, needs: ['a'], parents: [] },
    { previousAttestationHash: null, needs: ['a'], parents: ['x'] },
  ]) {
    await assert.rejects(attestStep(record, chain, run, signer), (e: { code?: string }) => e.code === 'PCQ_ATTEST_INVALID');
  }
});

test('sealManifest: chain, parents, inclusion proofs and root over JCS(envelope) leaves', async () => {
  const { manifest, signer } = await sampleRun({ steps: 6 });
  assert.equal(manifest.executedBy, signer.keyid);
  assert.equal(manifest.manifestId, 'pcq-exec-0001');
  const leaves = manifest.steps.map((s) => leafHash(canonicalize(s.attestation), sha256Node));
  assert.equal(manifest.merkleRoot, 'sha256:' + toHex(merkleRoot(leaves, sha256Node)));
  let previous: string | null = null;
  for (const [i, step] of manifest.steps.entries()) {
    const p = decode(step.attestation.payload).predicate;
    assert.equal(p.previousAttestationHash, previous);
    assert.deepEqual(
      p.parents,
      p.needs.map((n: string) => manifest.steps.find((s) => s.stepId === n)!.attestationHash),
    );
    assert.deepEqual(step.inclusionProof.leafIndex, i);
    assert.deepEqual(step.inclusionProof.treeSize, 6);
    previous = step.attestationHash;
  }
  assert.match(manifest.signature, /^base64:[A-Za-z0-9+/]+=*$/);
  assert.deepEqual(manifest.reviews, []);
});

test('two seals of the same run are byte-identical (replay reproduces the root)', async () => {
  const a = await sampleRun({ steps: 4 });
  const b = await sampleRun({ steps: 4 });
  assert.equal(serializeManifest(a.manifest), serializeManifest(b.manifest));
});

test('manifest file: canonical layout round-trips; re-formatted or duplicated keys are refused', async () => {
  const { manifest } = await sampleRun({ steps: 2 });
  const text = serializeManifest(manifest);
  assert.ok(text.endsWith('}\n'));
  assert.deepEqual(parseManifestText(text), JSON.parse(text));
  const code = (f: () => unknown) => {
    try {
      f();
      return 'none';
    } catch (e) {
      return (e as { code: string }).code;
    }
  };
  assert.equal(
    code(() => parseManifestText(JSON.stringify(manifest))),
    'PCQ_MANIFEST_NOT_CANONICAL',
  );
  assert.equal(
    code(() => parseManifestText(text.trimEnd())),
    'PCQ_MANIFEST_NOT_CANONICAL',
  );
  assert.equal(
    code(() => parseManifestText(text.replace('{\n', '{\n  "actor": "x",\n'))),
    'PCQ_MANIFEST_NOT_CANONICAL',
  );
  assert.equal(
    code(() => parseManifestText(text.slice(0, 100))),
    'PCQ_MANIFEST_MALFORMED',
  );
});

test('reviews append without touching the signed part', async () => {
  const { manifest, signer } = await sampleRun({ steps: 2 });
  const env = await buildReviewEnvelope(
    {
      merkleRoot: manifest.merkleRoot,
      manifestDigest: sealedManifestDigest(manifest, sha256Node),
      manifestId: manifest.manifestId,
      executionId: manifest.executionId,
      decision: 'approve',
      reviewer: 'ombuds-1',
      source: { kind: 'local' },
      at: '2026-03-02T00:00:00Z',
    },
    signer,
  );
  const reviewed = appendReview(manifest, env);
  assert.equal(reviewed.signature, manifest.signature);
  assert.equal(reviewed.reviews.length, 1);
  assert.equal(manifest.reviews.length, 0);
  const st = decode(env.payload);
  assert.deepEqual(validateStatement(st), []);
  assert.deepEqual(st.subject, [{ name: 'manifest.pcq', digest: { sha256: sealedManifestDigest(manifest, sha256Node).slice(7) } }]);
  assert.equal(st.predicate.merkleRoot, manifest.merkleRoot);
  await assert.rejects(
    buildReviewEnvelope(
      { merkleRoot: 'x', manifestDigest: 'x', manifestId: '', executionId: '', decision: 'approve', reviewer: '', source: { kind: 'local' }, at: '' },
      signer,
    ),
    (e: { code?: string }) => e.code === 'PCQ_REVIEW_INVALID',
  );
});

test('redactions (issue 10): signed when a secret was masked, absent when none, checked as a positive integer', async () => {
  const signer = nodeSigner(RUNNER_SEED);
  const links = { previousAttestationHash: null, needs: [], parents: [] };
  const masked = decode((await attestStep({ ...record, redactions: 2 }, links, run, signer, sha256Node)).envelope.payload).predicate;
  assert.equal(masked.redactions, 2);
  assert.deepEqual(checkStepPredicate(masked), []);
  const clean = decode((await attestStep({ ...record, redactions: 0 }, links, run, signer, sha256Node)).envelope.payload).predicate;
  assert.ok(!('redactions' in clean));
  for (const bad of [0, -1, 1.5, '2', null])
    assert.deepEqual(checkStepPredicate({ ...masked, redactions: bad }), ['predicate.redactions must be a positive integer when present']);
});
