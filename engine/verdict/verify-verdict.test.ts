// verify-verdict on a real blocked run (R1 with the partial enrichment source, run by the real
// executor in a temp copy of the repository): the genuine four files pass; every kind of tampering
// fails with its own code, including a score re-signed by the genuine runner key that claims
// "pass" over a manifest that carries a failed postcondition.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../runtime/config.ts';
import { runRunbookFile, type RunReport } from '../run/run-runbook.ts';
import { loadRunnerSigner } from '../runtime/keys.ts';
import { loadTrustStore } from '../runtime/trust-store.ts';
import { nodeSigner, nodeVerify } from '../proof/ed25519-node.ts';
import { sha256Node } from '../proof/hash-node.ts';
import { digestOf } from '../proof/digest.ts';
import type { Signer } from '../base/signer.ts';
import type { TrustStore } from '../proof/trust.ts';
import { verifyVerdict, type VerdictInput } from './verify-verdict.ts';
import { parseScore, scoreToText, type Score } from './score.ts';
import { signVerdict, verdictPubText } from './verdict-signature.ts';
import { packEvidence } from './evidence-bundle.ts';
import { readEvidence } from './evidence-reader.ts';

let report: RunReport;
let files: { score: string; evidence: Uint8Array; sig: string; pub: string };
let signer: Signer;
let trust: TrustStore;

before(async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-verdict-'));
  await cp(resolve('runbooks'), join(root, 'runbooks'), { recursive: true });
  await cp(resolve('policies'), join(root, 'policies'), { recursive: true });
  await cp(resolve('spells'), join(root, 'spells'), { recursive: true });
  const env = { PCQ_MODE: 'dev' };
  const config = await loadConfig({ env, cwd: root, osUser: 'tester' });
  report = await runRunbookFile({
    config,
    file: join(root, 'runbooks/R1-entity-enrichment.yaml'),
    rawParams: { enrichmentSource: 'partial' },
    asOf: '2026-11-16T00:00:00Z',
    env,
    executionId: 'exec-verdict-1',
    startedAt: '2026-11-22T00:00:00Z',
  });
  const dir = report.executionDir;
  files = {
    score: await readFile(join(dir, 'score.json'), 'utf8'),
    evidence: new Uint8Array(await readFile(join(dir, 'evidence.tar.gz'))),
    sig: await readFile(join(dir, 'verdict.sig'), 'utf8'),
    pub: await readFile(join(dir, 'verdict.pub'), 'utf8'),
  };
  signer = (await loadRunnerSigner({ env: {}, root, mode: 'dev' })).signer;
  trust = await loadTrustStore({ root, includeLocal: true });
});

const check = (over: Partial<VerdictInput> = {}) =>
  verifyVerdict({
    scoreText: files.score,
    evidence: files.evidence,
    sigText: files.sig,
    pubText: files.pub,
    trust,
    verify: nodeVerify,
    sha256: sha256Node,
    ...over,
  });
const failedCodes = (r: { checks: Array<{ ok: boolean; code: string }> }) => [...new Set(r.checks.filter((c) => !c.ok).map((c) => c.code))].sort();

test('the genuine verdict of a blocked run verifies, with and without the trust store', async () => {
  assert.equal(report.verdict, 'blocked');
  const score = parseScore(files.score);
  assert.equal(score.verdict, 'blocked');
  assert.ok(score.provers.some((p) => p.phase === 'postcondition' && p.result === 'fail' && p.stepId === 'assert-completeness'));
  assert.equal(score.manifestDigest, digestOf(await readFile(join(report.executionDir, 'manifest.pcq')), sha256Node));
  assert.equal(score.evidence.digest, digestOf(files.evidence, sha256Node));
  const ok = await check();
  assert.deepEqual(failedCodes(ok), [], JSON.stringify(ok.checks.filter((c) => !c.ok)));
  assert.equal(ok.ok, true);
  assert.equal((await check({ trust: 'skip' })).ok, true);
  assert.match(files.pub, /^G[A-Z2-7]{55}\n[0-9a-f]{64}\n$/);
});

