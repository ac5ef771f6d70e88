import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CATALOGUE, ERROR_CLASSES, classOf, exitCodeFor, isRetryableCode, type ErrorSpec } from './error-catalogue.ts';
import { renderErrorDocs } from './error-docs.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * PCQ_* names that are environment variables, not error codes (policies/config.yaml documents them).
 * A new variable goes here; a new error code goes into the catalogue.
 */
const ENVIRONMENT_VARIABLES = new Set([
  'PCQ_ACTOR',
  'PCQ_AS_OF',
  'PCQ_ATTESTATIONS_DIR',
  'PCQ_CONCURRENCY',
  'PCQ_CONFIG',
  'PCQ_DEV_',
  'PCQ_GRAPH_BACKEND',
  'PCQ_GRAPH_PASSWORD_ENV',
  'PCQ_GRAPH_URI',
  'PCQ_GRAPH_USER',
  'PCQ_LOG_LEVEL',
  'PCQ_MODE',
  'PCQ_TSA_REQUIRED',
  'PCQ_TSA_TIMEOUT_MS',
  'PCQ_TSA_TRUST',
  'PCQ_TSA_URL',
  'PCQ_OUTBOX_DIR',
  'PCQ_REVIEWER_SECRET',
  'PCQ_ROOT',
  'PCQ_SITE_BASE',
  'PCQ_SITE_CACHE',
  'PCQ_SITE_OUT',
  'PCQ_SITE_PAGEFIND',
  'PCQ_SITE_ROOT',
  'PCQ_SITE_URL',
  'PCQ_SMTP_PASS',
  'PCQ_SMTP_USER',
  // crash tests only (base/test-crash.ts): a process kills itself at a named point
  'PCQ_TEST_CRASH_AT',
  // runtime and operations (issue 13): signers, policy pin, debug, dev switches
  'PCQ_SIGNER',
  'PCQ_SIGNER_KEY_FILE',
  'PCQ_PKCS11_PIN_ENV',
  'PCQ_PKCS11_PIN',
  'PCQ_PKCS11_MODULE',
  'PCQ_PKCS11_TOKEN',
  'PCQ_PKCS11_KEY',
  'PCQ_SIGNER_URL',
  'PCQ_SIGNER_TOKEN_ENV',
  'PCQ_SIGNER_TOKEN',
  'PCQ_POLICY_HASH',
  'PCQ_DEBUG',
  'PCQ_DEV_TRUST_LOCAL_KEYS',
  'PCQ_ALLOW_INSECURE_HTTP',
  // grants (issue 12)
  'PCQ_VAULT_BACKEND',
  'PCQ_GRANT_USER_SECRET',
  // containment (issue 10): the run's memory ceiling
  'PCQ_MEMORY_LIMIT',
  'PCQ_HOME',
  'PCQ_FORCE_REQUIRE_SIGNATURE',
  'PCQ_LOG_RETENTION_DAYS',
  'PCQ_LOG_MAX_FILES',
  'PCQ_SPELL_INPUT',
  'PCQ_SPELL_OUTPUT',
  'PCQ_SPELL_BUNDLE',
  'PCQ_SPELL_WORKDIR',
]);

/** Shipped source: what pcq runs (engine, scripts, the site), without tests, fixtures and this table. */
const SOURCE_DIRS = ['engine', 'scripts', 'site/src', 'site/astro.config.mjs'];
const SOURCE_FILE = /\.(ts|mjs|js|astro)$/;
const SKIP = /(^|\/)(node_modules|dist|testing|\.astro)(\/|$)|\.test\.ts$|^engine\/base\/error-(catalogue|docs)\.ts$/;

async function sourceFiles(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    if (SKIP.test(rel)) return;
    const entries = await readdir(join(ROOT, rel), { withFileTypes: true }).catch(() => null);
    if (entries === null) {
      if (SOURCE_FILE.test(rel)) out.push(rel);
      return;
    }
    for (const e of entries) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(child);
      else if (SOURCE_FILE.test(e.name) && !SKIP.test(child)) out.push(child);
    }
  };
  for (const dir of SOURCE_DIRS) await walk(dir);
  return out.sort();
}

/**
 * Codes as source code uses them: a PCQ_* name right after a quote or backtick (`code: 'PCQ_X'`,
 * `stepError(…, 'PCQ_X', …)`, console.error(`PCQ_X: …`)). Names in comments and prose are ignored.
 */
