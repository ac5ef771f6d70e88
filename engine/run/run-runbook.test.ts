// End to end on the real samples: the embedded graph, real provers, real signing, real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { loadConfig } from '../runtime/config.ts';
import { generateKeyPair } from '../runtime/keys.ts';
import { runRunbookFile, type RunReport } from './run-runbook.ts';
import { replayExecution } from './replay-run.ts';
import { parseManifestText } from '../proof/manifest.ts';
import type { Manifest } from '../base/signed-records.ts';
import { verifyManifest } from '../proof/verify-manifest.ts';
import { loadTrustStore } from '../runtime/trust-store.ts';
import { nodeVerify } from '../proof/ed25519-node.ts';

const AS_OF = '2026-11-16T00:00:00Z';
const SAMPLES = ['R1-entity-enrichment.yaml', 'R2-relationship-inference.yaml', 'R3-weekly-report.yaml'];

async function setup() {
  const root = await makeSampleRoot();
  const env = { PCQ_MODE: 'dev', PCQ_ACTOR: 'local:tester' };
  const config = await loadConfig({ env, cwd: root });
  let n = 0;
  const run = (file: string, rawParams: Record<string, unknown> = {}): Promise<RunReport> =>
    runRunbookFile({
      config,
      file: join(root, 'runbooks', file),
      rawParams,
      asOf: AS_OF,
      env,
      executionId: `test-${++n}`,
      startedAt: new Date(Date.UTC(2026, 10, 22, 0, 0, n)).toISOString(),
    });
  return { root, env, config, run };
}

function subjectDigests(manifest: Manifest): string[] {
  return manifest.steps.map((s) => {
    const statement = JSON.parse(Buffer.from(s.attestation.payload, 'base64').toString('utf8')) as { subject: Array<{ digest: { sha256: string } }> };
    return `${s.stepId}=${statement.subject[0]!.digest.sha256}`;
  });
}

test('R1, R2 and R3 run twice with the same asOf: identical step output digests and Merkle roots; each verifies', async () => {
  const { root, run } = await setup();
  for (const file of SAMPLES) {
    const first = await run(file);
    const second = await run(file);
    // The dev key is created on first use, so the local trust overlay exists only now.
    const trust = await loadTrustStore({ root, includeLocal: true });
    assert.equal(first.status, 'succeeded', `${file}: ${JSON.stringify(first.failedProofs)} ${JSON.stringify(first.failedStep)}`);
    const [a, b] = await Promise.all([first, second].map(async (r) => parseManifestText(await readFile(r.manifestPath, 'utf8')) as Manifest));
    assert.deepEqual(subjectDigests(a!), subjectDigests(b!), file);
    assert.equal(a!.merkleRoot, b!.merkleRoot, file);
    assert.notEqual(a!.executionId, b!.executionId);
    const verdict = await verifyManifest(await readFile(first.manifestPath, 'utf8'), trust, nodeVerify);
    assert.ok(verdict.ok, JSON.stringify(verdict.checks.filter((c) => !c.ok)));
  }
});

test('replaying each sample ten times reproduces ten identical Merkle roots, offline', async () => {
  const { config, env, run } = await setup();
  for (const file of SAMPLES) {
    const report = await run(file);
    const roots = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const replay = await replayExecution(config, report.executionDir, env);
      assert.ok(replay.identical, `${file} replay ${i}: ${JSON.stringify(replay.steps.filter((s) => !s.identical))}`);
      roots.add(replay.replayedMerkleRoot);
    }
    assert.deepEqual([...roots], [report.merkleRoot], file);
    assert.equal((await readdir(join(report.executionDir, 'replays'))).length, 10);
  }
});

test('the partial enrichment source blocks R1 honestly: sealed, verified, exports withheld', async () => {
  const { root, run } = await setup();
  const report = await run('R1-entity-enrichment.yaml', { enrichmentSource: 'partial' });
  assert.equal(report.status, 'blocked');
  assert.equal(report.verdict, 'blocked');
  assert.deepEqual(
    report.failedProofs.map((f) => [f.stepId, f.phase, f.proof.prover]),
    [['assert-completeness', 'postcondition', 'kpi:completeness>=0.95']],
  );
  assert.deepEqual(
    report.artifacts.map((a) => a.state),
    ['withheld'],
  );
  assert.deepEqual(await readdir(join(report.executionDir, 'private', 'withheld')), ['r1-enriched-entities.csv']);
  assert.deepEqual(await readdir(join(report.executionDir, 'sealed', 'withheld')), ['r1-enriched-entities.csv.age']);
  await assert.rejects(readdir(join(report.executionDir, 'exports')), { code: 'ENOENT' });
  const trust = await loadTrustStore({ root, includeLocal: true });
  const verdict = await verifyManifest(await readFile(report.manifestPath, 'utf8'), trust, nodeVerify);
  assert.ok(verdict.ok);
});

test('a replay with a different key reproduces every step payload but says the key differs', async () => {
  const { root, config, env, run } = await setup();
  const report = await run('R1-entity-enrichment.yaml');
  const other = generateKeyPair();
  // The replaying key must be an authorized runner too (docs/design.md §7).
  await appendFile(
    join(root, 'policies/trust.yaml'),
    `\n  - {name: other-runner, publicKey: ${other.publicKey}, roles: [runner], status: active, validFrom: null, validUntil: null}\n`,
  );
  const replay = await replayExecution(config, report.executionDir, { ...env, RUNNER_SECRET: other.secret });
  assert.equal(replay.sameKey, false);
  // R1's steps are private: their salts come from the runner key, so another key commits to the
  // same values with other digests; status, proofs and artifacts still reproduce.
  assert.ok(
    replay.steps.every((s) => s.differences.every((d) => ['attestation', 'inputs', 'outputs'].includes(d.field))),
    JSON.stringify(replay.steps),
  );
  assert.notEqual(replay.replayedMerkleRoot, report.merkleRoot);
  assert.equal(replay.identical, false);
});
