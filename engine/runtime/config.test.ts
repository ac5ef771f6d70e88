import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFlagsFromArgs, DEFAULTS, loadConfig, parseByteSize, resolveConfig, type PcqConfig } from './config.ts';
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
  assert.deepEqual(
    { ...c, sources: undefined, entries: undefined, env: undefined, signer: undefined, debug: undefined },
    {
      root: '/repo',
      mode: 'dev',
      concurrency: 4,
      graph: { backend: 'kuzu' },
      attestationsDir: '/repo/attestations',
      outboxDir: '/repo/.pcq/outbox',
      actor: 'local:alice',
      logLevel: 'info',
      secrets: { signingKeyEnv: 'RUNNER_SECRET', required: ['RUNNER_SECRET'] },
      sources: undefined,
      entries: undefined,
      env: undefined,
      signer: undefined,
      debug: undefined,
      vault: {
        backend: 'embedded',
        rpcUrl: 'http://localhost:8000/rpc',
        networkPassphrase: 'Standalone Network ; February 2017',
        contractId: undefined,
        agentRegistryId: undefined,
        finalizeOnError: true,
        pollIntervalMs: 1000,
      },
      timeAnchor: { required: false, timeoutMs: 10000 },
      memoryLimitBytes: DEFAULTS.memoryLimitBytes,
      home: join(homedir(), '.pcq'),
      forceRequireSignature: false,
      logRetention: { days: 14, maxFiles: 500 },
    },
  );
  assert.ok(DEFAULTS.memoryLimitBytes > 64 * 1024 ** 2 && DEFAULTS.memoryLimitBytes <= 2 * 1024 ** 3);
  assert.equal(c.signer.kind, 'env');
  assert.equal(c.debug, false);
  assert.equal(c.sources.concurrency, 'default');
});

test('spell settings: PCQ_HOME, PCQ_FORCE_REQUIRE_SIGNATURE (on only), log retention from env over file', () => {
  const file = { path: '/repo/policies/config.yaml', text: 'logRetention:\n  days: 3\n  maxFiles: 9\n' };
  const c = resolveConfig({ env: { PCQ_HOME: '/h', PCQ_FORCE_REQUIRE_SIGNATURE: 'true', PCQ_LOG_MAX_FILES: '2' }, cwd: '/repo', file, osUser: 'a' });
  assert.equal(c.home, '/h');
  assert.equal(c.forceRequireSignature, true);
  assert.deepEqual(c.logRetention, { days: 3, maxFiles: 2 });
  assert.equal(resolveConfig({ env: { PCQ_FORCE_REQUIRE_SIGNATURE: 'false' }, cwd: '/repo', osUser: 'a' }).forceRequireSignature, false);
  assert.throws(
    () => resolveConfig({ env: { PCQ_FORCE_REQUIRE_SIGNATURE: 'maybe' }, cwd: '/repo', osUser: 'a' }),
    /PCQ_FORCE_REQUIRE_SIGNATURE must be true or false/,
  );
  assert.throws(() => resolveConfig({ env: { PCQ_LOG_RETENTION_DAYS: '-1' }, cwd: '/repo', osUser: 'a' }), /whole number/);
});

test('precedence: flags > env > file > defaults, field by field', () => {
  const file = { path: '/repo/policies/config.yaml', text: 'concurrency: 2\nattestationsDir: out/att\noutboxDir: box\nlogLevel: warn\n' };
  const env = { PCQ_CONCURRENCY: '6', PCQ_OUTBOX_DIR: '/var/outbox' };
  const c = resolveConfig({ flags: { concurrency: '8' }, env, cwd: '/repo', file });
  assert.equal(c.concurrency, 8);
  assert.equal(c.outboxDir, '/var/outbox');
  assert.equal(c.attestationsDir, '/repo/out/att');
  assert.equal(c.logLevel, 'warn');
  assert.deepEqual(
    [c.sources.concurrency, c.sources.outboxDir, c.sources.attestationsDir, c.sources.logLevel, c.sources.mode],
    ['flag', 'env', 'file', 'file', 'default'],
  );
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
  assert.deepEqual(
    issues.map((i) => [i.code, i.details?.variable]),
    [
      ['PCQ_SECRET_MISSING', 'RUNNER_SECRET'],
      ['PCQ_SECRET_MISSING', 'SMTP_PASSWORD'],
    ],
  );
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
  assert.deepEqual(
    issues.map((i) => i.code),
    ['PCQ_DEV_OVERRIDE_FORBIDDEN'],
  );
});