async function usedNames(): Promise<Map<string, string>> {
  const used = new Map<string, string>();
  for (const rel of await sourceFiles()) {
    const text = await readFile(join(ROOT, rel), 'utf8');
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      for (const m of line.matchAll(/['"`](PCQ_[A-Z0-9_]+)/g)) if (!used.has(m[1]!)) used.set(m[1]!, `${relative(ROOT, join(ROOT, rel))}:${i + 1}`);
    });
  }
  return used;
}

test('every code source uses is in the catalogue, and every catalogued code is used', async () => {
  const used = await usedNames();
  const missing = [...used].filter(([name]) => !(name in ERROR_CATALOGUE) && !ENVIRONMENT_VARIABLES.has(name));
  assert.deepEqual(
    missing.map(([name, where]) => `${name} (${where})`),
    [],
    'codes used but not declared in engine/base/error-catalogue.ts (an environment variable goes into ENVIRONMENT_VARIABLES above)',
  );
  const unused = Object.keys(ERROR_CATALOGUE).filter((code) => !used.has(code));
  assert.deepEqual(unused, [], 'codes declared in engine/base/error-catalogue.ts that no source file uses');
  const clash = [...ENVIRONMENT_VARIABLES].filter((name) => name in ERROR_CATALOGUE);
  assert.deepEqual(clash, []);
});

test("scripts that print a code exit with its class's exit code", async () => {
  const scripts = (await sourceFiles()).filter((f) => f.startsWith('scripts/') && f.endsWith('.mjs'));
  let checked = 0;
  for (const rel of scripts) {
    const lines = (await readFile(join(ROOT, rel), 'utf8')).split('\n');
    lines.forEach((line, i) => {
      const code = /console\.error\(['"`](PCQ_[A-Z0-9_]+)/.exec(line)?.[1];
      if (code === undefined || !(code in ERROR_CATALOGUE)) return;
      const exit = lines
        .slice(i, i + 4)
        .join('\n')
        .match(/process\.exit\((\d+)\)/)?.[1];
      if (exit === undefined) return;
      checked++;
      assert.equal(Number(exit), ERROR_CLASSES[classOf(code)].exitCode, `${rel}:${i + 1} prints ${code} but exits ${exit}`);
    });
  }
  assert.ok(checked >= 5, `${checked} script exits checked`);
});

test('every row is well formed: a PCQ_ name, a known class, a summary and a hint', () => {
  for (const [code, spec] of Object.entries(ERROR_CATALOGUE) as Array<[string, ErrorSpec]>) {
    assert.match(code, /^PCQ_[A-Z0-9]+(_[A-Z0-9]+)*$/);
    assert.ok(spec.class in ERROR_CLASSES, `${code}: class ${spec.class}`);
    assert.ok(spec.summary.length > 0 && spec.hint.length > 0, code);
  }
});

test('only transient codes are retryable; exit codes follow the class, the most serious first', () => {
  for (const [name, cls] of Object.entries(ERROR_CLASSES)) assert.equal(cls.retryable, name === 'transient', name);
  assert.equal(isRetryableCode('PCQ_STEP_TIMEOUT'), true);
  assert.equal(isRetryableCode('PCQ_CEL_EVAL'), false);
  assert.equal(isRetryableCode('PCQ_NOT_A_CODE'), false);
  assert.equal(classOf('PCQ_NOT_A_CODE'), 'internal');
  assert.deepEqual(
    [ERROR_CLASSES.usage.exitCode, ERROR_CLASSES['invalid-input'].exitCode, ERROR_CLASSES['failed-check'].exitCode, ERROR_CLASSES.internal.exitCode],
    [2, 3, 1, 70],
  );
  assert.equal(exitCodeFor(['PCQ_USAGE']), 2);
  assert.equal(exitCodeFor(['PCQ_USAGE', 'PCQ_SCHEMA']), 3);
  assert.equal(exitCodeFor(['PCQ_SCHEMA', 'PCQ_KEY_REVOKED']), 1);
  assert.equal(exitCodeFor(['PCQ_KEY_REVOKED', 'PCQ_INDEX_LOCKED']), 75);
  assert.equal(exitCodeFor(['PCQ_INDEX_LOCKED', 'PCQ_INTERNAL']), 70);
  assert.equal(exitCodeFor([]), 70);
});

test('docs/ERRORS.md is generated from the catalogue and up to date (npm run docs:errors)', async () => {
  const committed = await readFile(join(ROOT, 'docs/ERRORS.md'), 'utf8');
  assert.equal(committed, renderErrorDocs(), 'docs/ERRORS.md is stale: run `npm run docs:errors`');
  for (const code of Object.keys(ERROR_CATALOGUE)) assert.ok(committed.includes(`\`${code}\``), code);
});
