import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCelEngine } from '../runtime/cel.ts';
import { loadPolicySet } from '../runtime/policy-set.ts';
import { PROVER_TYPES } from '../model/prover-types.ts';
import { checkProverSpec, proverKinds, runProver } from './registry.ts';
import { proverContext, proverSpec } from './prover-test-kit.ts';
import type { GraphStore } from '../base/graph-store.ts';
import type { PolicySet } from '../base/proofs.ts';

const cel = createCelEngine();
const policies = await loadPolicySet('policies');

test('every prover type a runbook may declare has a kind', () => {
  for (const type of PROVER_TYPES) assert.ok(proverKinds[type], type);
  assert.equal(proverKinds.opa, proverKinds.authority);
  assert.equal(proverKinds.license_registry, proverKinds.license);
});

test('the seed R1 declarations check clean against the repository policies', () => {
  const specs = [
    proverSpec('authority:read_entities', 'opa', { policy: 'intelgraph.allow', input: { action: 'read', resource: 'entity' } }),
    proverSpec('license:api_access', 'license_registry', { check: 'api.example.com allows enrichment' }),
    proverSpec(
      'kpi:completeness>=0.95',
      'metric',
      { query: 'MATCH (e:Entity) RETURN count(e) as total, count(e.email) as complete', assertion: 'complete / total >= 0.95' },
      'postcondition',
    ),
  ];
  for (const spec of specs) assert.deepEqual(checkProverSpec(spec, cel, policies), [], spec.id);
  const unknown = checkProverSpec(proverSpec('x', 'rego', {}), cel, policies);
  assert.equal(unknown[0]!.code, 'PCQ_PROVER_UNKNOWN_TYPE');
  assert.match(unknown[0]!.hint!, /authority, citations, license, license_registry, metric, opa/);
});

test('anything thrown while proving becomes a fail with evidence, never a pass', async () => {
  const spec = proverSpec('authority:read_entities', 'opa', { policy: 'intelgraph.allow', input: { action: 'read', resource: 'entity' } });
  // A broken policy set (a caller bug) makes the kind throw; runProver turns it into a fail.
  const broken = await runProver(proverContext(spec, { cel, policies: undefined as unknown as PolicySet }));
  assert.equal(broken.result, 'fail');
  assert.match(broken.evidence, /^Not proven: the prover failed/);
  assert.equal((broken.details?.error as { code: string }).code, 'PCQ_INTERNAL');
  // A graph that throws something that is not even an Error.
  const hostile: GraphStore = { backend: 'hostile', query: () => Promise.reject('boom'), close: async () => {} };
  const metric = proverSpec('kpi', 'metric', { query: 'RETURN 1 AS n', assertion: 'n == 1.0' }, 'postcondition');
  const viaGraph = await runProver(proverContext(metric, { cel, graph: hostile }));
  assert.equal(viaGraph.result, 'fail');
  assert.equal(viaGraph.evidence, 'Metric not proven: the query failed (boom)');
});

test('unknown types and cancelled runs are fails', async () => {
  const unknown = await runProver(proverContext(proverSpec('x', 'rego', {}), { cel, policies }));
  assert.deepEqual([unknown.result, unknown.evidence], ['fail', 'Not proven: unknown prover type "rego"']);
  const controller = new AbortController();
  controller.abort();
  const spec = proverSpec('authority:read_entities', 'opa', { policy: 'intelgraph.allow', input: { action: 'read', resource: 'entity' } });
  const cancelled = await runProver(proverContext(spec, { cel, policies, signal: controller.signal }));
  assert.equal(cancelled.result, 'fail');
  assert.match(cancelled.evidence, /cancelled/);
});
