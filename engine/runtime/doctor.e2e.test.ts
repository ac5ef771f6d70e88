// Issue 13 acceptance, through the real CLI bundle (dist/pcq.mjs): `pcq doctor` exits 0 on a fresh
// sample after a run in dev, and non-zero naming the cause for a revoked runner key, an unparsable
// policy, a missing connector secret, an unreachable configured SMTP server and a policy hash pin
// mismatch. The pin also refuses `pcq run` before anything is written, and the policies digest
// doctor prints is the one signed into the manifest and shown by `pcq verify`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { appendFile, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { snapshotTree } from '../testing/snapshot-tree.ts';
import { runPcq } from '../testing/pcq-cli.ts';

const CLI = resolve('dist/pcq.mjs');
const R2 = 'runbooks/R2-relationship-inference.yaml';
const roots: string[] = [];

const pcq = runPcq;

async function fresh(): Promise<string> {
  const root = await makeSampleRoot('pcq-doctor-');
  roots.push(root);
  return root;
}

type Report = { ready: boolean; policyDigest?: string; checks: Array<{ check: string; ok: boolean; code?: string; message: string }> };
async function doctor(root: string, env: Record<string, string> = {}): Promise<{ code: number; report: Report }> {
  const out = await pcq(root, env, 'doctor', '--json');
  return { code: out.code, report: JSON.parse(out.stdout) as Report };
}
const failures = (r: Report) => r.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${c.code}`);

before(async () => {
  await stat(CLI).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
});
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

test('dev: doctor is ready after a run, and its policies digest is the one the manifest signs and verify shows', async () => {
  const root = await fresh();
  const run = await pcq(root, {}, 'run', R2, '--json');
  assert.equal(run.code, 0, run.stderr);
  const { code, report } = await doctor(root);
  assert.equal(code, 0, JSON.stringify(report, null, 2));
  assert.equal(report.ready, true);
  assert.deepEqual(
    report.checks.map((c) => c.check),
    ['config', 'runner key', 'signer', 'policies', 'graph store', 'connector enrichment', 'notifier', 'clock'],
  );
  const manifest = JSON.parse(await readFile(JSON.parse(run.stdout).manifestPath as string, 'utf8')) as { policyDigest: string };
  assert.equal(manifest.policyDigest, report.policyDigest);
  const verified = await pcq(root, {}, 'verify', JSON.parse(run.stdout).manifestPath as string);
  assert.match(verified.stdout, new RegExp(`policy-digest: policies signed as ${report.policyDigest}`));
  const text = await pcq(root, {}, 'doctor');
  assert.match(text.stdout, /ready \(dev\)\n$/);
});

test('a revoked runner key: doctor fails naming PCQ_KEY_REVOKED', async () => {
  const root = await fresh();
  const key = JSON.parse((await pcq(root, {}, 'keys', 'generate', '--json')).stdout) as { secret: string; publicKey: string };
  await appendFile(
    join(root, 'policies/trust.yaml'),
    `\n  - name: revoked-runner\n    publicKey: ${key.publicKey}\n    roles: [runner]\n    status: revoked\n    validFrom: 2026-01-01T00:00:00Z\n    validUntil: null\n`,
  );
  const { code, report } = await doctor(root, { PCQ_MODE: 'prod', RUNNER_SECRET: key.secret });
  assert.equal(code, 1);
  assert.deepEqual(failures(report), ['runner key: PCQ_KEY_REVOKED']);
  const text = await pcq(root, { PCQ_MODE: 'prod', RUNNER_SECRET: key.secret }, 'doctor');
  assert.match(text.stdout, /✗ runner key: PCQ_KEY_REVOKED/);
  assert.ok(!text.stdout.includes(key.secret));
});

test('an unparsable policy: doctor fails naming the file and PCQ_POLICY_YAML', async () => {
  const root = await fresh();
  await writeFile(join(root, 'policies/authority.yaml'), 'rules: [unclosed\n');
  const { code, report } = await doctor(root);
  assert.equal(code, 1);
  assert.ok(failures(report).includes('policies: PCQ_POLICY_YAML'), failures(report).join());
  assert.ok(report.checks.some((c) => !c.ok && c.message.includes('policies/authority.yaml')));
});

test('a missing connector secret: doctor fails naming the variable', async () => {
  const root = await fresh();
  await appendFile(join(root, 'policies/connectors.yaml'), '  - name: crm\n    baseUrl: https://crm.example.com\n    mode: live\n    auth: { type: bearer }\n');
  const { code, report } = await doctor(root);
  assert.equal(code, 1);
  assert.deepEqual(failures(report), ['connector crm: PCQ_SECRET_MISSING']);
  assert.match(report.checks.find((c) => !c.ok)!.message, /CONNECTOR_CRM_TOKEN/);
  assert.equal((await doctor(root, { CONNECTOR_CRM_TOKEN: 'crm-token-value' })).code, 0);
});

test('an unreachable configured SMTP server: doctor fails naming host:port; a listening one passes', async () => {
  const root = await fresh();
  // doctor only connects and hangs up, so the greeting may meet a reset socket: that is not an error here.
  const server = createServer((s) => {
    s.on('error', () => undefined);
    s.end('220 test\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const open = (server.address() as { port: number }).port;
  const closed = await new Promise<number>((r) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => r(p));
    });
  });
  try {
    const notify = (port: number) =>
      `email:\n  transport: smtp\n  from: pcq@example.com\n  smtp: { host: 127.0.0.1, port: ${port}, secure: false }\nwebhooks: {}\n`;
    await writeFile(join(root, 'policies/notify.yaml'), notify(closed));
    const { code, report } = await doctor(root);
    assert.equal(code, 1);
    assert.deepEqual(failures(report), ['notifier: PCQ_NOTIFY_UNAVAILABLE']);
    assert.match(report.checks.find((c) => !c.ok)!.message, new RegExp(`SMTP server 127.0.0.1:${closed} is unreachable`));
    await writeFile(join(root, 'policies/notify.yaml'), notify(open));
    assert.equal((await doctor(root)).code, 0);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('a policy hash pin: doctor and run refuse a mismatch (run writes nothing); the right pin runs', async () => {
  const root = await fresh();
  const ok = await doctor(root);
  const digest = ok.report.policyDigest!;
  const wrong = 'sha256:' + '0'.repeat(64);
  const { code, report } = await doctor(root, { PCQ_POLICY_HASH: wrong });
  assert.equal(code, 1);
  assert.deepEqual(failures(report), ['policy pin: PCQ_POLICY_HASH_MISMATCH']);
  const before = await snapshotTree(root, ['attestations', '.pcq']);
  const refused = await pcq(root, { PCQ_POLICY_HASH: wrong }, 'run', R2);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /PCQ_POLICY_HASH_MISMATCH .*pins sha256:0{64}/);
  assert.deepEqual(await snapshotTree(root, ['attestations', '.pcq']), before);
  const pinned = await pcq(root, { PCQ_POLICY_HASH: digest }, 'run', R2);
  assert.equal(pinned.code, 0, pinned.stderr);
});

test('escalation channels: doctor names an unset webhook URL variable and an unreachable receiver, never the URL; a listening one passes', async () => {
  const root = await fresh();
  const server = createServer((s) => {
    s.on('error', () => undefined);
    s.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const open = (server.address() as { port: number }).port;
  const closed = await new Promise<number>((r) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => r(p));
    });
  });
  try {
    await appendFile(
      join(root, 'policies/notify.yaml'),
      'escalation:\n  channels:\n    - { type: slack, name: ombuds-slack, urlEnv: PCQ_SLACK_WEBHOOK_URL }\n',
    );
    const unset = await doctor(root);
    assert.equal(unset.code, 1);
    assert.deepEqual(failures(unset.report), ['notifier: PCQ_SECRET_MISSING']);
    assert.match(unset.report.checks.find((c) => !c.ok)!.message, /ombuds-slack needs PCQ_SLACK_WEBHOOK_URL/);
    const down = await pcq(root, { PCQ_SLACK_WEBHOOK_URL: `http://127.0.0.1:${closed}/services/doctorS3cret` }, 'doctor', '--json');
    assert.equal(down.code, 1);
    assert.deepEqual(failures(JSON.parse(down.stdout) as Report), ['notifier: PCQ_NOTIFY_UNAVAILABLE']);
    assert.match(down.stdout, new RegExp(`slack ombuds-slack 127.0.0.1:${closed} is unreachable`));
    assert.ok(!(down.stdout + down.stderr).includes('doctorS3cret'), 'the URL is a secret');
    const up = await pcq(root, { PCQ_SLACK_WEBHOOK_URL: `http://127.0.0.1:${open}/services/doctorS3cret` }, 'doctor');
    assert.equal(up.code, 0, up.stdout);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
