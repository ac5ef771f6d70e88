import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT } from '../io.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
// Absolute, so the CLI can run from a temp folder as a user would.
const TSX = import.meta.resolve('tsx');
const SEED = 'engine/testing/fixtures/seed-R1-completed.json';

function pcq(args: string[], cwd = ROOT): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(NODE, ['--import', TSX, join(ROOT, 'engine/cli/main.ts'), ...args], { cwd }, (err, stdout, stderr) => {
      done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('CLI: plan of the seed R1 in all three formats', async () => {
  const [text, mermaid, json] = await Promise.all([pcq(['plan', SEED]), pcq(['plan', SEED, '--format', 'mermaid']), pcq(['plan', SEED, '--json'])]);
  for (const r of [text, mermaid, json]) assert.equal(r.code, EXIT.ok, r.stderr);
  assert.match(text.stdout, /^R1 "Entity Enrichment" version 1\.0: 4 steps in 4 levels\n/);
  assert.match(text.stdout, /order: query-entities → fetch-external-data → update-entities → assert-completeness\n$/);
  assert.match(mermaid.stdout, /^flowchart LR\n/);
  assert.match(mermaid.stdout, /\n {2}s_update_entities --> s_assert_completeness\n/);
  const plan = JSON.parse(json.stdout) as { order: string[]; steps: Array<{ stepId: string; preconditions: Array<{ type: string }> }> };
  assert.deepEqual(plan.order, ['query-entities', 'fetch-external-data', 'update-entities', 'assert-completeness']);
  assert.deepEqual(plan.steps[1]!.preconditions, [{ id: 'license:api_access', type: 'license_registry' }]);
});

test('CLI: plan refuses a cyclic runbook with exit 3 and the named cycle at file:line', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-plan-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    join(dir, 'loop.yaml'),
    'runbookId: L\nname: l\nversion: "1"\nsteps:\n  - {stepId: a, type: assertion, needs: [b]}\n  - {stepId: b, type: assertion}\n',
  );
  const { code, stdout, stderr } = await pcq(['plan', 'loop.yaml'], dir);
  assert.equal(code, EXIT.invalid);
  assert.equal(stdout, '');
  assert.match(stderr, /^loop\.yaml:5:\d+: PCQ_CYCLE steps form a cycle: a → b → a — /);
  assert.doesNotMatch(stderr, /\n\s+at /);
});

test('CLI: plan usage errors exit 2', async () => {
  const [none, format] = await Promise.all([pcq(['plan']), pcq(['plan', SEED, '--format', 'svg'])]);
  assert.equal(none.code, EXIT.usage);
  assert.equal(format.code, EXIT.usage);
  assert.match(format.stderr, /PCQ_USAGE plan: unknown format "svg"/);
});