test('a modified score, signature or key fails with its own code', async () => {
  const score = parseScore(files.score);
  // Score edited (verdict flipped), layout kept: the signature no longer covers it.
  const flipped = scoreToText({ ...score, verdict: 'pass' });
  // (a "pass" would have released the export into the bundle: its absence is a mismatch too)
  assert.deepEqual(failedCodes(await check({ scoreText: flipped })), ['PCQ_EVIDENCE_MISMATCH', 'PCQ_VERDICT_INCONSISTENT', 'PCQ_VERDICT_SIGNATURE_INVALID']);
  // The same lie re-signed by the genuine runner key: the manifest's failed proof refutes it.
  const resigned = await check({ scoreText: flipped, sigText: await signVerdict({ ...score, verdict: 'pass' }, signer) });
  assert.deepEqual(failedCodes(resigned), ['PCQ_EVIDENCE_MISMATCH', 'PCQ_VERDICT_INCONSISTENT']);
  assert.match(
    resigned.checks.find((c) => c.check === 'consistency')!.message,
    /verdict "pass" but the manifest leads to "blocked".*postcondition kpi:completeness>=0\.95/,
  );
  // A prover result dropped and re-signed.
  const fewer = { ...score, provers: score.provers.filter((p) => p.result === 'pass') };
  assert.deepEqual(failedCodes(await check({ scoreText: scoreToText(fewer), sigText: await signVerdict(fewer, signer) })), ['PCQ_VERDICT_INCONSISTENT']);
  // Layout changed only: refused as malformed.
  assert.deepEqual(failedCodes(await check({ scoreText: JSON.stringify(score) })), ['PCQ_VERDICT_MALFORMED']);
  assert.deepEqual(failedCodes(await check({ scoreText: '{' })), ['PCQ_VERDICT_MALFORMED']);
  // Signature: one character changed, or garbage.
  const sig = files.sig.trim();
  const other = sig[10] === 'A' ? 'B' : 'A';
  assert.deepEqual(failedCodes(await check({ sigText: sig.slice(0, 10) + other + sig.slice(11) })), ['PCQ_VERDICT_SIGNATURE_INVALID']);
  assert.deepEqual(failedCodes(await check({ sigText: 'not base64!' })), ['PCQ_VERDICT_SIGNATURE_INVALID']);
  // Key: another valid key does not verify the signature and is not trusted.
  const attacker = nodeSigner(new Uint8Array(32).fill(7));
  assert.deepEqual(failedCodes(await check({ pubText: verdictPubText(attacker.keyid) })), ['PCQ_VERDICT_KEY_UNTRUSTED', 'PCQ_VERDICT_SIGNATURE_INVALID']);
  // An attacker who re-signs with their own key: the signature holds, the trust does not.
  assert.deepEqual(failedCodes(await check({ pubText: verdictPubText(attacker.keyid), sigText: await signVerdict(score, attacker) })), [
    'PCQ_VERDICT_KEY_UNTRUSTED',
  ]);
  // A key file whose hex disagrees with its strkey, or no key at all.
  assert.deepEqual(
    failedCodes(
      await check({
        pubText:
          files.pub.replace(/\n[0-9a-f]{2}/, '\nff') === files.pub ? files.pub.replace(/\n[0-9a-f]{2}/, '\n00') : files.pub.replace(/\n[0-9a-f]{2}/, '\nff'),
      }),
    ),
    ['PCQ_VERDICT_MALFORMED'],
  );
  assert.deepEqual(failedCodes(await check({ pubText: 'SOMETHING' })), ['PCQ_VERDICT_MALFORMED']);
});

test('modified evidence fails: digest, manifest digest, smuggled exports', async () => {
  // One byte of the bundle changed.
  const flipped = files.evidence.slice();
  flipped[flipped.length - 20]! ^= 0xff;
  const r = await check({ evidence: flipped });
  assert.ok(failedCodes(r).includes('PCQ_EVIDENCE_MISMATCH'));
  assert.equal(r.ok, false);
  // A rebuilt bundle whose score is re-signed, so the evidence digest matches: the manifest
  // inside has been edited (a failed proof turned into a pass), so its digest and proofs fail.
  const entries = await readEvidence(files.evidence);
  const list = [...entries].map(([name, bytes]) => ({ name, bytes }));
  const score = parseScore(files.score);
  const forged = list.map((f) =>
    f.name === 'manifest.pcq' ? { name: f.name, bytes: Buffer.from(Buffer.from(f.bytes).toString().replace('"result": "fail"', '"result": "pass"')) } : f,
  );
  const forgedEvidence = await packEvidence(forged, score.executedAt);
  const s2 = { ...score, evidence: { file: 'evidence.tar.gz', digest: digestOf(forgedEvidence, sha256Node) } };
  const r2 = await check({ evidence: forgedEvidence, scoreText: scoreToText(s2), sigText: await signVerdict(s2, signer) });
  assert.ok(failedCodes(r2).includes('PCQ_MANIFEST_DIGEST_MISMATCH'), JSON.stringify(failedCodes(r2)));
  assert.ok(failedCodes(r2).includes('PCQ_PROOFS_MISMATCH'), JSON.stringify(failedCodes(r2)));
  // The withheld export moved to exports/ inside the bundle, score re-signed: zero exports leave blocked.
  const withheld = new Uint8Array(await readFile(join(report.executionDir, 'private', 'withheld', 'r1-enriched-entities.csv')));
  const smuggled = [...list, { name: 'exports/r1-enriched-entities.csv', bytes: withheld }];
  const smuggledEvidence = await packEvidence(smuggled, score.executedAt);
  const s3 = { ...score, evidence: { file: 'evidence.tar.gz', digest: digestOf(smuggledEvidence, sha256Node) } };
  const r3 = await check({ evidence: smuggledEvidence, scoreText: scoreToText(s3), sigText: await signVerdict(s3, signer) });
  assert.deepEqual(failedCodes(r3), ['PCQ_EVIDENCE_MISMATCH']);
  assert.match(r3.checks.find((c) => !c.ok)!.message, /exports\/r1-enriched-entities\.csv is released although the verdict is blocked/);
  // Garbage evidence is a coded answer, never a throw.
  const garbage = await check({ evidence: new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0]) });
  assert.deepEqual(failedCodes(garbage), ['PCQ_EVIDENCE_MISMATCH', 'PCQ_VERDICT_MALFORMED']);
});

test('a score is tied to its own run: another score for the same evidence is inconsistent', async () => {
  const score = parseScore(files.score) as Score;
  const other = { ...score, executionId: 'exec-other', actor: 'someone-else' };
  const r = await check({ scoreText: scoreToText(other), sigText: await signVerdict(other, signer) });
  assert.deepEqual(failedCodes(r), ['PCQ_VERDICT_INCONSISTENT']);
});
