// Issue 9 acceptance, through the real CLI bundle (dist/pcq.mjs, `npm run build`): in prod a
// revoked, unlisted, expired, retired or wrong-role runner key, or an asOf in the future, each
// refuse before any step starts with their own code, exit non-zero and write nothing (no file under
// attestations/, no index change, no replay report). An authorized key runs, and `pcq verify` names
// the trust source that vouched for it — the dev overlay loudly, and never outside dev.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { snapshotTree } from '../testing/snapshot-tree.ts';

const exec = promisify(execFile);
const NODE = resolve('node_modules/.bin/node');
const CLI = resolve('dist/pcq.mjs');
const R2 = 'runbooks/R2-relationship-inference.yaml';

let root: string;
const keys: Record<string, { secret: string; publicKey: string }> = {};

async function pcq(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(NODE, [CLI, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PCQ_ACTOR: 'local:tester', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const prod = (name: string) => ({ PCQ_MODE: 'prod', RUNNER_SECRET: keys[name]!.secret });
const written = () => snapshotTree(root, ['attestations', '.pcq']);

before(async () => {
  await stat(CLI).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  root = await makeSampleRoot('pcq-authz-');
  for (const name of ['active', 'revoked', 'expired', 'retired', 'reviewer', 'unlisted']) {
    const out = await pcq({}, 'keys', 'generate', '--json'); // the existing key tooling
    keys[name] = JSON.parse(out.stdout) as { secret: string; publicKey: string };
  }
  const entry = (name: string, fields: string) => `  - name: test-${name}\n    publicKey: ${keys[name]!.publicKey}\n${fields}`;
  await appendFile(
    join(root, 'policies/trust.yaml'),
    '\n' +
      [
        entry('active', '    roles: [runner]\n    status: active\n    validFrom: 2026-01-01T00:00:00Z\n    validUntil: null\n'),
        entry('revoked', '    roles: [runner]\n    status: revoked\n    validFrom: 2026-01-01T00:00:00Z\n    validUntil: null\n'),
        entry('expired', '    roles: [runner]\n    status: active\n    validFrom: 2025-01-01T00:00:00Z\n    validUntil: 2025-12-31T23:59:59Z\n'),
        entry('retired', '    roles: [runner]\n    status: retired\n    validFrom: 2025-01-01T00:00:00Z\n    validUntil: null\n'),
        entry('reviewer', '    roles: [reviewer]\n    status: active\n    validFrom: null\n    validUntil: null\n'),
      ].join(''),
  );
  // Since grants exist (issue 12) a prod run also needs a grant for its runner: a user grants the
  // active test key every runbook, in contracts/grants/ (the committed place prod reads).
  const user = JSON.parse((await pcq({}, 'keys', 'generate', '--json')).stdout) as { secret: string };
  const granted = await pcq(
    { PCQ_GRANT_USER_SECRET: user.secret },
    'grant',
    'add',
    '--runner',
    keys.active!.publicKey,
    '--budget',
    '100000',
    '--expires',
    '2099-01-01T00:00:00Z',
  );
  assert.equal(granted.code, 0, granted.stderr);
});

test('prod: an active listed runner runs, and verify names policies/trust.yaml and the signed authorization', async () => {
  const run = await pcq(prod('active'), 'run', R2, '--json');
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { manifestPath: string; executedBy: string };
  assert.equal(report.executedBy, keys.active!.publicKey);
  const manifest = JSON.parse(await readFile(report.manifestPath, 'utf8')) as { authorization: Record<string, unknown> };
  assert.deepEqual(
    [manifest.authorization.keyName, manifest.authorization.source, manifest.authorization.devOverlay, manifest.authorization.mode],
    ['test-active', 'policies/trust.yaml', false, 'prod'],
  );
  const verified = await pcq({ PCQ_MODE: 'prod' }, 'verify', report.manifestPath, '--json');
  assert.equal(verified.code, 0, verified.stdout);
  const out = JSON.parse(verified.stdout) as { keys: Array<{ role: string; source: string; devOverlay: boolean; name: string }> };
  assert.deepEqual(
    out.keys.map((k) => [k.role, k.name, k.source, k.devOverlay]),
    [['runner', 'test-active', 'policies/trust.yaml', false]],
  );
});

for (const [name, code] of [
  ['revoked', 'PCQ_KEY_REVOKED'],
  ['unlisted', 'PCQ_KEY_UNKNOWN'],
  ['expired', 'PCQ_KEY_NOT_VALID_AT'],
  ['retired', 'PCQ_KEY_NOT_ACTIVE'],
  ['reviewer', 'PCQ_KEY_ROLE_MISSING'],
] as const) {
  test(`prod: a ${name} runner key is refused with ${code} before any step, writing nothing`, async () => {
    const before = await written();
    const run = await pcq(prod(name), 'run', R2);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, new RegExp(`${code} refused before any step started`));
    assert.doesNotMatch(run.stdout, /started|verdict/);
    assert.deepEqual(await written(), before);
  });
}

test('prod: a backdated asOf does not revive an expired key; an asOf in the future is refused', async () => {
  const before = await written();
  const backdated = await pcq(prod('expired'), 'run', R2, '--as-of', '2025-06-01T00:00:00Z');
  assert.notEqual(backdated.code, 0);
  assert.match(backdated.stderr, /PCQ_KEY_NOT_VALID_AT .*not now/);
  const future = await pcq(prod('active'), 'run', R2, '--as-of', new Date(Date.now() + 3600_000).toISOString());
  assert.notEqual(future.code, 0);
  assert.match(future.stderr, /PCQ_AS_OF_IN_FUTURE/);
  assert.deepEqual(await written(), before);
});

test('prod: replay with a revoked key is refused before anything is written', async () => {
  const index = JSON.parse(await readFile(join(root, 'attestations/index.json'), 'utf8')) as { executions: Array<{ executionId: string }> };
  const before = await written();
  const replay = await pcq(prod('revoked'), 'replay', index.executions[0]!.executionId);
  assert.notEqual(replay.code, 0);
  assert.match(replay.stderr, /PCQ_KEY_REVOKED/);
  assert.deepEqual(await written(), before);
});

test('dev: the local key runs through the overlay; verify says so loudly, and prod verify does not trust it', async () => {
  const run = await pcq({ PCQ_MODE: 'dev' }, 'run', R2, '--json');
  assert.equal(run.code, 0, run.stderr);
  const { manifestPath } = JSON.parse(run.stdout) as { manifestPath: string };
  const dev = await pcq({ PCQ_MODE: 'dev' }, 'verify', manifestPath);
  assert.equal(dev.code, 0, dev.stdout);
  assert.match(dev.stdout, /runner G[A-Z2-7]{55} \(dev-runner-local\): vouched for by ⚠ the DEV OVERLAY \.pcq\/trust\.local\.yaml/);
  assert.match(dev.stdout, /authorization: .*authorized in dev mode: dev-runner-local .* listed in the DEV OVERLAY/);
  const strict = await pcq({ PCQ_MODE: 'prod' }, 'verify', manifestPath);
  assert.equal(strict.code, 1);
  assert.match(strict.stdout, /PCQ_KEY_UNKNOWN runner-key/);
  await rm(join(root, '.pcq'), { recursive: true, force: true });
});
