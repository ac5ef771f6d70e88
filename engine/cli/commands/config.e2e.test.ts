// Issue 13 acceptance through the real CLI: `pcq config show --sources` names the right source for
// a value set at each level (default, policies/config.yaml, policies/notify.yaml, .env.runner,
// environment, flag), lists the secrets the signer, notifiers and connectors read as *** or
// (not set), never a value; and in prod with two secrets missing and one dev-only switch on, a
// command stops before doing anything, naming all three, with the catalogue's exit code.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSampleRoot } from '../../testing/sample-root.ts';
import { runPcq } from '../../testing/pcq-cli.ts';
import { exitCodeFor } from '../../base/error-catalogue.ts';

const roots: string[] = [];
after(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

interface Entry {
  value: string;
  source: string;
  origin: string;
}

test('config show --sources: every level wins where it is set; secrets from notify and connectors listed as *** or (not set)', async () => {
  const root = await makeSampleRoot('pcq-config-show-');
  roots.push(root);
  await appendFile(join(root, 'policies/config.yaml'), '\nmemoryLimit: 1G\n');
  await appendFile(
    join(root, 'policies/notify.yaml'),
    'escalation:\n  channels:\n    - { type: slack, name: ombuds-slack, urlEnv: PCQ_SLACK_WEBHOOK_URL }\n  retry: { attempts: 2 }\n',
  );
  await appendFile(
    join(root, 'policies/connectors.yaml'),
    '  - name: partner-api\n    baseUrl: https://partner.example.com\n    mode: live\n    auth: { type: bearer }\n',
  );
  const slackUrl = 'https://hooks.slack.example/services/T1/B2/envfileSECRET42';
  await writeFile(join(root, '.env.runner'), `PCQ_LOG_LEVEL=warn\nPCQ_SLACK_WEBHOOK_URL=${slackUrl}\n`);
  const env = { PCQ_MEMORY_LIMIT: '768M', RUNNER_FINALIZE_ON_ERROR: 'false', PCQ_HOME: join(root, 'home') };
  const r = await runPcq(root, env, 'config', 'show', '--sources', '--json', '--concurrency', '7');
  assert.equal(r.code, 0, r.stderr);
  const shown = JSON.parse(r.stdout) as { mode: string; entries: Record<string, Entry> };
  const src = (k: string): [string, string] => [shown.entries[k]!.value, shown.entries[k]!.source];
  assert.deepEqual(src('concurrency'), ['7', 'flag']); // also set in policies/config.yaml (4)
  assert.deepEqual(src('memoryLimit'), ['768M', 'env']); // over the file's 1G
  assert.deepEqual(src('logLevel'), ['warn', 'env-file']); // over the file's info
  assert.deepEqual(src('attestationsDir'), ['attestations', 'file']);
  assert.deepEqual(src('logRetention.days'), ['14', 'default']);
  assert.deepEqual(src('vault.finalizeOnError'), ['false', 'env']);
  assert.deepEqual(src('home'), [join(root, 'home'), 'env']);
  assert.deepEqual(src('mode'), ['dev', 'default']);
  assert.deepEqual(src('notify.escalation.channels'), ['slack:ombuds-slack', 'file']);
  assert.equal(shown.entries['notify.escalation.retry']!.source, 'file');
  assert.deepEqual(src('notify.email.transport'), ['outbox', 'file']);
  assert.deepEqual(src('secret PCQ_SLACK_WEBHOOK_URL'), ['***', 'env-file']);
  assert.deepEqual(src('secret CONNECTOR_PARTNER_API_TOKEN'), ['(not set)', 'default']);
  assert.deepEqual(src('secret RUNNER_SECRET'), ['(not set)', 'default']);
  assert.ok(shown.entries['secret PCQ_GRANT_USER_SECRET']);
  assert.ok(!r.stdout.includes('envfileSECRET42'), 'no secret value printed');
  // The text form says the same, one line per setting.
  const text = await runPcq(root, env, 'config', 'show', '--sources');
  assert.match(text.stdout, /^logLevel\s+warn\s+env-file\s+\.env\.runner PCQ_LOG_LEVEL$/m);
  assert.match(text.stdout, /^secret PCQ_SLACK_WEBHOOK_URL\s+\*\*\*\s+env-file/m);
});

test('prod with two secrets missing and a dev-only switch on: pcq run stops before anything, naming all three', async () => {
  const root = await makeSampleRoot('pcq-config-prod-');
  roots.push(root);
  const file = join(root, 'policies/config.yaml');
  await writeFile(file, (await readFile(file, 'utf8')).replace('  required: []', '  required: [PCQ_WAREHOUSE_TOKEN]'));
  const before = (await readdir(root)).sort();
  const r = await runPcq(root, { PCQ_MODE: 'production', PCQ_DEV_TRUST_LOCAL_KEYS: 'true' }, 'run', 'runbooks/R1-entity-enrichment.yaml');
  const lines = r.stderr.split('\n').filter((l) => /^PCQ_/.test(l));
  assert.deepEqual(lines.map((l) => l.split(' ')[0]).sort(), ['PCQ_DEV_OVERRIDE_FORBIDDEN', 'PCQ_SECRET_MISSING', 'PCQ_SECRET_MISSING'], r.stderr);
  assert.match(r.stderr, /needs the secret RUNNER_SECRET/);
  assert.match(r.stderr, /needs the secret PCQ_WAREHOUSE_TOKEN/);
  assert.match(r.stderr, /PCQ_DEV_TRUST_LOCAL_KEYS is a development-only switch/);
  assert.equal(r.code, exitCodeFor(['PCQ_SECRET_MISSING', 'PCQ_DEV_OVERRIDE_FORBIDDEN']));
  assert.notEqual(r.code, 0);
  assert.equal(r.stdout, '', 'nothing ran');
  assert.deepEqual((await readdir(root)).sort(), before, 'nothing written: no attestations/, no .pcq/');
  // config show stops the same way; doctor lists the same three as failed checks and is not ready.
  for (const args of [['config', 'show'], ['doctor']]) {
    const other = await runPcq(root, { PCQ_MODE: 'prod', PCQ_DEV_TRUST_LOCAL_KEYS: '1' }, ...args);
    if (args[0] === 'config') assert.equal(other.code, r.code, other.stderr);
    else assert.notEqual(other.code, 0);
    const named = (other.stdout + other.stderr).match(/PCQ_(SECRET_MISSING|DEV_OVERRIDE_FORBIDDEN)/g) ?? [];
    assert.equal(named.length, 3, `${args.join(' ')}: ${other.stdout}${other.stderr}`);
  }
});
