// Acceptance (issue 14, "validate is the run's preflight"): each defect below is refused by the real
// CLI's `pcq validate` with a located, coded error, all of them in one pass; and `pcq run` refuses
// the runbook checks' findings with the same codes, before anything is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const TSX = import.meta.resolve('tsx');

function pcq(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      NODE,
      ['--import', TSX, join(ROOT, 'engine/cli/main.ts'), ...args],
      { cwd, timeout: 120_000, env: { ...process.env, NODE_OPTIONS: '', PCQ_MODE: 'dev', NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** A copy of the repository's runbooks/ and policies/: valid as shipped. */
async function repo(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-preflight-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await cp(join(ROOT, 'runbooks'), join(dir, 'runbooks'), { recursive: true });
  await cp(join(ROOT, 'policies'), join(dir, 'policies'), { recursive: true });
  await cp(join(ROOT, 'spells'), join(dir, 'spells'), { recursive: true });
  return dir;
}

async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  assert.ok(text.includes(from), `${file} contains ${from}`);
  await writeFile(file, text.replace(from, to));
}

test('the shipped runbooks and policies pass the whole preflight', async (t) => {
  const dir = await repo(t);
  const { code, stdout } = await pcq(['validate'], dir);
  assert.equal(code, 0, stdout);
  assert.match(stdout, /^✓ 5 runbooks and 9 policy files valid\n$/m);
});

test('every defect is refused at once, each with its code at file:line:col', async (t) => {
  const dir = await repo(t);
  // a typo'd prover id
  await edit(join(dir, 'runbooks/R1-entity-enrichment.yaml'), 'preconditions: ["authority:write_entities"]', 'preconditions: ["authority:write_entites"]');
  // a dataset outside the repository, through `..` (the schema's pattern already refuses the name)
  await edit(join(dir, 'runbooks/R2-relationship-inference.yaml'), 'dataset: intel', 'dataset: ../../../outside');
  // two runbooks with one id
  await cp(join(dir, 'runbooks/R3-weekly-report.yaml'), join(dir, 'runbooks/R3-copy.yaml'));
  // a button naming a runbook version that does not exist
  await edit(join(dir, 'policies/buttons.yaml'), 'version: "1.0"\n    roles: [maintain, admin]', 'version: "9.9"\n    roles: [maintain, admin]');
  // a malformed trust store and a malformed policy file
  await edit(join(dir, 'policies/trust.yaml'), 'keys:', 'keyz:');
  await writeFile(join(dir, 'policies/licenses.yaml'), 'licenses:\n  - source: api.example.com\n    operations: enrichment\n');
  const { code, stdout, stderr } = await pcq(['validate'], dir);
  assert.equal(code, 3, stdout + stderr);
  const lines = stdout.split('\n');
  const expect = (re: RegExp) =>
    assert.ok(
      lines.some((l) => re.test(l)),
      `${re} in\n${stdout}`,
    );
  expect(/^runbooks\/R1-entity-enrichment\.yaml:\d+:\d+: PCQ_UNKNOWN_PROVER .*"authority:write_entites".* Did you mean "authority:write_entities"\?/);
  expect(/^runbooks\/R2-relationship-inference\.yaml:12:10: PCQ_SCHEMA dataset: "\.\.\/\.\.\/\.\.\/outside" must match/);
  expect(/^runbooks\/R3-weekly-report\.yaml:\d+:\d+: PCQ_DUPLICATE_RUNBOOK_ID |^runbooks\/R3-copy\.yaml:\d+:\d+: PCQ_DUPLICATE_RUNBOOK_ID /);
  expect(/^policies\/buttons\.yaml:\d+:\d+: PCQ_BUTTON_RUNBOOK_MISSING button "infer-relationships" runs R2@9\.9/);
  expect(/^policies\/trust\.yaml:\d+:\d+: PCQ_TRUST_INVALID /);
  expect(/^policies\/licenses\.yaml:3:\d+: PCQ_POLICY_INVALID /);
  assert.match(stdout, /✗ 6 problems in 6 of 15 files\n$/);
  assert.doesNotMatch(stdout + stderr, /\n\s+at .+:\d+:\d+\)?$/m);
});

test('a dataset reached through a symbolic link leading out of the repository is refused by validate and by run, before anything is written', async (t) => {
  const dir = await repo(t);
  const outside = await mkdtemp(join(tmpdir(), 'pcq-outside-'));
  t.after(() => rm(outside, { recursive: true, force: true }));
  await cp(join(dir, 'runbooks/data/intel'), join(outside, 'intel'), { recursive: true });
  await rm(join(dir, 'runbooks/data/intel'), { recursive: true });
  await symlink(join(outside, 'intel'), join(dir, 'runbooks/data/intel'));
  const validated = await pcq(['validate', 'runbooks/R3-weekly-report.yaml'], dir);
  assert.equal(validated.code, 3, validated.stdout);
  assert.match(validated.stdout, /^runbooks\/R3-weekly-report\.yaml:12:10: PCQ_DATASET_OUTSIDE_REPO .*a link to/m);
  const ran = await pcq(['run', 'runbooks/R3-weekly-report.yaml'], dir);
  assert.equal(ran.code, 3, ran.stdout + ran.stderr);
  assert.match(ran.stderr + ran.stdout, /PCQ_DATASET_OUTSIDE_REPO/);
  await assert.rejects(readdir(join(dir, 'attestations')));
});

test('an unknown file in policies/ is a warning with a did-you-mean, a missing dataset an error', async (t) => {
  const dir = await repo(t);
  await writeFile(join(dir, 'policies/ombud.yaml'), 'roster: []\n');
  await edit(join(dir, 'runbooks/R3-weekly-report.yaml'), 'dataset: intel', 'dataset: intell');
  await mkdir(join(dir, 'runbooks/data/empty'));
  const { code, stdout } = await pcq(['validate', '--json'], dir);
  assert.equal(code, 3);
  const result = JSON.parse(stdout) as { issues: Array<{ code: string; severity?: string; hint?: string; location?: { file: string; line: number } }> };
  const unknown = result.issues.find((i) => i.code === 'PCQ_POLICY_UNKNOWN_FILE');
  assert.equal(unknown?.severity, 'warning');
  assert.match(unknown?.hint ?? '', /Did you mean "ombuds\.yaml"\?/);
  const missing = result.issues.find((i) => i.code === 'PCQ_DATASET_NOT_FOUND');
  assert.deepEqual(missing?.location, { file: 'runbooks/R3-weekly-report.yaml', line: 12, col: 10 });
});
