import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFlagsFromArgs, loadConfig, resolveConfig, type PcqConfig } from './config.ts';
import { PcqErrors, type PcqIssue } from '../base/errors.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const SEED = 'SBZVMB74Z76QZ3ZOY7UTDFYKMEGKW5XFJEB6PFKBF4UYSSWHG4EDH7PY';

function issuesOf(fn: () => unknown): PcqIssue[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PcqErrors, `expected PcqErrors, got ${String(err)}`);
    return err.issues;
  }
  assert.fail('expected an error');
}

test('embedded defaults in dev mode with no file and no environment', () => {
  const c = resolveConfig({ env: {}, cwd: '/repo', osUser: 'alice' });
  assert.deepEqual({ ...c, sources: undefined }, {
    root: '/repo', mode: 'dev', concurrency: 4, graph: { backend: 'kuzu' },
    attestationsDir: '/repo/attestations', outboxDir: '/repo/.pcq/outbox', actor: 'local:alice', logLevel: 'info',
    secrets: { signingKeyEnv: 'RUNNER_SECRET', required: ['RUNNER_SECRET'] }, sources: undefined,
  });
  assert.equal(c.sources.concurrency, 'default');
});

test('precedence: flags > env > file > defaults, field by field', () => {
  const file = { path: '/repo/policies/config.yaml', text: 'concurrency: 2\nattestationsDir: out/att\noutboxDir: box\nlogLevel: warn\n' };
  const env = { PCQ_CONCURRENCY: '6', PCQ_OUTBOX_DIR: '/var/outbox' };
  const c = resolveConfig({ flags: { concurrency: '8' }, env, cwd: '/repo', file });
  assert.equal(c.concurrency, 8);
  assert.equal(c.outboxDir, '/var/outbox');
  assert.equal(c.attestationsDir, '/repo/out/att');
  assert.equal(c.logLevel, 'warn');
  assert.deepEqual([c.sources.concurrency, c.sources.outboxDir, c.sources.attestationsDir, c.sources.logLevel, c.sources.mode], ['flag', 'env', 'file', 'file', 'default']);
  assert.equal(resolveConfig({ env, cwd: '/repo', file }).concurrency, 6);
  assert.equal(resolveConfig({ env: {}, cwd: '/repo', file }).concurrency, 2);
});

test('the actor: --actor, then PCQ_ACTOR, then GITHUB_ACTOR, then local:<OS user>', () => {
  const actor = (flags: { actor?: string }, env: Record<string, string>): string => resolveConfig({ flags, env, cwd: '/r', osUser: 'os-user' }).actor;
  assert.equal(actor({ actor: 'flag-user' }, { PCQ_ACTOR: 'p', GITHUB_ACTOR: 'g' }), 'flag-user');
  assert.equal(actor({}, { PCQ_ACTOR: 'p', GITHUB_ACTOR: 'g' }), 'p');
  assert.equal(actor({}, { GITHUB_ACTOR: 'octocat' }), 'octocat');
  assert.equal(actor({}, {}), 'local:os-user');
});

test('staging and prod fail fast on every missing secret, naming the variable and never a value', () => {
  const file = { path: 'policies/config.yaml', text: 'graph: {backend: neo4j}\nsecrets: {required: [SMTP_PASSWORD]}\n' };
  const issues = issuesOf(() => resolveConfig({ env: { PCQ_MODE: 'production', NEO4J_PASSWORD: 'pw-value-1' }, cwd: '/r', file }));
  assert.deepEqual(issues.map((i) => [i.code, i.details?.variable]), [['PCQ_SECRET_MISSING', 'RUNNER_SECRET'], ['PCQ_SECRET_MISSING', 'SMTP_PASSWORD']]);
  assert.match(issues[0]!.message, /PCQ_MODE=prod needs the secret RUNNER_SECRET/);
  assert.ok(!JSON.stringify(issues).includes('pw-value-1'));
  const ok = resolveConfig({ env: { PCQ_MODE: 'staging', RUNNER_SECRET: SEED, NEO4J_PASSWORD: 'pw', SMTP_PASSWORD: 'x' }, cwd: '/r', file });
  assert.equal(ok.mode, 'staging');
  assert.deepEqual(ok.graph, { backend: 'neo4j', uri: 'bolt://localhost:7687', user: 'neo4j', passwordEnv: 'NEO4J_PASSWORD' });
  assert.deepEqual(ok.secrets.required, ['RUNNER_SECRET', 'NEO4J_PASSWORD', 'SMTP_PASSWORD']);
  // dev runs without them
  assert.equal(resolveConfig({ env: {}, cwd: '/r', file }).mode, 'dev');
});

