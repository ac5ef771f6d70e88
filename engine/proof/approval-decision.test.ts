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

const githubSource = {
  kind: 'github' as const,
  repository: 'pcq-org/pcq',
  pullRequest: 7,
  reviewId: 41,
  commitId: 'c'.repeat(40),
  headSha: 'c'.repeat(40),
  reviewerType: 'User',
  evaluation: { counts: true, decision: 'approve', reasons: [] },
};

test('a decision on a pause PR review reads back as runner-attested-github with the facts the runner checked', async () => {
  const runner = signerFromSecret(generateKeyPair().secret, 'runner');
  const envelope = await buildApprovalEnvelope({ ...input, source: githubSource }, runner);
  const read = readApprovalDecision(envelope);
  assert.ok(!('problem' in read), JSON.stringify(read));
  assert.equal(read.kind, 'runner-attested-github');
  assert.deepEqual(read.github, {
    pullRequest: 7,
    reviewId: 41,
    reviewerType: 'User',
    commitId: 'c'.repeat(40),
    headSha: 'c'.repeat(40),
    counts: true,
    decision: 'approve',
  });
  const local = readApprovalDecision(await buildApprovalEnvelope(input, runner));
  assert.ok(!('problem' in local));
  assert.equal(local.kind, 'reviewer-signed', 'a predicate without kind is the approver-signed decision pcq approve makes');
  assert.equal(local.github, undefined);
});

test('a decision whose kind and source disagree is a problem', async () => {
  const signer = signerFromSecret(generateKeyPair().secret, 'test');
  const forged = async (predicate: Record<string, unknown>) => {
    const { pausedManifestDigest: _d, ...rest } = input;
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'manifest.pcq', digest: { sha256: 'b'.repeat(64) } }],
      predicateType: 'https://pcq.dev/approval/v1',
      predicate: { ...rest, ...predicate },
    };
    const { signEnvelope } = await import('./dsse.ts');
    return readApprovalDecision(await signEnvelope('application/vnd.in-toto+json', new TextEncoder().encode(JSON.stringify(statement)), signer));
  };
  assert.match(((await forged({ kind: 'runner-attested-github' })) as { problem: string }).problem, /source\.kind github/);
  assert.match(((await forged({ source: githubSource })) as { problem: string }).problem, /reviewer-signed decision carries no source/);
  assert.match(((await forged({ kind: 'runner-attested-github', source: { ...githubSource, reviewId: 0 } })) as { problem: string }).problem, /reviewId/);
  assert.match(((await forged({ kind: 'someone-said-so' })) as { problem: string }).problem, /kind/);
});
