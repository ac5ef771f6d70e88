// Failing precondition (issue 4, made a review by issue 9): a runbook whose second step asks for an
// action the authority policy denies. The step never runs, nothing downstream runs, the manifest
// records the failed proof and verifies; the run is blocked, an ombuds ticket opens, no export
// leaves, and the signed verdict is "blocked" and verifies offline.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../runtime/config.ts';
import { runRunbookFile, type RunReport } from '../run/run-runbook.ts';
import { loadTrustStore } from '../runtime/trust-store.ts';
import { nodeVerify } from '../proof/ed25519-node.ts';
import { sha256Node } from '../proof/hash-node.ts';
import { verifyManifest } from '../proof/verify-manifest.ts';
import { verifyVerdict } from './verify-verdict.ts';

const RUNBOOK = `runbookId: PX
name: Precondition denial
version: "1.0"
dataset: intel
steps:
  - stepId: read
    type: query
    cypher: MATCH (e:Entity) RETURN e.id AS id ORDER BY id LIMIT 3
    preconditions: ["authority:read"]
  - stepId: purge
    type: mutation
    cypher: "MATCH (e:Entity {id: $id}) DETACH DELETE e"
    preconditions: ["authority:delete"]
  - stepId: count
    type: query
    cypher: MATCH (e:Entity) RETURN count(e) AS n
  - stepId: publish
    type: export
    format: csv
    name: px.csv
provers:
  preconditions:
    authority:read: {type: opa, policy: intelgraph.allow, input: {action: read, resource: entity}}
    authority:delete: {type: opa, policy: intelgraph.allow, input: {action: delete, resource: entity}}
`;

let root: string;
let report: RunReport;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pcq-precondition-'));
  await cp(resolve('runbooks'), join(root, 'runbooks'), { recursive: true });
  await cp(resolve('policies'), join(root, 'policies'), { recursive: true });
  await cp(resolve('spells'), join(root, 'spells'), { recursive: true });
  await writeFile(join(root, 'runbooks/PX-deny.yaml'), RUNBOOK);
  const env = { PCQ_MODE: 'dev' };
  const config = await loadConfig({ env, cwd: root, osUser: 'tester' });
  report = await runRunbookFile({
    config,
    file: join(root, 'runbooks/PX-deny.yaml'),
    rawParams: {},
    asOf: '2026-11-16T00:00:00Z',
    env,
    executionId: 'exec-px-1',
    startedAt: '2026-11-22T00:00:00Z',
  });
});

test('a failing precondition stops its step and everything downstream; the manifest records it and verifies', async () => {
  assert.equal(report.status, 'blocked');
  assert.equal(report.verdict, 'blocked');
  assert.deepEqual(
    report.steps.map((s) => [s.stepId, s.status]),
    [
      ['read', 'succeeded'],
      ['purge', 'failed'],
      ['count', 'skipped'],
      ['publish', 'skipped'],
    ],
  );
  assert.equal(report.failedStep?.code, 'PCQ_PRECONDITION_FAILED');
  const manifestText = await readFile(report.manifestPath, 'utf8');
  const manifest = JSON.parse(manifestText);
  const purge = manifest.steps.find((s: { stepId: string }) => s.stepId === 'purge');
  assert.equal(purge.proofs.preconditions[0].result, 'fail');
  assert.equal(purge.proofs.preconditions[0].prover, 'authority:delete');
  const predicate = JSON.parse(Buffer.from(purge.attestation.payload, 'base64').toString()).predicate;
  assert.equal(predicate.status, 'failed');
  assert.equal(predicate.outputs, null, 'the step never ran, so it has no output');
  for (const later of ['count', 'publish']) {
    const s = manifest.steps.find((x: { stepId: string }) => x.stepId === later);
    assert.equal(JSON.parse(Buffer.from(s.attestation.payload, 'base64').toString()).predicate.status, 'skipped');
  }
  // Every step feeds the export, so every step is private: values under private/, none in outputs/.
  assert.deepEqual((await readdir(join(report.executionDir, 'private', 'steps'))).sort(), ['count.json', 'publish.json', 'purge.json', 'read.json']);
  await assert.rejects(readdir(join(report.executionDir, 'outputs')));
  await assert.rejects(readdir(join(report.executionDir, 'exports')));
  const trust = await loadTrustStore({ root, includeLocal: true });
  const verified = await verifyManifest(manifestText, trust, nodeVerify, { sha256: sha256Node });
  assert.equal(verified.ok, true, JSON.stringify(verified.checks.filter((c) => !c.ok)));
  assert.equal(report.reviewTicket, join(root, 'attestations/reviews/exec-px-1.yaml'));
  const ticket = await readFile(report.reviewTicket!, 'utf8');
  assert.match(ticket, /failedStep: purge/);
  assert.match(ticket, /failedProver: authority:delete/);
});

test('its verdict is "blocked", lists the failed precondition, and verifies offline', async () => {
  const dir = report.executionDir;
  const scoreText = await readFile(join(dir, 'score.json'), 'utf8');
  const score = JSON.parse(scoreText);
  assert.equal(score.verdict, 'blocked');
  assert.deepEqual(
    score.provers.filter((p: { result: string }) => p.result === 'fail').map((p: { stepId: string; phase: string }) => [p.stepId, p.phase]),
    [['purge', 'precondition']],
  );
  const trust = await loadTrustStore({ root, includeLocal: true });
  const r = await verifyVerdict({
    scoreText,
    evidence: new Uint8Array(await readFile(join(dir, 'evidence.tar.gz'))),
    sigText: await readFile(join(dir, 'verdict.sig'), 'utf8'),
    pubText: await readFile(join(dir, 'verdict.pub'), 'utf8'),
    trust,
    verify: nodeVerify,
    sha256: sha256Node,
  });
  assert.equal(r.ok, true, JSON.stringify(r.checks.filter((c) => !c.ok)));
});
