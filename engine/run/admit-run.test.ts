// One admission for every path that starts steps (admit-run.ts): `pcq run` and a distributed job
// (`pcq run --job`) refuse the same inputs the same way — the same code, exit status and message —
// and write nothing anywhere in the repository. Driven through the CLI's main (the code the built
// bundle runs) in a throw-away copy of the samples, one refusal per gate, in gate order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { main } from '../cli/main.ts';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { snapshotTree } from '../testing/snapshot-tree.ts';

const R1 = 'runbooks/R1-entity-enrichment.yaml';
const AS_OF = '2026-11-16T00:00:00Z';
let root: string;
let runner: { secret: string; publicKey: string };
let stranger: { secret: string; publicKey: string };
let user: { secret: string; publicKey: string };

async function pcq(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PCQ_ACTOR: 'local:tester', ...env },
    cwd: root,
    isTTY: false,
    stdout: (t: string) => void (stdout += t),
    stderr: (t: string) => void (stderr += t),
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const everything = () => snapshotTree(root, ['attestations', '.pcq', 'pcq-out', 'contracts', 'policies', 'runbooks', 'spells']);
const prod = (secret = runner.secret): Record<string, string> => ({ PCQ_MODE: 'prod', RUNNER_SECRET: secret });

/** The refusal both paths give: exit status, the first PCQ_ code and the message line that carries it. */
async function refusals(env: Record<string, string>, ...extra: string[]): Promise<Array<{ exit: number; code: string; line: string }>> {
  const out = [];
  for (const args of [
    ['run', R1, '--as-of', AS_OF, ...extra],
    ['run', R1, '--job', 'graph', '--out', 'pcq-out/job-graph.json', '--as-of', AS_OF, ...extra],
  ]) {
    const before = await everything();
    const r = await pcq(env, ...args);
    assert.deepEqual(await everything(), before, `${args.join(' ')}: a refusal writes nothing`);
    const code = /\b(PCQ_[A-Z0-9_]+)\b/.exec(r.stderr)?.[1] ?? '(none)';
    const line = r.stderr.split('\n').find((l) => l.includes(code)) ?? '';
    out.push({ exit: r.code, code, line });
  }
  return out;
}

async function sameRefusal(expected: string, env: Record<string, string>, ...extra: string[]): Promise<void> {
  const [run, job] = await refusals(env, ...extra);
  assert.equal(run!.code, expected, run!.line);
  assert.notEqual(run!.exit, 0);
  assert.deepEqual(job, run, 'pcq run --job refuses as pcq run does');
}

before(async () => {
  root = await makeSampleRoot('pcq-admit-');
  const keys = async () => JSON.parse((await pcq({}, 'keys', 'generate', '--json')).stdout) as { secret: string; publicKey: string };
  [runner, stranger, user] = [await keys(), await keys(), await keys()];
  await appendFile(
    join(root, 'policies/trust.yaml'),
    `\n  - name: admit-runner\n    publicKey: ${runner.publicKey}\n    roles: [runner]\n    status: active\n    validFrom: 2026-01-01T00:00:00Z\n    validUntil: null\n`,
  );
});
after(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

test('the pause switch', async () => {
  await writeFile(join(root, 'policies/pause.yaml'), 'paused: true\nreason: incident 42\n');
  try {
    await sameRefusal('PCQ_RUNS_PAUSED', prod());
  } finally {
    await unlink(join(root, 'policies/pause.yaml'));
  }
});

test('the policy pin', async () => {
  await sameRefusal('PCQ_POLICY_HASH_MISMATCH', { ...prod(), PCQ_POLICY_HASH: `sha256:${'0'.repeat(64)}` });
});

test('the runner key: missing, then not trusted', async () => {
  const [run] = await refusals({ PCQ_MODE: 'prod' });
  await sameRefusal(run!.code, { PCQ_MODE: 'prod' });
  const [untrusted] = await refusals(prod(stranger.secret));
  assert.notEqual(untrusted!.code, run!.code);
  await sameRefusal(untrusted!.code, prod(stranger.secret));
});

test('the runbook: an input outside its type', async () => {
  const [run] = await refusals(prod(), '--input', 'enrichmentSource=bogus');
  assert.match(run!.code, /^PCQ_INPUT/);
  await sameRefusal(run!.code, prod(), '--input', 'enrichmentSource=bogus');
});

test('the grant: a trusted runner without one is an UnauthorizedRunner', async () => {
  await sameRefusal('PCQ_UNAUTHORIZED_RUNNER', prod());
});

test('the spells: an unsigned bundle, once the runner is granted', async () => {
  const granted = await pcq(
    { ...prod(), PCQ_GRANT_USER_SECRET: user.secret },
    'grant',
    'add',
    '--runner',
    runner.publicKey,
    '--budget',
    '1000',
    '--expires',
    '2099-01-01T00:00:00Z',
  );
  assert.equal(granted.code, 0, granted.stderr);
  await unlink(join(root, 'spells/pcq-normalise-emails/1.0.0/spell.sig.json'));
  await sameRefusal('PCQ_SPELL_UNSIGNED', prod());
});
