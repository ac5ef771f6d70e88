// docs/design.md §4: engine/github/octokit-scm.ts is the only place that imports @octokit/*. A second
// importer would spread the client's types and failure modes through the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === 'vectors') continue;
      yield* sourceFiles(path);
    } else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) yield path;
  }
}

test('only engine/github/octokit-scm.ts imports @octokit/*', () => {
  const importers: string[] = [];
  const pattern = /(?:from\s*|import\s*\(\s*|require\s*\(\s*)['"]@octokit\//;
  for (const file of sourceFiles(join(root, 'engine'))) {
    const rel = relative(root, file);
    if (rel.endsWith('.test.ts')) continue;
    if (rel === 'engine/testing/github-emulator-openapi.ts') continue; // reads the OpenAPI JSON file, not the client
    if (pattern.test(readFileSync(file, 'utf8'))) importers.push(rel);
  }
  assert.deepEqual(importers, ['engine/github/octokit-scm.ts']);
});
