import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCelEngine } from '../runtime/cel.ts';
import { loadPolicySet } from '../runtime/policy-set.ts';
import { authorityProver } from './authority.ts';
import { runProver } from './registry.ts';
import { proverContext, proverSpec } from './prover-test-kit.ts';
import type { PolicySet } from '../base/proofs.ts';

const cel = createCelEngine();
const policies = await loadPolicySet('policies');
const seedRead = proverSpec('authority:read_entities', 'opa', { policy: 'intelgraph.allow', input: { action: 'read', resource: 'entity' } });
const seedWrite = proverSpec('authority:write_entities', 'opa', { policy: 'intelgraph.allow', input: { action: 'write', resource: 'entity' } });
const prove = (spec = seedRead, actor = 'local:dev', set: PolicySet = policies) => runProver(proverContext(spec, { cel, policies: set, actor }));

test('the seed R1 declarations pass for the local CLI user, with the rule and facts as evidence', async () => {
  const read = await prove(seedRead);
  assert.equal(read.result, 'pass');
  assert.equal(read.prover, 'authority:read_entities');
  assert.equal(read.type, 'authority');
  assert.equal(read.evidence, 'Policy intelgraph.allow allowed local:dev (roles: analyst) to read entity');
  assert.deepEqual(read.details, {
    rule: 'intelgraph.allow',
    actor: 'local:dev',
    input: { action: 'read', resource: 'entity' },
    roles: ['analyst'],
    matchedBy: 'local:*',
    value: true,
  });
  assert.equal((await prove(seedWrite)).result, 'pass');
});

test('a reader may read but not write', async () => {
  assert.equal((await prove(seedRead, 'intern-ivy')).result, 'pass');
  const write = await prove(seedWrite, 'intern-ivy');
  assert.equal(write.result, 'fail');
  assert.match(write.evidence, /^Policy intelgraph.allow denied intern-ivy \(roles: reader\) to write entity/);
});

test('monotonic: unknown actor, unknown rule, missing fact and non-true results all deny', async () => {
  assert.match((await prove(seedRead, 'mallory')).evidence, /actor "mallory" is not in policies\/authority.yaml/);
  assert.match((await prove(seedRead, '')).evidence, /actor "" is not in/);
  // A GitHub login can never match the local pattern.
  assert.equal((await prove(seedRead, 'local')).result, 'fail');
  const unknownRule = await prove(proverSpec('a', 'opa', { policy: 'intelgraph.allwo', input: { action: 'read', resource: 'entity' } }));
  assert.equal(unknownRule.result, 'fail');
  assert.match(unknownRule.evidence, /rule intelgraph.allwo is not defined/);
  const missingFact = await prove(proverSpec('a', 'opa', { policy: 'intelgraph.allow', input: { action: 'read' } }));
  assert.equal(missingFact.result, 'fail');
  assert.match(missingFact.evidence, /could not be evaluated .*resource/);
  const enrichWithoutPurpose = await prove(proverSpec('a', 'authority', { rule: 'intelgraph.enrich', input: { action: 'enrich', resource: 'entity' } }));
  assert.equal(enrichWithoutPurpose.result, 'fail');
  const enrich = await prove(
    proverSpec('a', 'authority', { rule: 'intelgraph.enrich', input: { action: 'enrich', resource: 'entity', purpose: 'contact details' } }),
  );
  assert.equal(enrich.result, 'pass');
  for (const truthy of ["'yes'", '1.0', '[true]', 'input']) {
    const set: PolicySet = { ...policies, rules: { loose: truthy } };
    const result = await prove(proverSpec('a', 'opa', { policy: 'loose', input: { action: 'read' } }), 'local:dev', set);
    assert.equal(result.result, 'fail', truthy);
  }
});

test('an exact login wins over a pattern; the longest pattern wins over a shorter one', async () => {
  const set: PolicySet = { ...policies, actors: { 'local:*': { roles: ['reader'] }, 'local:ci-*': { roles: ['analyst'] }, 'local:ci-eve': { roles: [] } } };
  assert.equal((await prove(seedWrite, 'local:dev', set)).result, 'fail');
  assert.equal((await prove(seedWrite, 'local:ci-1', set)).result, 'pass');
  assert.equal((await prove(seedRead, 'local:ci-eve', set)).result, 'fail');
});

test('check reports missing rule names, unknown rules, bad input and rules that do not compile', () => {
  assert.deepEqual(authorityProver.check(seedRead, cel, policies), []);
  const codes = (spec: ReturnType<typeof proverSpec>, set?: PolicySet) => authorityProver.check(spec, cel, set).map((i) => i.code);
  assert.deepEqual(codes(proverSpec('a', 'opa', { input: { action: 'read' } })), ['PCQ_PROVER_SPEC']);
  assert.deepEqual(codes(proverSpec('a', 'opa', { policy: 'intelgraph.allow', input: 'read' })), ['PCQ_PROVER_SPEC']);
  const unknown = authorityProver.check(proverSpec('a', 'opa', { policy: 'nope' }), cel, policies);
  assert.equal(unknown[0]!.code, 'PCQ_PROVER_UNKNOWN_RULE');
  assert.match(unknown[0]!.hint!, /intelgraph\.allow/);
  assert.deepEqual(unknown[0]!.location, { file: 'runbooks/R1.yaml', line: 7, col: 5 });
  assert.deepEqual(codes(proverSpec('a', 'opa', { policy: 'broken' }), { ...policies, rules: { broken: 'input.action ==' } }), ['PCQ_POLICY_CEL']);
  // Without policies (a runbook checked on its own) the rule name is not resolved.
  assert.deepEqual(codes(proverSpec('a', 'opa', { policy: 'nope' })), []);
});
