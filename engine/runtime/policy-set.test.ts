import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCelEngine } from './cel.ts';
import { checkPolicyRules, loadPolicySet, parsePolicySet, resolveActor } from './policy-set.ts';
import { PcqErrors } from '../base/errors.ts';

const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PcqErrors);
    return err.issues;
  }
  return assert.fail('expected PcqErrors');
};

test('the repository policies load, and every rule compiles', async () => {
  const set = await loadPolicySet('policies');
  assert.deepEqual(Object.keys(set.rules).sort(), ['intelgraph.allow', 'intelgraph.enrich', 'intelgraph.export']);
  assert.deepEqual(set.actors['local:*']!.roles, ['analyst']);
  assert.ok(set.licenses.some((l) => l.source === 'api.example.com' && l.operations.includes('enrichment')));
  assert.deepEqual(checkPolicyRules(set, createCelEngine()), []);
});

test('absent policy files contribute nothing (so provers deny), they are not errors', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'pcq-policies-'));
  try {
    assert.deepEqual(await loadPolicySet(dir), { rules: {}, actors: {}, licenses: [] });
    await writeFile(path.join(dir, 'licenses.yaml'), 'licenses:\n  - source: x.example\n    operations: lookup\n');
    const issues = await loadPolicySet(dir).then(
      () => [],
      (err: PcqErrors) => err.issues,
    );
    assert.deepEqual(
      issues.map((i) => [i.code, i.location?.file, i.location?.line]),
      [['PCQ_POLICY_INVALID', 'policies/licenses.yaml', 3]],
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('every problem is reported with its line', () => {
  const authority = ['rules:', '  ok: "true"', '  empty: ""', 'actors:', '  alice: {roles: reader}', '  "a*b": {roles: []}', 'extra: 1'].join('\n');
  const issues = issuesOf(() => parsePolicySet({ authority: { file: 'policies/authority.yaml', text: authority } }));
  assert.deepEqual(issues.map((i) => i.location?.line).sort(), [3, 5, 6, 7]);
  const yamlError = issuesOf(() => parsePolicySet({ authority: { file: 'policies/authority.yaml', text: 'rules: {a: "x"\n' } }));
  assert.equal(yamlError[0]!.code, 'PCQ_POLICY_YAML');
  const dup = issuesOf(() => parsePolicySet({ authority: { file: 'a.yaml', text: 'rules:\n  a: "true"\n  a: "false"\n' } }));
  const caseDup = issuesOf(() => parsePolicySet({ authority: { file: 'a.yaml', text: 'actors:\n  Bob: {roles: []}\n  bob: {roles: [analyst]}\n' } }));
  assert.match(caseDup[0]!.message, /listed twice/);
  assert.equal(dup[0]!.code, 'PCQ_POLICY_YAML');
  const broken = checkPolicyRules(parsePolicySet({ authority: { file: 'a.yaml', text: 'rules:\n  bad: "input.x =="\n' } }), createCelEngine());
  assert.deepEqual(
    broken.map((i) => i.code),
    ['PCQ_POLICY_CEL'],
  );
});

test('resolveActor: exact login, then the longest prefix pattern, else unknown', () => {
  const set = parsePolicySet({
    authority: {
      file: 'a.yaml',
      text: 'actors:\n  "local:*": {roles: [analyst]}\n  "local:ci-*": {roles: [reporter]}\n  octocat: {roles: [reader], team: core}\n',
    },
  });
  assert.deepEqual(resolveActor(set, 'octocat'), { roles: ['reader'], team: 'core', login: 'octocat', matchedBy: 'octocat' });
  assert.equal(resolveActor(set, 'local:ci-7')?.matchedBy, 'local:ci-*');
  assert.equal(resolveActor(set, 'local:dev')?.matchedBy, 'local:*');
  assert.equal(resolveActor(set, 'Octocat')?.matchedBy, 'octocat');
  assert.equal(resolveActor(set, 'octocat2'), undefined);
  assert.equal(resolveActor(set, 'local:*')?.matchedBy, 'local:*');
  assert.equal(resolveActor(set, ''), undefined);
  assert.equal(resolveActor(set, 'toString'), undefined);
});
