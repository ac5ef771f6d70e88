// Issue 15 acceptance, conditional steps, through the real CLI bundle (dist/pcq.mjs, `npm run
// build`): R4 runs both ways (route=investigate, route=archive), each run verifies, every skipped
// step carries a signed attestation with the condition and its value (or the parent rule), the
// step with one skipped and one completed parent runs, and the replay of each is identical.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleRoot } from '../testing/sample-root.ts';

const exec = promisify(execFile);
const NODE = resolve('node_modules/.bin/node');
const CLI = resolve('dist/pcq.mjs');
const R4 = 'runbooks/R4-alert-triage.yaml';
const AS_OF = '2026-11-16T00:00:00Z';

let root: string;

async function pcq(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(NODE, [CLI, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PCQ_ACTOR: 'local:tester' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface Predicate {
  status: string;
  condition?: { expr: string; value: boolean };
  skipped?: string;
  inputs: unknown;
  outputs: unknown;
}

async function predicates(manifestPath: string): Promise<Record<string, Predicate>> {
  const manifest = JSON.parse(await readFile(resolve(root, manifestPath), 'utf8')) as { steps: Array<{ stepId: string; attestation: { payload: string } }> };
  return Object.fromEntries(
    manifest.steps.map((s) => [s.stepId, (JSON.parse(Buffer.from(s.attestation.payload, 'base64').toString('utf8')) as { predicate: Predicate }).predicate]),
  );
}

before(async () => {
  await stat(CLI).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  root = await makeSampleRoot('pcq-when-');
});

const ROUTES = {
  investigate: {
    ran: ['investigate', 'investigation'],
    skipped: { archive: 'condition-false' },
    report: { route: 'investigate', openAlerts: 4, escalated: 3, archived: 0 },
  },
  archive: {
    ran: ['archive'],
    skipped: { investigate: 'condition-false', investigation: 'parents-skipped' },
    report: { route: 'archive', openAlerts: 4, escalated: 0, archived: 4 },
  },
} as const;

for (const [route, expected] of Object.entries(ROUTES)) {
  test(`R4 with route=${route}: the branch is taken, skipped steps are attested, verify passes, replay is identical`, { timeout: 120_000 }, async () => {
    const run = await pcq('run', R4, '--as-of', AS_OF, '--input', `route=${route}`, '--json');
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { manifestPath: string; executionId: string; merkleRoot: string; status: string };
    assert.equal(report.status, 'succeeded');
    const p = await predicates(report.manifestPath);
    assert.deepEqual(Object.keys(p).sort(), ['archive', 'investigate', 'investigation', 'open-alerts', 'triage', 'triage-report']);
    for (const [stepId, cause] of Object.entries(expected.skipped)) {
      assert.equal(p[stepId]!.status, 'skipped', stepId);
      assert.equal(p[stepId]!.skipped, cause, stepId);
      assert.equal(p[stepId]!.outputs, null, stepId);
      if (cause === 'condition-false') assert.equal(p[stepId]!.condition?.value, false, stepId);
      else assert.equal(p[stepId]!.condition, undefined, stepId);
    }
    for (const stepId of expected.ran) {
      assert.equal(p[stepId]!.status, 'succeeded', stepId);
      assert.equal(p[stepId]!.skipped, undefined, stepId);
    }
    for (const stepId of ['archive', 'investigate']) assert.match(p[stepId]!.condition!.expr, /params\.route ==/);
    // One parent skipped, one completed: triage-report ran and read the skipped one as absent.
    assert.equal(p['triage-report']!.status, 'succeeded');
    assert.deepEqual(p['triage-report']!.outputs, expected.report);

    const verified = await pcq('verify', report.manifestPath, '--json');
    assert.equal(verified.code, 0, verified.stdout);
    const replay = await pcq('replay', report.executionId, '--json');
    assert.equal(replay.code, 0, replay.stdout + replay.stderr);
    assert.equal((JSON.parse(replay.stdout) as { replayedMerkleRoot: string }).replayedMerkleRoot, report.merkleRoot);
  });
}

test('the two routes seal different roots; R4 validates and its plan shows the conditions', async () => {
  const validated = await pcq('validate', R4);
  assert.equal(validated.code, 0, validated.stdout + validated.stderr);
  const plan = await pcq('plan', R4);
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /when: params\.route == 'archive'/);
});
