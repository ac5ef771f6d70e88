import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../main.ts';
import type { CliIo } from '../io.ts';
import { EXIT } from '../io.ts';
import { validatePaths } from './validate.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
// Absolute, so the CLI can run from a temp folder as a user would.
const TSX = import.meta.resolve('tsx');
const HOSTILE = 'engine/testing/fixtures/hostile';

function pcq(args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(NODE, ['--import', TSX, join(ROOT, 'engine/cli/main.ts'), ...args], { cwd, env: { ...process.env, NODE_OPTIONS: '' } }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** In-process run through the same dispatcher, for the many small cases. */
async function pcqInProcess(args: string[], cwd = ROOT) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    isTTY: false,
    env: {},
    cwd,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const NO_STACK = /\n\s+at .+:\d+:\d+\)?$/m;

test('CLI: validate on a folder of every hostile fixture exits 3, one coded line per file, no stack trace', async () => {
  const { code, stdout, stderr } = await pcq(['validate', `${HOSTILE}/`]);
  assert.equal(code, EXIT.invalid);
  for (const [file, codeName, line] of [
    ['alias-bomb.yaml', 'PCQ_YAML_ALIASES', 5],
    ['circular-alias.yaml', 'PCQ_YAML_CIRCULAR_ALIAS', 9],
    ['duplicate-key.yaml', 'PCQ_YAML_DUPLICATE_KEY', 9],
    ['syntax-error.yaml', 'PCQ_YAML_SYNTAX', 7],
    ['too-deep-flow.yaml', 'PCQ_YAML_TOO_DEEP', 2],
    ['too-deep.yaml', 'PCQ_YAML_TOO_DEEP', 71],
    ['too-large.yaml', 'PCQ_YAML_TOO_LARGE', 1],
    ['unknown-tag-js.yaml', 'PCQ_YAML_UNKNOWN_TAG', 8],
    ['unknown-tag-local.yaml', 'PCQ_YAML_UNKNOWN_TAG', 8],
  ] as const) {
    assert.match(stdout, new RegExp(`^${HOSTILE}/${file.replace('.', '\\.')}:${line}:\\d+: ${codeName} .+ — .+$`, 'm'), file);
  }
  assert.match(stdout, /✗ 9 problems in 9 of \d+ files\n$/);
  assert.doesNotMatch(stdout + stderr, NO_STACK);
});

test('each hostile fixture alone exits non-zero with its code', async () => {
  for (const file of [
    'alias-bomb.yaml',
    'circular-alias.yaml',
    'duplicate-key.yaml',
    'syntax-error.yaml',
    'too-deep-flow.yaml',
    'too-deep.yaml',
    'too-large.yaml',
    'unknown-tag-js.yaml',
    'unknown-tag-local.yaml',
  ]) {
    const { code, stdout } = await pcqInProcess(['validate', `${HOSTILE}/${file}`]);
    assert.equal(code, EXIT.invalid, file);
    assert.match(stdout, new RegExp(`^${HOSTILE}/${file.replace('.', '\\.')}:\\d+:\\d+: PCQ_YAML_`, 'm'), file);
  }
});

test('CLI: `pcq validate` defaults to runbooks/ and exits 0 on a good runbook; data/ is not read', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-validate-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'runbooks', 'data'), { recursive: true });
  // The run reads policies/authority.yaml for the rule the seed's opa provers name; so does validate.
  await mkdir(join(dir, 'policies'));
  await cp(join(ROOT, 'policies/authority.yaml'), join(dir, 'policies/authority.yaml'));
  await cp(join(ROOT, 'engine/testing/fixtures/seed-R1-completed.json'), join(dir, 'runbooks', 'R1.json'));
  await writeFile(join(dir, 'runbooks', 'data', 'entities.yaml'), 'whatever: [\n');
  const { code, stdout, stderr } = await pcq(['validate'], dir);
  assert.equal(stderr, '');
  assert.equal(code, EXIT.ok, stdout);
  assert.equal(stdout, '✓ 1 runbook and 1 policy file valid\n');
});

