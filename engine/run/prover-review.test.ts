// Issue 9 acceptance, through the CLI as a user runs it: a failed precondition and R3's failed
// citation postcondition each open an ombuds ticket {runbookId, failedStep, failedProver, reason,
// assignedTo}, whatever fails downstream, and 0 exports leave: none under any exports/, none
// recorded as released, none attached to a message in the outbox or in effects.json.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleRoot, REPO_ROOT } from '../testing/sample-root.ts';

const exec = promisify(execFile);
const AS_OF = '2026-11-16T00:00:00Z';

// The second step asks for an action the authority policy grants nobody.
const DENIED = `runbookId: PX
name: Precondition denial
version: "1.0"
dataset: intel
steps:
  - stepId: read
    type: query
    cypher: MATCH (e:Entity) RETURN e.id AS id ORDER BY id LIMIT 3
    preconditions: ["authority:read"]
  - stepId: publish-early
    type: export
    needs: [read]
    format: csv
    name: px-early.csv
  - stepId: purge
    type: mutation
    needs: [read]
    cypher: "MATCH (e:Entity {id: $id}) DETACH DELETE e"
    preconditions: ["authority:delete"]
  - stepId: publish
    type: export
    needs: [purge]
    format: csv
    name: px.csv
provers:
  preconditions:
    authority:read: {type: opa, policy: intelgraph.allow, input: {action: read, resource: entity}}
    authority:delete: {type: opa, policy: intelgraph.allow, input: {action: delete, resource: entity}}
`;

// A step fails and no prover does: `failed`, no ticket, still listed beside the queue.
const STEP_FAILS = `runbookId: PF
name: Step failure
version: "1.0"
dataset: intel
steps:
  - stepId: count
    type: query
    cypher: MATCH (e:Entity) RETURN count(e) AS n
  - stepId: check
    type: assertion
    metrics:
      n: size(steps['count'])
    assert: ["n < 0.0"]
`;

let root: string;

async function pcq(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, PCQ_MODE: 'dev', PCQ_ACTOR: 'local:tester' };
  return exec(join(REPO_ROOT, 'node_modules/.bin/node'), ['--import', import.meta.resolve('tsx'), join(REPO_ROOT, 'engine/cli/main.ts'), ...args], {
    cwd: root,
    env,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

type RunJson = {
  executionId: string;
  status: string;
  verdict: string;
  reviewTicket?: string;
  artifacts: Array<{ name: string; state: string }>;
  executionDir: string;
};

before(async () => {
  root = await makeSampleRoot('pcq-prover-review-');
  await writeFile(join(root, 'runbooks/PX-deny.yaml'), DENIED);
  await writeFile(join(root, 'runbooks/PF-fails.yaml'), STEP_FAILS);
  // R3's citations come from MENTIONED_IN: without it every claim cites nothing.
  const mentions = join(root, 'runbooks/data/intel/mentioned_in.csv');
  await writeFile(mentions, (await readFile(mentions, 'utf8')).split('\n')[0] + '\n');
});

async function runAndCheck(file: string, failedStep: string, failedProver: string): Promise<RunJson> {
  const result = await pcq('run', file, '--as-of', AS_OF, '--json');
  assert.equal(result.code, 4, `exit 4 (blocked): ${result.stderr}`);
  const report = JSON.parse(result.stdout) as RunJson;
  assert.equal(report.status, 'blocked');
  assert.equal(report.verdict, 'blocked');
  assert.ok(report.reviewTicket, 'a ticket opened');
  const ticket = await readFile(report.reviewTicket!, 'utf8');
  for (const field of ['runbookId', 'failedStep', 'failedProver', 'reason', 'assignedTo']) assert.match(ticket, new RegExp(`^${field}: \\S`, 'm'), field);
  assert.match(ticket, new RegExp(`^failedStep: ${failedStep}$`, 'm'));
  assert.match(ticket, new RegExp(`^failedProver: "?${failedProver}"?$`, 'm'));
  assert.ok(
    report.artifacts.every((a) => a.state === 'withheld'),
    JSON.stringify(report.artifacts),
  );
  const effects = JSON.parse(await readFile(join(report.executionDir, 'effects.json'), 'utf8')) as Array<{ message?: { attachments?: unknown[] } }>;
  assert.deepEqual(
    effects.filter((e) => (e.message?.attachments ?? []).length > 0),
    [],
    'no message carried an export',
  );
  return report;
}

test('a failed precondition opens a ticket and blocks the run; the export made before it is withheld', async () => {
  const report = await runAndCheck('runbooks/PX-deny.yaml', 'purge', 'authority:delete');
  assert.deepEqual(
    report.artifacts.map((a) => a.name),
    ['px-early.csv'],
  );
});

test("R3's failed citation postcondition opens a ticket although a downstream step fails too", async () => {
  const report = await runAndCheck('runbooks/R3-weekly-report.yaml', 'build-report', 'citations:every-claim');
  assert.deepEqual(report.artifacts.map((a) => a.name).sort(), ['weekly-report.md', 'weekly-report.pdf']);
  const run = JSON.parse(await readFile(join(report.executionDir, 'run.json'), 'utf8')) as { steps: Array<{ stepId: string; status: string }> };
  assert.ok(
    run.steps.some((s) => s.status === 'failed'),
    'a downstream step failed as well',
  );
});

test('0 exports leave: none under exports/, none in the outbox; the queue lists both blocked runs and the failed one', async () => {
  const failed = await pcq('run', 'runbooks/PF-fails.yaml', '--as-of', AS_OF, '--json');
  assert.equal(failed.code, 1, failed.stderr);
  const failedReport = JSON.parse(failed.stdout) as RunJson;
  assert.equal(failedReport.status, 'failed');
  assert.equal(failedReport.reviewTicket, undefined, 'no prover failed: no ticket');
  const all = await filesUnder(root);
  assert.deepEqual(
    all.filter((f) => /[/\\]exports[/\\]/.test(f)),
    [],
  );
  const outbox = all.filter((f) => f.includes(`${join('.pcq', 'outbox')}`) || /[/\\]outbox[/\\]/.test(f));
  for (const f of outbox) assert.doesNotMatch(await readFile(f, 'utf8'), /weekly-report\.(pdf|md)|px(-early)?\.csv/, f);
  const list = await pcq('review', 'list', '--json');
  assert.equal(list.code, 0, list.stderr);
  const queue = JSON.parse(list.stdout) as {
    reviews: Array<{ runbookId: string; failedProver: string; state: string }>;
    failedRuns: Array<{ executionId: string; runbookId: string }>;
  };
  assert.deepEqual(queue.reviews.map((r) => [r.runbookId, r.failedProver, r.state]).sort(), [
    ['PX', 'authority:delete', 'open'],
    ['R3', 'citations:every-claim', 'open'],
  ]);
  assert.deepEqual(
    queue.failedRuns.map((e) => [e.runbookId, e.executionId]),
    [['PF', failedReport.executionId]],
  );
  const text = await pcq('review', 'list');
  assert.match(text.stdout, new RegExp(`Failed runs[^\\n]*\\n\\s+${failedReport.executionId}\\s+PF`));
});
