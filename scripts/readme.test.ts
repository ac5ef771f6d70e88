// The README's runbook example is what a new user copies first: it must validate and plan, and its
// commands must exist in the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunbook } from '../engine/model/parse-runbook.ts';
import { planRunbook } from '../engine/plan/plan.ts';
import { COMMANDS } from '../engine/cli/commands.ts';
import { REPO_ROOT } from '../engine/testing/sample-root.ts';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

test('the README runbook example validates without warnings and plans', () => {
  const block = /```yaml\n(# yaml-language-server[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'README has a yaml runbook example');
  const parsed = parseRunbook(block, 'README.md');
  assert.deepEqual(parsed.issues, []);
  assert.deepEqual(planRunbook(parsed.runbook!).order, ['query-entities', 'fetch-external-data', 'update-entities', 'assert-completeness']);
});

test('every `pcq <verb>` the README names is a real command', () => {
  const verbs = new Set([...readme.matchAll(/`pcq ([a-z-]+)/g)].map((m) => m[1]!));
  for (const verb of verbs) assert.ok(verb in COMMANDS, `pcq ${verb}`);
  assert.ok(verbs.size >= 8);
});
