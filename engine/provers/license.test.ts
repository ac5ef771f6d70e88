import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCelEngine } from '../runtime/cel.ts';
import { loadPolicySet } from '../runtime/policy-set.ts';
import { licenseProver, licenseQuestion } from './license.ts';
import { runProver } from './registry.ts';
import { proverContext, proverSpec } from './prover-test-kit.ts';
import type { PolicySet } from '../base/proofs.ts';

const cel = createCelEngine();
const policies = await loadPolicySet('policies');
const prove = (config: Record<string, unknown>, set: PolicySet = policies) =>
  runProver(proverContext(proverSpec('license:api_access', 'license_registry', config), { cel, policies: set }));

test('the seed check form passes against policies/licenses.yaml and names the license', async () => {
  const result = await prove({ check: 'api.example.com allows enrichment' });
  assert.equal(result.result, 'pass');
  assert.equal(result.type, 'license');
  assert.match(result.evidence, /^License registry allows enrichment on api\.example\.com under "Example Enrichment API/);
  assert.equal((result.details as { operation: string }).operation, 'enrichment');
});

test('operations, sources and connectors the registry does not grant fail with the reason', async () => {
  const resale = await prove({ check: 'api.example.com allows resale' });
  assert.equal(resale.result, 'fail');
  assert.equal(resale.evidence, 'Not licensed: api.example.com is licensed for enrichment, lookup, not resale');
  const unknown = await prove({ source: 'api.other.net', operation: 'enrichment' });
  assert.equal(unknown.evidence, 'Not licensed: no license for api.other.net in policies/licenses.yaml');
  const scoped: PolicySet = { ...policies, licenses: [{ source: 'data.example.net', connector: 'vendor-a', operations: ['lookup'] }] };
  assert.equal((await prove({ source: 'data.example.net', operation: 'lookup', connector: 'vendor-a' }, scoped)).result, 'pass');
  assert.equal((await prove({ source: 'data.example.net', operation: 'lookup', connector: 'vendor-b' }, scoped)).result, 'fail');
  // An entry scoped to a connector never grants a caller that names none.
  assert.equal((await prove({ check: 'data.example.net allows lookup' }, scoped)).result, 'fail');
  assert.equal((await prove({ check: 'API.Example.com allows lookup' })).result, 'pass');
});

test('unreadable specs are check issues and, if run anyway, fails', async () => {
  assert.deepEqual(licenseProver.check(proverSpec('l', 'license', { check: 'api.example.com allows enrichment' }), cel), []);
  for (const config of [{ check: 'api.example.com may enrich' }, { check: 42 }, { source: 'api.example.com' }, {}]) {
    const issues = licenseProver.check(proverSpec('l', 'license', config), cel);
    assert.deepEqual(
      issues.map((i) => i.code),
      ['PCQ_PROVER_SPEC'],
      JSON.stringify(config),
    );
    assert.equal((await prove(config)).result, 'fail');
  }
  assert.deepEqual(licenseQuestion(proverSpec('l', 'license', { check: '  registry.example.org allows lookup ', connector: 'reg' })), {
    source: 'registry.example.org',
    operation: 'lookup',
    connector: 'reg',
  });
});
