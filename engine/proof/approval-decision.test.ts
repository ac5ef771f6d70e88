// Approval decision envelopes (proof/approval-decision.ts): built and read back, and hostile input
// is a problem string, never a throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { approvalEnvelopeDigest, buildApprovalEnvelope, readApprovalDecision } from './approval-decision.ts';
import { generateKeyPair, signerFromSecret } from '../runtime/keys.ts';

const input = {
  executionId: 'e1',
  runbookId: 'R5',
  stepId: 'gate',
  pausedMerkleRoot: 'sha256:' + 'a'.repeat(64),
  pausedManifestDigest: 'sha256:' + 'b'.repeat(64),
  decision: 'approve' as const,
  reviewer: 'ombuds-alice',
  approvers: [],
  inputs: { threshold: 8 },
  at: '2026-11-17T00:00:00Z',
};

test('a decision reads back as signed, with the signing key', async () => {
  const signer = signerFromSecret(generateKeyPair().secret, 'test');
  const envelope = await buildApprovalEnvelope(input, signer);
  const read = readApprovalDecision(envelope);
  assert.ok(!('problem' in read), JSON.stringify(read));
  assert.equal(read.keyid, signer.keyid);
  assert.deepEqual(read.inputs, { threshold: 8 });
  assert.match(approvalEnvelopeDigest(envelope), /^sha256:[0-9a-f]{64}$/);
});

test('hostile envelopes are problems, never exceptions', () => {
  fc.assert(
    fc.property(fc.anything(), (value) => {
      const read = readApprovalDecision(value);
      assert.ok('problem' in read);
    }),
  );
  assert.ok('problem' in readApprovalDecision({ payloadType: 'application/vnd.in-toto+json', payload: 'e30=', signatures: [{ keyid: 'G', sig: '' }] }));
});