test('prod refuses development-only switches', () => {
  const issues = issuesOf(() => resolveConfig({ env: { PCQ_MODE: 'prod', RUNNER_SECRET: SEED, PCQ_DEV_TRUST_LOCAL_KEYS: 'true' }, cwd: '/r' }));
  assert.deepEqual(issues.map((i) => i.code), ['PCQ_DEV_OVERRIDE_FORBIDDEN']);
});

test('bad values from every source are all reported, with file:line:col for the file', () => {
  const text = 'concurrency: 0\ngraph:\n  backend: kuzu\n  pasword: x\nmode: prod\nsecrets:\n  required: [lower-case]\n';
  const issues = issuesOf(() => resolveConfig({ flags: { logLevel: 'loud' }, env: { PCQ_MODE: 'qa', PCQ_CONCURRENCY: 'many' }, cwd: '/r', file: { path: 'policies/config.yaml', text } }));
  const lines = issues.map((i) => `${i.location ? `${i.location.line}:${i.location.col} ` : ''}${i.message}`);
  assert.deepEqual(lines, [
    '5:1 unknown setting "mode".',
    '1:14 concurrency must be a whole number from 1 to 256, got 0.',
    '4:3 unknown setting "graph.pasword".',
    '7:13 secrets.required must be a list of environment variable names.',
    'PCQ_MODE: unknown mode "qa".',
    'PCQ_CONCURRENCY: concurrency must be a whole number from 1 to 256, got "many".',
    '--logLevel: unknown log level "loud".',
  ]);
  assert.ok(issues.every((i) => i.code === 'PCQ_CONFIG_INVALID' && typeof i.hint === 'string'));
  assert.match(issues[0]!.hint!, /PCQ_MODE/);
  const syntax = issuesOf(() => resolveConfig({ env: {}, cwd: '/r', file: { path: 'c.yaml', text: 'concurrency: [1,\n' } }));
  assert.equal(syntax[0]!.code, 'PCQ_CONFIG_INVALID');
  assert.equal(syntax[0]!.location?.file, 'c.yaml');
});

test('loadConfig reads policies/config.yaml under the root, and the shipped file holds the defaults', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-config-'));
  try {
    await mkdir(join(dir, 'policies'));
    await writeFile(join(dir, 'policies', 'config.yaml'), 'concurrency: 3\n');
    const c: PcqConfig = await loadConfig({ env: {}, cwd: dir, osUser: 'u' });
    assert.equal(c.concurrency, 3);
    assert.equal(c.configFile, join(dir, 'policies', 'config.yaml'));
    // A missing default file is fine; a missing explicit one is an error.
    const empty = await mkdtemp(join(tmpdir(), 'pcq-config-'));
    assert.equal((await loadConfig({ env: {}, cwd: empty })).concurrency, 4);
    await assert.rejects(loadConfig({ env: { PCQ_CONFIG: 'nope.yaml' }, cwd: empty }), (e: unknown) => e instanceof PcqErrors && e.issues[0]!.code === 'PCQ_CONFIG_INVALID');
    await rm(empty, { recursive: true });
  } finally {
    await rm(dir, { recursive: true });
  }
  const shipped = await loadConfig({ env: {}, cwd: repoRoot, osUser: 'u' });
  const defaults = resolveConfig({ env: {}, cwd: repoRoot, osUser: 'u' });
  assert.deepEqual({ ...shipped, sources: {}, configFile: undefined }, { ...defaults, sources: {}, configFile: undefined });
  assert.match(await readFile(join(repoRoot, 'policies', 'config.yaml'), 'utf8'), /PCQ_MODE/);
});

test('configFlagsFromArgs maps parseArgs values to flags', () => {
  assert.deepEqual(configFlagsFromArgs({ concurrency: '2', 'log-level': 'debug', mode: 'prod', json: true }), { concurrency: '2', logLevel: 'debug', mode: 'prod' });
});
