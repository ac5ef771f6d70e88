// The verdict as a SLSA VSA and an ombuds decision as an in-toto human review, beside pcq's own,
// through the real CLI: a blocked R1 run writes verdict.vsa.json (FAILED); an approval rewrites it
// (PASSED) and adds reviews.human-review.jsonl; `pcq verify` checks both, and refuses a VSA whose
// statement was changed (even re-signed by another key) or a human review that was dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { runPcq } from '../testing/pcq-cli.ts';
import { decodeEnvelopePayload } from '../proof/statement.ts';
import { signStatement, HUMAN_REVIEW_FILE, HUMAN_REVIEW_PREDICATE_TYPE, VSA_FILE, VSA_PREDICATE_TYPE } from './standard-predicates.ts';
import { signerFromSecret, generateKeyPair } from '../runtime/keys.ts';

const ENV = { PCQ_MODE: 'dev', PCQ_ACTOR: 'local:analyst' };

interface Vsa {
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicateType: string;
  predicate: Record<string, unknown> & { verifier: { id: string }; policy: { uri: string }; verificationResult: string; verifiedLevels: string[] };
}

async function readVsa(dir: string): Promise<Vsa> {
  return decodeEnvelopePayload(JSON.parse(await readFile(join(dir, VSA_FILE), 'utf8'))) as unknown as Vsa;
}

async function verifyJson(root: string, dir: string): Promise<{ code: number; checks: Array<{ check: string; ok: boolean; code: string; message: string }> }> {
  const res = await runPcq(root, ENV, 'verify', join(dir, 'manifest.pcq'), '--json');
  return { code: res.code, checks: (JSON.parse(res.stdout) as { checks: Array<{ check: string; ok: boolean; code: string; message: string }> }).checks };
}

test('a blocked run and its approval as SLSA VSA and in-toto human review, checked by pcq verify', { timeout: 240_000 }, async () => {
  const root = await makeSampleRoot('pcq-vsa-');
  assert.equal((await runPcq(root, ENV, 'keys', 'generate', '--reviewer', 'ombuds-alice')).code, 0);
  const run = await runPcq(
    root,
    ENV,
    'run',
    'runbooks/R1-entity-enrichment.yaml',
    '--input',
    'enrichmentSource=partial',
    '--as-of',
    '2026-11-16T00:00:00Z',
    '--json',
  );
  assert.equal(run.code, 4, run.stderr);
  const { executionDir: dir, executionId } = JSON.parse(run.stdout) as { executionDir: string; executionId: string };

  const blocked = await readVsa(dir);
  assert.equal(blocked.predicateType, VSA_PREDICATE_TYPE);
  // The spec's required fields (slsa.dev/spec/v1.0/verification_summary "Fields").
  for (const field of ['verifier', 'timeVerified', 'resourceUri', 'policy', 'verificationResult', 'verifiedLevels'])
    assert.ok(field in blocked.predicate, field);
  assert.equal(typeof blocked.predicate.verifier.id, 'string');
  assert.equal(typeof blocked.predicate.policy.uri, 'string');
  assert.equal(blocked.predicate.verificationResult, 'FAILED');
  assert.deepEqual(blocked.predicate.verifiedLevels, ['FAILED']);
  const manifestHex = createHash('sha256')
    .update(await readFile(join(dir, 'manifest.pcq')))
    .digest('hex');
  assert.deepEqual(blocked.subject[0], { name: 'manifest.pcq', digest: { sha256: manifestHex } }, 'sha256sum manifest.pcq is the VSA subject');
  let report = await verifyJson(root, dir);
  assert.equal(report.code, 0, JSON.stringify(report.checks.filter((c) => !c.ok)));
  assert.ok(report.checks.some((c) => c.check === 'slsa-vsa' && c.ok && /FAILED \(blocked\)/.test(c.message)));

  const approve = await runPcq(root, ENV, 'review', 'approve', executionId, '--by', 'ombuds-alice', '--comment', 'checked by hand');
  assert.equal(approve.code, 0, approve.stderr + approve.stdout);
  const approved = await readVsa(dir);
  assert.equal(approved.predicate.verificationResult, 'PASSED');
  assert.deepEqual(approved.predicate.verifiedLevels, ['PCQ_VERDICT_APPROVED']);
  const lines = (await readFile(join(dir, HUMAN_REVIEW_FILE), 'utf8')).trim().split('\n');
  assert.equal(lines.length, 1);
  const review = decodeEnvelopePayload(JSON.parse(lines[0]!)) as unknown as { predicateType: string; subject: unknown[]; predicate: Record<string, unknown> };
  assert.equal(review.predicateType, HUMAN_REVIEW_PREDICATE_TYPE);
  assert.equal(review.predicate.result, 'pass');
  assert.equal(review.predicate['https://pcq.dev/review/reviewer'], 'ombuds-alice');
  report = await verifyJson(root, dir);
  assert.equal(report.code, 0, JSON.stringify(report.checks.filter((c) => !c.ok)));
  assert.ok(report.checks.some((c) => c.check === 'human-review' && c.ok));

  // A VSA saying something else, signed by a key pcq does not trust for verdicts, is refused.
  const forged = { ...approved, predicate: { ...approved.predicate, verificationResult: 'FAILED' } };
  const goodVsa = await readFile(join(dir, VSA_FILE), 'utf8');
  await writeFile(join(dir, VSA_FILE), JSON.stringify(await signStatement(forged as never, signerFromSecret(generateKeyPair().secret, 'test'))));
  report = await verifyJson(root, dir);
  assert.equal(report.code, 1);
  assert.ok(report.checks.some((c) => c.check === 'slsa-vsa' && !c.ok && c.code === 'PCQ_STANDARD_PREDICATE_INVALID'));
  await writeFile(join(dir, VSA_FILE), goodVsa);
  await rm(join(dir, HUMAN_REVIEW_FILE));
  report = await verifyJson(root, dir);
  assert.equal(report.code, 1);
  assert.ok(report.checks.some((c) => c.check === 'human-review' && !c.ok));
  await rm(root, { recursive: true, force: true });
});