test('the verbatim seed R1 is refused for the prover it never declares; the sample that declares it validates', async () => {
  const { code, stdout } = await pcqInProcess(['validate', 'engine/testing/fixtures/seed-R1.json']);
  assert.equal(code, EXIT.invalid);
  assert.equal(
    stdout.split('\n')[0],
    'engine/testing/fixtures/seed-R1.json:26:25: PCQ_UNKNOWN_PROVER step "update-entities" names prover "authority:write_entities", which is not declared under provers.preconditions — Declare it under provers.preconditions, or fix the id. (declared: authority:read_entities, license:api_access)',
  );
  assert.match(stdout, /✗ 1 problem in 1 of \d+ files?\n$/);
  const completed = await pcqInProcess(['validate', 'engine/testing/fixtures/seed-R1-completed.json']);
  assert.equal(completed.code, EXIT.ok, completed.stdout);
});

test('schema and graph problems are reported together, with --json', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-validate-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    join(dir, 'bad.yaml'),
    'runbookId: B\nname: b\nversion: "1"\nsteps:\n  - {stepId: a, type: query, cyper: x, needs: [b]}\n  - {stepId: b, type: assertion}\n',
  );
  const { code, stdout } = await pcqInProcess(['validate', 'bad.yaml', '--json'], dir);
  assert.equal(code, EXIT.invalid);
  const result = JSON.parse(stdout) as { ok: boolean; files: string[]; issues: Array<{ code: string; location: { file: string; line: number } }> };
  assert.equal(result.ok, false);
  assert.deepEqual(result.files, ['bad.yaml']);
  assert.deepEqual(
    result.issues.map((i) => [i.code, i.location.file, i.location.line]),
    [
      ['PCQ_SCHEMA', 'bad.yaml', 5],
      ['PCQ_SCHEMA', 'bad.yaml', 5],
      ['PCQ_CYCLE', 'bad.yaml', 5],
    ],
  );
});

test('usage: --help exits 0, an unknown flag exits 2, a missing folder is a coded problem', async () => {
  assert.equal((await pcqInProcess(['validate', '--help'])).code, EXIT.ok);
  const bad = await pcqInProcess(['validate', '--frobnicate']);
  assert.equal(bad.code, EXIT.usage);
  assert.match(bad.stderr, /^PCQ_USAGE /);
  const missing = await pcqInProcess(['validate', 'no/such/dir']);
  assert.equal(missing.code, EXIT.invalid);
  assert.match(missing.stdout, /PCQ_FILE_NOT_FOUND/);
});

test('a step-kind checker, when given, adds its issues only for otherwise valid runbooks', async () => {
  const seen: string[] = [];
  const checker = (rb: { runbookId: string }) => {
    seen.push(rb.runbookId);
    return [{ code: 'PCQ_STEP_CONFIG' as const, message: 'from the kind', location: { file: 'x', line: 1, col: 1 } }];
  };
  const result = await validatePaths([join(ROOT, 'engine/testing/fixtures/seed-R1-completed.json'), join(ROOT, 'engine/testing/fixtures/seed-R1.json')], {
    checker,
  });
  // The seed's undeclared prover is an error, so the checker runs on the completed sample only.
  assert.deepEqual(seen, ['R1']);
  assert.deepEqual(
    result.issues.map((i) => i.code),
    ['PCQ_STEP_CONFIG', 'PCQ_UNKNOWN_PROVER'],
  );
  const crashing = await validatePaths([join(ROOT, 'engine/testing/fixtures/seed-R1-completed.json')], {
    checker: () => {
      throw new Error('boom');
    },
  });
  assert.deepEqual(
    crashing.issues.map((i) => i.code),
    ['PCQ_CHECK_CRASHED'],
  );
});

test("the default checker runs each prover kind's own check, located at the declaration", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-validate-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    join(dir, 'k.yaml'),
    'runbookId: K\nname: k\nversion: "1"\nsteps:\n  - {stepId: a, type: assertion, postconditions: [m]}\nprovers:\n  postconditions:\n    m: {type: metric}\n',
  );
  const { code, stdout } = await pcqInProcess(['validate', 'k.yaml'], dir);
  assert.equal(code, EXIT.invalid);
  assert.match(stdout, /^k\.yaml:8:5: PCQ_PROVER_SPEC /m);
});
