// `datasets` in the signed manifest body: sealed sorted and once per path, covered by the manifest
// signature, and checked alike by the structural checker (pcq verify and the browser verifier)
// and by manifest.schema.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { nodeSigner } from './ed25519-node.ts';
import { nodeVerify } from './ed25519-node.ts';
import { sealManifest } from './seal.ts';
import { serializeManifest } from './manifest.ts';
import type { Manifest } from '../base/signed-records.ts';
import { checkManifestShape } from './manifest-shape.ts';
import { verifyManifest } from './verify-manifest.ts';
import { RUNNER_SEED, sampleRun } from './sample-run.fixture.ts';
import type { TrustStore } from './trust.ts';

const D = (c: string) => 'sha256:' + c.repeat(64);

async function sealedWith(datasets: Array<{ path: string; digest: string }>): Promise<Manifest> {
  const { manifest } = await sampleRun({ steps: 2 });
  const steps = manifest.steps.map((s) => ({ stepId: s.stepId, envelope: s.attestation, hash: s.attestationHash, proofs: s.proofs as never }));
  return sealManifest({
    executionId: manifest.executionId,
    runbookId: manifest.runbookId,
    version: manifest.version,
    runbookDigest: manifest.runbookDigest,
    asOf: manifest.executedAt,
    actor: manifest.actor,
    inputs: manifest.inputs,
    datasets,
    steps,
    signer: nodeSigner(RUNNER_SEED),
    authorization: manifest.authorization,
  });
}

function trustFor(keyid: string): TrustStore {
  return {
    keys: [{ name: 'runner', publicKey: keyid, roles: ['runner'], status: 'active', validFrom: '2026-01-01T00:00:00Z', validUntil: null }],
  } as unknown as TrustStore;
}

test('sealing sorts datasets by path, refuses a path twice, and writes [] when none was loaded', async () => {
  const m = await sealedWith([
    { path: 'runbooks/data/x/b.csv', digest: D('b') },
    { path: 'runbooks/data/x/a.csv', digest: D('a') },
  ]);
  assert.deepEqual(
    m.datasets!.map((d) => d.path),
    ['runbooks/data/x/a.csv', 'runbooks/data/x/b.csv'],
  );
  assert.deepEqual((await sampleRun({ steps: 1 })).manifest.datasets, []);
  await assert.rejects(
    sealedWith([
      { path: 'a.csv', digest: D('a') },
      { path: 'a.csv', digest: D('b') },
    ]),
    { code: 'PCQ_SEAL_INVALID' },
  );
});

test('datasets are signed: a changed digest or a dropped file fails the manifest signature', async () => {
  const m = await sealedWith([
    { path: 'runbooks/data/x/a.csv', digest: D('a') },
    { path: 'runbooks/data/x/b.csv', digest: D('b') },
  ]);
  const trust = trustFor(m.executedBy);
  assert.ok((await verifyManifest(serializeManifest(m), trust, nodeVerify)).ok);
  for (const forged of [
    { ...m, datasets: [m.datasets![0]!, { ...m.datasets![1]!, digest: D('c') }] },
    { ...m, datasets: [m.datasets![0]!] },
  ]) {
    const report = await verifyManifest(serializeManifest(forged), trust, nodeVerify);
    assert.equal(report.ok, false);
    assert.ok(report.checks.some((c) => !c.ok && c.code === 'PCQ_MANIFEST_SIGNATURE_INVALID'));
  }
});

test('checker and schema agree on datasets: good, absent (older manifests), and every malformed form', async () => {
  const validate = new Ajv.default({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync('engine/proof/manifest.schema.json', 'utf8')));
  const good = JSON.parse(serializeManifest(await sealedWith([{ path: 'runbooks/data/intel/entities.csv', digest: D('e') }]))) as Record<string, unknown>;
  const { datasets: _dropped, ...older } = good;
  const cases: Array<[string, unknown, boolean]> = [
    ['good', good, true],
    ['absent', older, true],
    ['empty list', { ...good, datasets: [] }, true],
    ['not a list', { ...good, datasets: {} }, false],
    ['entry not an object', { ...good, datasets: ['x'] }, false],
    ['extra field', { ...good, datasets: [{ path: 'a.csv', digest: D('a'), size: 1 }] }, false],
    ['no digest', { ...good, datasets: [{ path: 'a.csv' }] }, false],
    ['bad digest', { ...good, datasets: [{ path: 'a.csv', digest: 'md5:00' }] }, false],
    ...['/etc/passwd', '../secret.csv', 'a/../../b.csv', './a.csv', 'a//b.csv', 'a\\b.csv', '', 'a/.'].map((path): [string, unknown, boolean] => [
      `path ${JSON.stringify(path)}`,
      { ...good, datasets: [{ path, digest: D('a') }] },
      false,
    ]),
  ];
  for (const [name, value, ok] of cases) {
    assert.equal(checkManifestShape(value).length === 0, ok, `checker: ${name} ${JSON.stringify(checkManifestShape(value))}`);
    assert.equal(validate(value) === true, ok, `schema: ${name}`);
  }
});
