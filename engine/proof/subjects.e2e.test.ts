// Issue 16 acceptance "sha256sum of every exported artifact equals a subject digest in its step's
// statement", as a user checks it: the real `pcq` CLI runs the three sample runbooks on a temp copy
// of the samples, then Debian's `sha256sum` hashes every file under exports/ and outputs/ of each
// execution, and each digest must be a subject of the statement of the step that wrote the file,
// under the file's own name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { decodeEnvelopePayload } from './statement.ts';

const exec = promisify(execFile);
const NODE = resolve('node_modules/.bin/node');
const TSX = resolve('node_modules/tsx/dist/esm/index.mjs');
const MAIN = resolve('engine/cli/main.ts');

async function pcqRun(root: string, file: string): Promise<{ executionDir: string; status: string }> {
  const env = { ...process.env, PCQ_MODE: 'dev', PCQ_ACTOR: 'local:analyst', RUNNER_SECRET: '' };
  const out = await exec(NODE, ['--import', TSX, MAIN, 'run', file, '--as-of', '2026-11-16T00:00:00Z', '--json'], { cwd: root, env, maxBuffer: 1 << 24 }).catch(
    (e: { stdout: string }) => e,
  );
  return JSON.parse(out.stdout) as { executionDir: string; status: string };
}

async function sha256sum(dir: string, names: string[]): Promise<Map<string, string>> {
  if (names.length === 0) return new Map();
  const { stdout } = await exec('sha256sum', names, { cwd: dir });
  return new Map(
    stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(66), line.slice(0, 64)]),
  );
}

test('sha256sum of every exported artifact and output file is a subject digest of its step, under its name', { timeout: 240_000 }, async () => {
  const root = await makeSampleRoot('pcq-subjects-');
  let exportsSeen = 0;
  for (const runbook of ['R1-entity-enrichment.yaml', 'R2-relationship-inference.yaml', 'R3-weekly-report.yaml']) {
    const report = await pcqRun(root, `runbooks/${runbook}`);
    assert.equal(report.status, 'succeeded', runbook);
    const manifest = JSON.parse(await readFile(join(report.executionDir, 'manifest.pcq'), 'utf8')) as {
      steps: Array<{ stepId: string; attestation: unknown }>;
    };
    const statements = new Map(
      manifest.steps.map((s) => [
        s.stepId,
        decodeEnvelopePayload(s.attestation) as {
          subject: Array<{ name: string; digest: { sha256: string } }>;
          predicate: { artifacts: Array<{ name: string }> };
        },
      ]),
    );
    const files = [
      ...(await readdir(join(report.executionDir, 'exports')).catch(() => [] as string[])).map((n) => `exports/${n}`),
      ...(await readdir(join(report.executionDir, 'outputs')).catch(() => [] as string[])).map((n) => `outputs/${n}`),
    ];
    const sums = await sha256sum(report.executionDir, files);
    assert.equal(sums.size, files.length);
    for (const [name, hex] of sums) {
      const stepId = name.startsWith('outputs/')
        ? name.slice(8, -5)
        : [...statements].find(([, st]) => st.predicate.artifacts.some((a) => `exports/${a.name}` === name))?.[0];
      assert.ok(stepId !== undefined && statements.has(stepId), `${runbook}: ${name} belongs to a step`);
      assert.ok(
        statements.get(stepId)!.subject.some((s) => s.name === name && s.digest.sha256 === hex),
        `${runbook}: sha256sum of ${name} is a subject of step ${stepId}`,
      );
      if (name.startsWith('exports/')) exportsSeen++;
    }
  }
  assert.ok(exportsSeen >= 2, `the sample runs export files (${exportsSeen})`);
});
