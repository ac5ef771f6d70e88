// The private-step commitments (private-commitment.ts, FORMATS.md "Private steps") at the seam that
// signs them (attestStep): a private step's predicate and envelope carry no byte of its values in
// any encoding, its opening recomputes every commitment, any other value or salt does not, the
// same key reproduces the same envelope (replay), and another key gives another salt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { attestStep } from './attest.ts';
import { nodeSigner } from './ed25519-node.ts';
import { sha256Node } from './hash-node.ts';
import { decodeEnvelopePayload } from './statement.ts';
import { checkOpening, isPrivateCommitment } from './private-commitment.ts';
import { canonicalize } from './jcs.ts';

const RUN = {
  runbookId: 'R1',
  runbookVersion: '1',
  runbookDigest: 'sha256:' + 'a'.repeat(64),
  asOf: '2026-11-16T00:00:00Z',
  params: { enrichmentSource: 'partial' },
};
const CHAIN = { previousAttestationHash: null, needs: [], parents: [] };
const signer = nodeSigner(new Uint8Array(32).fill(3));
const other = nodeSigner(new Uint8Array(32).fill(4));
const email = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9.]{4,20}$/), fc.stringMatching(/^[a-z]{3,10}\.example$/)).map(([u, d]) => `${u}@${d}`);
const rows = fc.array(fc.record({ id: fc.stringMatching(/^E\d{4}$/), email }), { minLength: 1, maxLength: 5 });

const record = (outputs: unknown, inputs: unknown = { 'query-entities': [{ id: 'E0001' }] }) => ({
  stepId: 'fetch-external-data',
  type: 'external_api',
  status: 'succeeded' as const,
  inputs,
  outputs,
  proofs: {},
  artifacts: [],
  recordings: ['sha256:' + 'b'.repeat(64)],
  private: true,
});

test('a private step signs commitments only: no value in plain, base64 or hex; the opening checks; other values and salts do not', async () => {
  await fc.assert(
    fc.asyncProperty(rows, rows, async (outputs, others) => {
      const a = await attestStep(record(outputs), CHAIN, RUN, signer, sha256Node);
      const envelope = JSON.stringify(a.envelope);
      const predicate = decodeEnvelopePayload(a.envelope)!.predicate as Record<string, unknown>;
      const statement = JSON.stringify(decodeEnvelopePayload(a.envelope));
      for (const { email: e } of outputs) {
        for (const text of [envelope, statement]) {
          assert.ok(!text.includes(e) && !text.includes(Buffer.from(e).toString('hex')), `${e} leaked`);
        }
      }
      assert.ok(isPrivateCommitment(predicate.outputs) && isPrivateCommitment(predicate.inputs));
      assert.deepEqual(checkOpening(predicate, a.opening!, sha256Node), []);
      if (canonicalize(others) !== canonicalize(outputs)) {
        assert.notDeepEqual(checkOpening(predicate, { ...a.opening!, outputs: others }, sha256Node), []);
      }
      assert.notDeepEqual(checkOpening(predicate, { ...a.opening!, salt: 'c'.repeat(64) }, sha256Node), []);
      // Replay with the same key: the identical envelope. Another key: another salt, another digest.
      const again = await attestStep(record(outputs), CHAIN, RUN, signer, sha256Node);
      assert.equal(again.hash, a.hash);
      const foreign = await attestStep(record(outputs), CHAIN, RUN, other, sha256Node);
      assert.notEqual(foreign.opening!.salt, a.opening!.salt);
      assert.notEqual(
        (decodeEnvelopePayload(foreign.envelope)!.predicate as { outputs: { digest: string } }).outputs.digest,
        (predicate.outputs as { digest: string }).digest,
      );
    }),
    { numRuns: 40 },
  );
});

test('a public step still signs its values inline; a private step that never ran keeps null', async () => {
  const pub = await attestStep({ ...record([{ id: 'E1', email: 'a@b.example' }]), private: false }, CHAIN, RUN, signer, sha256Node);
  assert.deepEqual((decodeEnvelopePayload(pub.envelope)!.predicate as { outputs: unknown }).outputs, [{ id: 'E1', email: 'a@b.example' }]);
  assert.equal(pub.opening, undefined);
  const skipped = await attestStep({ ...record(null, null), status: 'skipped', recordings: [] }, CHAIN, RUN, signer, sha256Node);
  const p = decodeEnvelopePayload(skipped.envelope)!.predicate as Record<string, unknown>;
  assert.equal(p.outputs, null);
  assert.equal(p.inputs, null);
  assert.deepEqual(checkOpening(p, skipped.opening!, sha256Node), []);
});
