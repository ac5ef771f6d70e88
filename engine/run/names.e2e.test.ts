// Issue 10 acceptance "Names cannot collide", through the real CLI bundle (dist/pcq.mjs, `npm run
// build`) in prod: runbook ids, step ids, export names and input names that are the store's own
// names or reach a prototype are refused with exit 3 and their code (validate at file:line:col);
// unknown inputs are refused whatever their spelling; a malformed ticket and a malformed
// recordings file are coded errors naming the file; none of these leaves a file behind, in the
// repository or in the temp folder (no graph database, no replay sandbox).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { grantRunners } from '../testing/grant-runner.ts';
import { runPcq } from '../testing/pcq-cli.ts';
import { snapshotTree } from '../testing/snapshot-tree.ts';

const exec = promisify(execFile);
const NODE = resolve('node_modules/.bin/node');
const CLI = resolve('dist/pcq.mjs');
const R2 = 'runbooks/R2-relationship-inference.yaml';

let root: string;
let tmp: string; // the CLI's own TMPDIR: temp databases and sandboxes would show up here
let secret: string;

async function pcq(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: tmp, PCQ_ACTOR: 'local:tester', PCQ_MODE: 'prod', RUNNER_SECRET: secret };
  return exec(NODE, [CLI, ...args], { cwd: root, env, maxBuffer: 1 << 24 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

const tree = async () => ({ repo: await snapshotTree(root, ['attestations', '.pcq']), tmp: (await readdir(tmp)).sort() });

/** Runs `args`, expects exit 3 with `code` (and `where` in the message), and no file written anywhere. */
async function refused(code: string, where: RegExp, ...args: string[]): Promise<string> {
  const before = await tree();
  const out = await pcq(...args);
  assert.equal(out.code, 3, `${args.join(' ')}: exit ${out.code}\n${out.stderr}${out.stdout}`);
  const printed = out.stderr + out.stdout; // validate reports on stdout, other verbs on stderr
  assert.match(printed, new RegExp(code));
  assert.doesNotMatch(printed, /PCQ_INTERNAL/);
  assert.match(printed, where);
  assert.deepEqual(await tree(), before, `${args.join(' ')} left files behind`);
  return printed;
}

before(async () => {
  await stat(CLI).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  root = await makeSampleRoot('pcq-names-');
  tmp = await mkdtemp(join(tmpdir(), 'pcq-names-tmp-'));
  const key = JSON.parse((await exec(NODE, [CLI, 'keys', 'generate', '--json'], { cwd: root })).stdout) as { secret: string; publicKey: string };
  secret = key.secret;
  await appendFile(
    join(root, 'policies/trust.yaml'),
    `\n  - name: test-runner\n    publicKey: ${key.publicKey}\n    roles: [runner]\n    status: active\n    validFrom: 2026-01-01T00:00:00Z\n    validUntil: null\n`,
  );
  await grantRunners((env, ...args) => runPcq(root, env, ...args), key.publicKey);
});

after(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(tmp, { recursive: true, force: true });
});

async function variant(file: string, edit: (text: string) => string): Promise<string> {
  const text = edit(await readFile(join(root, R2), 'utf8'));
  await writeFile(join(root, 'runbooks', file), text);
  return `runbooks/${file}`;
}

test('runbook ids, step ids, export names and input names that collide with the store or a prototype: exit 3, PCQ_UNSAFE_ID, located, nothing written', async () => {
  const cases: Array<[string, (t: string) => string, RegExp]> = [];
  for (const id of ['index.json', 'reviews', 'tickets', 'constructor', 'R2.lock', 'CON']) {
    cases.push([`id-${id}.yaml`, (t) => t.replace(/^runbookId: R2$/m, `runbookId: ${id}`), /:6:12: PCQ_UNSAFE_ID runbookId/]);
  }
  for (const id of ['index.json', 'constructor', '__proto__']) {
    cases.push([`step-${id}.yaml`, (t) => t.replace(/- stepId: ([a-z-]+)/, `- stepId: ${id}`), /:\d+:\d+: PCQ_UNSAFE_ID stepId/]);
  }
  cases.push([
    'input-proto.yaml',
    (t) => t.replace(/^inputs:\n/m, 'inputs:\n  __proto__: { type: string, default: x }\n'),
    /:\d+:\d+: PCQ_UNSAFE_ID input name "__proto__"/,
  ]);
  cases.push([
    'export-index.yaml',
    (t) =>
      `${t.replace(/\nprovers:/, `\n  - stepId: export-x\n    type: export\n    from: ${/- stepId: ([a-z-]+)/.exec(t)![1]}\n    format: csv\n    name: index.json\n\nprovers:`)}`,
    /:\d+:\d+: PCQ_UNSAFE_ID export name "index.json"/,
  ]);
  for (const [file, edit, where] of cases) {
    const path = await variant(file, edit);
    await refused('PCQ_UNSAFE_ID', where, 'validate', path);
    await refused('PCQ_UNSAFE_ID', where, 'run', path);
    await rm(join(root, path));
  }
});

test('unknown inputs are refused whatever their spelling, __proto__ included (exit 3, PCQ_INPUT_UNKNOWN, nothing written)', async () => {
  for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'nope']) {
    await refused('PCQ_INPUT_UNKNOWN', new RegExp(`no input "${name}"`), 'run', R2, '--input', `${name}=x`);
  }
});

test('a malformed ticket (YAML alias, wrong shape) is a coded error naming the file', async () => {
  await mkdir(join(root, 'attestations/reviews'), { recursive: true });
  for (const [name, text] of [
    ['alias', 'state: &s open\nother: *s\n'],
    ['shape', '- just\n- a list\n'],
  ] as const) {
    const file = join(root, 'attestations/reviews', `${name}.yaml`);
    await writeFile(file, text);
    const stderr = await refused('PCQ_TICKET_MALFORMED', new RegExp(`${name}\\.yaml`), 'review', 'list');
    assert.doesNotMatch(stderr, /PCQ_INTERNAL/);
    await rm(file);
  }
});

test('a replay of a run whose recordings.json is an object, or malformed, is a coded error naming the file, and leaves no temp database or sandbox', async () => {
  const run = await pcq('run', 'runbooks/R1-entity-enrichment.yaml', '--json');
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(await readdir(tmp), [], 'a finished run leaves nothing in the temp folder');
  const { manifestPath, executionId } = JSON.parse(run.stdout) as { manifestPath: string; executionId: string };
  const recordings = join(manifestPath, '..', 'recordings.json');
  const original = await readFile(recordings, 'utf8');
  for (const bad of ['{"key": "sha256:00"}', '[{"key": 1}]', '[1, 2', '"text"']) {
    await writeFile(recordings, bad);
    await refused('PCQ_REPLAY_RECORD_MALFORMED', /recordings\.json/, 'replay', executionId);
  }
  await writeFile(recordings, original);
  const replay = await pcq('replay', executionId, '--json');
  assert.equal(replay.code, 0, replay.stderr);
  assert.deepEqual(await readdir(tmp), [], 'a replay leaves nothing in the temp folder');
});