test('bad values from every source are all reported, with file:line:col for the file', () => {
  const text = 'concurrency: 0\ngraph:\n  backend: kuzu\n  pasword: x\nmode: prod\nsecrets:\n  required: [lower-case]\n';
  const issues = issuesOf(() =>
    resolveConfig({ flags: { logLevel: 'loud' }, env: { PCQ_MODE: 'qa', PCQ_CONCURRENCY: 'many' }, cwd: '/r', file: { path: 'policies/config.yaml', text } }),
  );
  const lines = issues.map((i) => `${i.location ? `${i.location.line}:${i.location.col} ` : ''}${i.message}`);
  assert.deepEqual(lines, [
    '5:1 unknown setting "mode".',
    '1:14 concurrency must be a whole number from 1 to 256, got 0.',
    '4:3 unknown setting "graph.pasword".',
    '7:13 secrets.required must be a list of environment variable names.',
    'PCQ_MODE: unknown mode "qa".',
    'PCQ_CONCURRENCY: concurrency must be a whole number from 1 to 256, got "many".',
    '--log-level: unknown log level "loud".',
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
    await assert.rejects(
      loadConfig({ env: { PCQ_CONFIG: 'nope.yaml' }, cwd: empty }),
      (e: unknown) => e instanceof PcqErrors && e.issues[0]!.code === 'PCQ_CONFIG_INVALID',
    );
    await rm(empty, { recursive: true });
  } finally {
    await rm(dir, { recursive: true });
  }
  const shipped = await loadConfig({ env: {}, cwd: repoRoot, osUser: 'u' });
  const defaults = resolveConfig({ env: {}, cwd: repoRoot, osUser: 'u' });
  assert.deepEqual({ ...shipped, sources: {}, entries: {}, configFile: undefined }, { ...defaults, sources: {}, entries: {}, configFile: undefined });
  // The shipped file repeats the defaults: every value is the same, only its origin differs.
  for (const [name, entry] of Object.entries(shipped.entries)) assert.equal(entry.value, defaults.entries[name]?.value, name);
  assert.match(await readFile(join(repoRoot, 'policies', 'config.yaml'), 'utf8'), /PCQ_MODE/);
});

test('configFlagsFromArgs maps parseArgs values to flags', () => {
  assert.deepEqual(configFlagsFromArgs({ concurrency: '2', 'log-level': 'debug', mode: 'prod', json: true }), {
    concurrency: '2',
    logLevel: 'debug',
    mode: 'prod',
  });
});

test('.env.runner sits between the config file and the environment, and its secrets count', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-envfile-'));
  try {
    await mkdir(join(dir, 'policies'));
    await writeFile(join(dir, 'policies/config.yaml'), 'concurrency: 2\nlogLevel: warn\noutboxDir: box\n');
    await writeFile(join(dir, '.env.runner'), `# this machine\nexport PCQ_CONCURRENCY=5\nPCQ_OUTBOX_DIR="from-env-file"\nRUNNER_SECRET=${SEED}\n`);
    const c = await loadConfig({ flags: { logLevel: 'error' }, env: { PCQ_OUTBOX_DIR: 'from-env', PCQ_MODE: 'prod' }, cwd: dir, osUser: 'u' });
    assert.deepEqual(
      [c.entries.concurrency?.source, c.entries.outboxDir?.source, c.entries.logLevel?.source, c.entries.attestationsDir?.source],
      ['env-file', 'env', 'flag', 'default'],
    );
    assert.equal(c.entries.concurrency?.origin, '.env.runner PCQ_CONCURRENCY');
    assert.equal(c.concurrency, 5);
    assert.equal(c.env.RUNNER_SECRET, SEED); // prod is satisfied by the env file's secret
    assert.deepEqual(c.entries['secret RUNNER_SECRET'], { value: '***', source: 'env-file', origin: '.env.runner RUNNER_SECRET', secret: true });
    assert.ok(!JSON.stringify(c.entries).includes(SEED));
    await writeFile(join(dir, '.env.runner'), 'not a line\n');
    await assert.rejects(
      loadConfig({ env: {}, cwd: dir }),
      (err: PcqErrors) => err.issues[0]?.code === 'PCQ_CONFIG_INVALID' && err.issues[0].location?.line === 1,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('prod names every missing secret and every dev-only switch at once', () => {
  const file = { path: 'policies/config.yaml', text: 'secrets: {required: [SMTP_PASSWORD]}\n' };
  const issues = issuesOf(() => resolveConfig({ env: { PCQ_MODE: 'production', PCQ_ALLOW_INSECURE_HTTP: '1' }, cwd: '/r', file }));
  assert.deepEqual(
    issues.map((i) => [i.code, i.details?.variable]),
    [
      ['PCQ_SECRET_MISSING', 'RUNNER_SECRET'],
      ['PCQ_SECRET_MISSING', 'SMTP_PASSWORD'],
      ['PCQ_DEV_OVERRIDE_FORBIDDEN', 'PCQ_ALLOW_INSECURE_HTTP'],
    ],
  );
});

test('the signer decides which secrets prod requires; PCQ_DEBUG=1 means debug lines unless --log-level says otherwise', () => {
  const remote = resolveConfig({ env: { PCQ_SIGNER: 'remote', PCQ_SIGNER_URL: 'http://127.0.0.1:9/', PCQ_DEBUG: '1' }, cwd: '/r' });
  assert.deepEqual(remote.secrets.required, ['PCQ_SIGNER_TOKEN']);
  assert.equal(remote.logLevel, 'debug');
  assert.equal(resolveConfig({ flags: { logLevel: 'warn' }, env: { PCQ_DEBUG: '1' }, cwd: '/r' }).logLevel, 'warn');
  const issues = issuesOf(() => resolveConfig({ env: { PCQ_SIGNER: 'pkcs11', PCQ_MODE: 'prod' }, cwd: '/r' }));
  assert.deepEqual(
    issues.map((i) => i.code),
    ['PCQ_CONFIG_INVALID', 'PCQ_SECRET_MISSING'],
  );
});

test('vault: RUNNER_* variables (runner playbook) over the embedded defaults; soroban needs a contract id', () => {
  const c = resolveConfig({
    env: {
      PCQ_VAULT_BACKEND: 'soroban',
      RUNNER_RPC_URL: 'http://127.0.0.1:9/rpc',
      RUNNER_NETWORK_PASSPHRASE: 'Test SDF Network ; September 2015',
      RUNNER_CONTRACT_ID: 'CCJDYFWYPCHWM5JLM5TZKS2OJM7KAL7A72YI3AYU4BNBZCQFVNLDUCRP',
      RUNNER_FINALIZE_ON_ERROR: 'false',
    },
    cwd: '/repo',
    osUser: 'alice',
  });
  assert.deepEqual(
    [c.vault.backend, c.vault.rpcUrl, c.vault.networkPassphrase, c.vault.finalizeOnError],
    ['soroban', 'http://127.0.0.1:9/rpc', 'Test SDF Network ; September 2015', false],
  );
  assert.throws(() => resolveConfig({ env: { PCQ_VAULT_BACKEND: 'soroban' }, cwd: '/repo', osUser: 'alice' }), /RUNNER_CONTRACT_ID/);
  assert.throws(() => resolveConfig({ env: { RUNNER_FINALIZE_ON_ERROR: 'maybe' }, cwd: '/repo', osUser: 'alice' }), /not a boolean/);
});

test('vault: the usual precedence — env > .env.runner > policies/config.yaml vault: > default, each shown with its origin', () => {
  const file = {
    path: '/repo/policies/config.yaml',
    text: 'vault:\n  backend: soroban\n  rpcUrl: http://file/rpc\n  contractId: CFILE\n  agentRegistryId: CREG\n  finalizeOnError: false\n  pollIntervalMs: 250\n',
  };
  const envFile = { path: '.env.runner', values: { RUNNER_RPC_URL: 'http://envfile/rpc', RUNNER_CONTRACT_ID: 'CENVFILE' } };
  const c = resolveConfig({ env: { RUNNER_CONTRACT_ID: 'CENV' }, file, envFile, cwd: '/repo', osUser: 'alice' });
  assert.deepEqual(
    [c.vault.backend, c.vault.rpcUrl, c.vault.contractId, c.vault.agentRegistryId, c.vault.finalizeOnError, c.vault.pollIntervalMs],
    ['soroban', 'http://envfile/rpc', 'CENV', 'CREG', false, 250],
  );
  assert.deepEqual(
    ['vault.backend', 'vault.rpcUrl', 'vault.contractId', 'vault.networkPassphrase'].map((k) => c.entries[k]!.origin),
    ['policies/config.yaml vault.backend', '.env.runner RUNNER_RPC_URL', 'RUNNER_CONTRACT_ID', 'default vault.networkPassphrase'],
  );
  const bad = issuesOf(() => resolveConfig({ env: {}, file: { path: file.path, text: 'vault:\n  contractID: C\n' }, cwd: '/repo', osUser: 'alice' }));
  assert.match(bad[0]?.message ?? '', /unknown setting "vault.contractID"/);
});

test('the run memory ceiling: PCQ_MEMORY_LIMIT / --memory-limit / memoryLimit, with K/M/G suffixes, at least 64M', () => {
  assert.equal(resolveConfig({ env: { PCQ_MEMORY_LIMIT: '1536M' }, cwd: '/repo' }).memoryLimitBytes, 1536 * 1024 ** 2);
  assert.equal(resolveConfig({ env: { PCQ_MEMORY_LIMIT: '1G' }, flags: { memoryLimit: '3g' }, cwd: '/repo' }).memoryLimitBytes, 3 * 1024 ** 3);
  assert.equal(parseByteSize('1048576'), 1048576);
  assert.equal(parseByteSize('lots'), undefined);
  const issues = issuesOf(() => resolveConfig({ env: { PCQ_MEMORY_LIMIT: '10M' }, cwd: '/repo' }));
  assert.match(issues[0]?.message ?? '', /PCQ_MEMORY_LIMIT: memory limit must be a size of at least 64M/);
});

test('timeAnchor: PCQ_TSA_* over the config file timeAnchor: section; a TSA URL needs a trust file; shown by config show', () => {
  const file = { path: '/repo/policies/config.yaml', text: 'timeAnchor:\n  tsaUrl: http://tsa.example/tsr\n  trust: policies/tsa-ca.pem\n  required: true\n' };
  const c = resolveConfig({ env: { PCQ_TSA_TIMEOUT_MS: '2500' }, cwd: '/repo', osUser: 'a', file });
  assert.deepEqual(c.timeAnchor, { tsaUrl: 'http://tsa.example/tsr', trustFile: '/repo/policies/tsa-ca.pem', required: true, timeoutMs: 2500 });
  assert.equal(c.entries['timeAnchor.tsaUrl']!.origin, 'policies/config.yaml timeAnchor.tsaUrl');
  assert.equal(c.entries['timeAnchor.timeoutMs']!.origin, 'PCQ_TSA_TIMEOUT_MS');
  const env = resolveConfig({ env: { PCQ_TSA_URL: 'http://127.0.0.1:9/tsa', PCQ_TSA_TRUST: '/etc/tsa.pem' }, cwd: '/repo', osUser: 'a', file });
  assert.equal(env.timeAnchor.tsaUrl, 'http://127.0.0.1:9/tsa');
  assert.equal(env.timeAnchor.trustFile, '/etc/tsa.pem');
  const issues = issuesOf(() => resolveConfig({ env: { PCQ_TSA_URL: 'http://tsa.example/tsr', PCQ_TSA_REQUIRED: 'maybe' }, cwd: '/repo', osUser: 'a' }));
  assert.deepEqual(
    issues.map((i) => i.message.split(':')[0]),
    ['timeAnchor.tsaUrl is set but timeAnchor.trust is not.', 'PCQ_TSA_REQUIRED'],
  );
});
