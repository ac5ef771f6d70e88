// Property tests (fast-check): any single-byte change anywhere in a manifest file makes verify
// fail; verify never throws on arbitrary input; the hand-written checker and the JSON Schema agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import Ajv from 'ajv';
import { nodeSigner, nodeVerify } from './ed25519-node.ts';
import { sha256Node } from './hash-node.ts';
import { serializeManifest } from './manifest.ts';
import { checkManifestShape } from './manifest-shape.ts';
import { sampleRun, RUNNER_SEED } from './sample-run.fixture.ts';
import type { TrustStore } from './trust.ts';
import { verifyManifest } from './verify-manifest.ts';

const trust: TrustStore = {
  keys: [{ name: 'r', publicKey: nodeSigner(RUNNER_SEED).keyid, roles: ['runner', 'reviewer'], status: 'active', validFrom: null, validUntil: null }],
};
const verify = (bytes: Uint8Array) => verifyManifest(new TextDecoder().decode(bytes), trust, nodeVerify, { sha256: sha256Node });

test('any single-byte change anywhere in the file makes verification fail', async () => {
  const text = serializeManifest((await sampleRun({ steps: 3 })).manifest);
  const bytes = new TextEncoder().encode(text);
  assert.equal((await verify(bytes)).ok, true);
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.integer({ min: 1, max: 255 }), async (index, delta) => {
      const changed = bytes.slice();
      changed[index] = (changed[index]! + delta) & 0xff;
      const report = await verify(changed);
      return report.ok === false && report.checks.some((c) => !c.ok);
    }),
    { numRuns: 400 },
  );
});

test('inserting or deleting a byte anywhere also fails', async () => {
  const bytes = new TextEncoder().encode(serializeManifest((await sampleRun({ steps: 2 })).manifest));
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: bytes.length }), fc.boolean(), fc.integer({ min: 0, max: 255 }), async (index, insert, value) => {
      const changed = insert
        ? new Uint8Array([...bytes.subarray(0, index), value, ...bytes.subarray(index)])
        : new Uint8Array([...bytes.subarray(0, index), ...bytes.subarray(index + 1)]);
      if (!insert && index === bytes.length) return true;
      return (await verify(changed)).ok === false;
    }),
    { numRuns: 150 },
  );
});

test('verify never throws and never passes on arbitrary JSON or text', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.string(),
        fc.json(),
        fc.jsonValue().map((v) => serializeManifest(v)),
      ),
      async (text) => {
        const report = await verifyManifest(text, trust, nodeVerify, { sha256: sha256Node });
        return report.ok === false && report.checks.every((c) => typeof c.code === 'string' && c.code.startsWith('PCQ_'));
      },
    ),
    { numRuns: 300 },
  );
});

test('the structural checker and manifest.schema.json (ajv) agree on good and mutated manifests', async () => {
  const schema = JSON.parse(readFileSync('engine/proof/manifest.schema.json', 'utf8'));
  const ajv = new Ajv.default({ allErrors: true, strict: true });
  const validate = ajv.compile(schema);
  const good = JSON.parse(serializeManifest((await sampleRun({ steps: 3 })).manifest));
  assert.equal(validate(good), true);
  assert.deepEqual(checkManifestShape(good), []);
  // Mutations: replace a value at a random path by a random JSON value, or delete a field.
  const paths: Array<Array<string | number>> = [];
  const walk = (v: unknown, path: Array<string | number>) => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(good, []);
  await fc.assert(
    fc.property(
      fc.constantFrom(...paths.filter((p) => p.length > 0)),
      fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constant('sha256:' + 'a'.repeat(64)), fc.constant(-1), fc.constant(2.5)),
      (path, replacement) => {
        const m = structuredClone(good);
        let parent = m as Record<string | number, unknown>;
        for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
        const last = path[path.length - 1]!;
        if (replacement === undefined) {
          if (Array.isArray(parent)) parent.splice(last as number, 1);
          else delete parent[last];
        } else parent[last] = replacement;
        const schemaOk = validate(m) === true;
        const checkerOk = checkManifestShape(m).length === 0;
        return schemaOk === checkerOk;
      },
    ),
    { numRuns: 1500 },
  );
  for (const bad of [
    null,
    [],
    'x',
    {},
    { ...good, extra: 1 },
    { ...good, steps: [{}] },
    { ...good, reviews: [{ payloadType: 'x', payload: 'y', signatures: [] }] },
  ]) {
    assert.equal(validate(bad) === true, checkManifestShape(bad).length === 0, JSON.stringify(bad).slice(0, 60));
  }
});

test('removing, reordering, duplicating or importing any step fails even when the manifest is re-signed', async () => {
  const { signManifestCore } = await import('./seal.ts');
  const { signedPart } = await import('./manifest.ts');
  const { manifest, signer } = await sampleRun({ steps: 6 });
  const foreign = (await sampleRun({ steps: 6, executionId: 'exec-other', asOf: '2026-04-01T00:00:00Z' })).manifest;
  const op = fc.oneof(
    fc.record({ kind: fc.constant('remove' as const), i: fc.nat({ max: 5 }) }),
    fc.record({ kind: fc.constant('swap' as const), i: fc.nat({ max: 5 }), j: fc.nat({ max: 5 }) }).filter((o) => o.i !== o.j),
    fc.record({ kind: fc.constant('duplicate' as const), i: fc.nat({ max: 5 }), at: fc.nat({ max: 6 }) }),
    fc.record({ kind: fc.constant('foreign' as const), i: fc.nat({ max: 5 }) }),
  );
  await fc.assert(
    fc.asyncProperty(op, async (o) => {
      const steps = [...manifest.steps];
      if (o.kind === 'remove') steps.splice(o.i, 1);
      if (o.kind === 'swap') [steps[o.i], steps[o.j]] = [steps[o.j]!, steps[o.i]!];
      if (o.kind === 'duplicate') steps.splice(o.at, 0, manifest.steps[o.i]!);
      if (o.kind === 'foreign') steps[o.i] = foreign.steps[o.i]!;
      const m = { ...manifest, steps };
      const text = serializeManifest({ ...m, signature: await signManifestCore(signedPart(m as unknown as Record<string, unknown>), signer) });
      const report = await verifyManifest(text, trust, nodeVerify, { sha256: sha256Node });
      const codes = new Set(report.checks.filter((c) => !c.ok).map((c) => c.code));
      if (o.kind === 'duplicate' && !codes.has('PCQ_DUPLICATE_STEP')) return false;
      return report.ok === false && codes.size > 0;
    }),
    { numRuns: 60 },
  );
});
