// The allow-list as `pcq validate` sees it: hostile Cypher in a step's `cypher`, an assertion's
// `query` and a metric prover's `query`, in every YAML scalar style, each refused at the file:line:col
// of the refused word inside the query (issue 10 acceptance, first line). The samples stay valid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadDefaultChecker, validatePaths } from '../../cli/commands/validate.ts';
import { locateInScalar } from './cypher-allow-list.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const TSX = import.meta.resolve('tsx');

const RUNBOOK = `runbookId: hostile
name: Hostile
version: "1"
steps:
  - stepId: plain
    type: query
    cypher: MATCH (n) RETURN n; load FROM '/etc/passwd' RETURN *
  - stepId: quoted
    type: query
    cypher: "MATCH (n) CALL { WITH n CoPy (MATCH (e) RETURN e) TO '/tmp/x.csv' } RETURN n"
  - stepId: literal
    type: mutation
    forEach: "[1]"
    cypher: |
      MATCH (n)
      // LOAD FROM 'in a comment' is not a clause
      WHERE n.name = 'EXPORT DATABASE in a string'
        EXPORT DATABASE '/tmp/dump'
  - stepId: check
    type: assertion
    query: >-
      MATCH (n) RETURN count(n) AS c
      UNION ALL ATTACH '/tmp/x.kuzu' AS x
    assert: ["true"]
provers:
  postconditions:
    kpi:hostile:
      type: metric
      query: 'MATCH (e) RETURN count(e) AS total; INSTALL httpfs'
      assertion: total >= 0.0
`;

test('validate refuses each hostile query at the line and column of the refused word', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-allow-'));
  try {
    const file = join(dir, 'hostile.yaml');
    await writeFile(file, RUNBOOK);
    const result = await validatePaths([file], { checker: await loadDefaultChecker(ROOT) });
    const refused = result.issues.filter((i) => i.code === 'PCQ_CYPHER_REFUSED');
    const lines = RUNBOOK.split('\n');
    const at = (word: string, nth = 0): [number, number] => {
      let seen = 0;
      for (let l = 0; l < lines.length; l++) {
        const line = lines[l] as string;
        if (line.trim().startsWith('//') || line.includes("'EXPORT DATABASE in")) continue;
        const col = line.indexOf(word);
        if (col >= 0 && seen++ === nth) return [l + 1, col + 1];
      }
      throw new Error(word);
    };
    const expected = [at('load FROM'), at('CoPy'), at('EXPORT DATABASE'), at('ATTACH'), at('INSTALL')];
    assert.deepEqual(
      refused.map((i) => [i.location?.line, i.location?.col]),
      expected,
      JSON.stringify(refused, null, 1),
    );
    assert.ok(refused.every((i) => i.location?.file === file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the sample runbooks pass the allow-list', async () => {
  const result = await validatePaths([join(ROOT, 'runbooks')], { checker: await loadDefaultChecker(ROOT) });
  assert.deepEqual(
    result.issues.filter((i) => i.code === 'PCQ_CYPHER_REFUSED'),
    [],
  );
  assert.ok(result.runbooks.length >= 3);
});

test('locateInScalar skips quotes, escapes and indentation', () => {
  const text = 'a:\n  q: "x \\"LOAD\\" LOAD"\n';
  assert.deepEqual(locateInScalar(text, { file: 'f', line: 2, col: 6 }, 'x "LOAD" LOAD', 9), { file: 'f', line: 2, col: 18 });
});

test('CLI: pcq validate prints file:line:col PCQ_CYPHER_REFUSED and exits 3', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-allow-cli-'));
  try {
    await writeFile(join(dir, 'h.yaml'), RUNBOOK);
    const out = await new Promise<{ code: number; stdout: string }>((done) => {
      execFile(
        NODE,
        ['--import', TSX, join(ROOT, 'engine/cli/main.ts'), 'validate', 'h.yaml'],
        { cwd: dir, timeout: 60_000, env: { ...process.env, NODE_OPTIONS: '' } },
        (err, stdout) => {
          done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout });
        },
      );
    });
    assert.equal(out.code, 3, out.stdout);
    assert.match(out.stdout, /^h\.yaml:7:33: PCQ_CYPHER_REFUSED .*`load`/m);
    assert.match(out.stdout, /^h\.yaml:29:51: PCQ_CYPHER_REFUSED .*kpi:hostile/m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
