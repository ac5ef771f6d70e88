// Issue 14 §6: every `--json` output carries schemaVersion and is documented by a JSON Schema in
// schemas/cli/. Through the real CLI (dist/pcq.mjs), each verb's actual JSON is validated against
// its schema with ajv: a field renamed or dropped in code, or a schema that does not describe what
// the CLI prints, fails here. The error document (any verb stopping on coded errors) too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { runPcq } from '../testing/pcq-cli.ts';
import { COMMANDS } from './commands.ts';
import { RETRY_RUNBOOK } from '../testing/retry-runbook.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const SCHEMAS = join(ROOT, 'schemas/cli');
const ENV = { PCQ_MODE: 'dev', NO_COLOR: '1' };
const RT = RETRY_RUNBOOK;
/** Verbs without a --json document (completion prints a shell script). */
const NO_JSON = new Set(['completion']);

async function loadAjv(): Promise<Ajv> {
  const ajv = new Ajv({ allErrors: true, strict: false });
  for (const f of await readdir(SCHEMAS)) ajv.addSchema(JSON.parse(await readFile(join(SCHEMAS, f), 'utf8')) as object);
  return ajv;
}

test('every verb has a schema in schemas/cli/, and each schema is valid JSON Schema', async () => {
  const ajv = await loadAjv();
  for (const verb of Object.keys(COMMANDS)) {
    if (NO_JSON.has(verb)) continue;
    assert.ok(ajv.getSchema(`${verb}.schema.json`), `schemas/cli/${verb}.schema.json documents pcq ${verb} --json`);
  }
  assert.ok(ajv.getSchema('error.schema.json'));
});

test("each verb's real --json output validates against its schema", { timeout: 300_000 }, async (t) => {
  const ajv = await loadAjv();
  const dir = await mkdtemp(join(tmpdir(), 'pcq-json-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const repo = join(dir, 'repo');
  await mkdir(repo);
  for (const f of ['runbooks', 'policies', 'spells']) await cp(join(ROOT, f), join(repo, f), { recursive: true });
  const seen = new Set<string>();
  const check = async (schema: string, cwd: string, ...args: string[]): Promise<Record<string, unknown>> => {
    const r = await runPcq(cwd, ENV, ...args);
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(r.stdout) as Record<string, unknown>;
    } catch {
      assert.fail(`pcq ${args.join(' ')} printed no JSON (exit ${r.code}): ${r.stdout}${r.stderr}`);
    }
    assert.equal(doc.schemaVersion, 1, `pcq ${args.join(' ')} carries schemaVersion`);
    const validate = ajv.getSchema(`${schema}.schema.json`)!;
    assert.ok(validate(doc), `pcq ${args.join(' ')} against ${schema}.schema.json: ${ajv.errorsText(validate.errors)}`);
    seen.add(schema);
    return doc;
  };
  const pcq = (...args: string[]) => check(args[0]!, repo, ...args);

  await check('init', dir, 'init', join(dir, 'fresh'), '--json');
  await pcq('validate', '--json');
  await pcq('list', '--json');
  await pcq('plan', 'runbooks/R1-entity-enrichment.yaml', '--json');
  const run = await pcq('run', 'runbooks/R1-entity-enrichment.yaml', '--as-of', '2026-11-16T00:00:00Z', '--json');
  const id = run.executionId as string;
  const manifest = `attestations/R1/${id}/manifest.pcq`;
  await pcq('runs', '--json');
  await pcq('show', id, '--json');
  await pcq('logs', id, '--json');
  await pcq('logs', 'prune', '--dry-run', '--json');
  await pcq('verify', manifest, '--json');
  const ex = `attestations/R1/${id}`;
  await pcq('verify-verdict', `${ex}/score.json`, `${ex}/evidence.tar.gz`, `${ex}/verdict.sig`, `${ex}/verdict.pub`, '--json');
  await pcq('export', manifest, '--format', 'dsse', '--out', join(dir, 'export'), '--json');
  await pcq('replay', id, '--json');
  // approve: R5 pauses at its approval step; ombuds-alice decides with her own reviewer key.
  const paused = await pcq('run', 'runbooks/R5-escalation-approval.yaml', '--as-of', '2026-11-16T00:00:00Z', '--json');
  await runPcq(repo, ENV, 'keys', 'generate', '--reviewer', 'ombuds-alice');
  await pcq('approve', paused.executionId as string, '--decision', 'approve', '--by', 'ombuds-alice', '--json');
  const pair = await pcq('keys', 'generate', '--json');
  await pcq('keys', 'inspect', pair.publicKey as string, '--json');
  await pcq('review', 'list', '--json');
  await pcq('doctor', '--json');
  await pcq('config', 'show', '--json');
  await pcq('grant', 'list', '--json');
  await pcq('registry', 'list', '--json');
  await pcq('trust', 'list', '--json');
  await pcq('spell', 'list', '--json');
  await pcq('policy', 'show', '--json');
  await pcq('status', '--json');
  await pcq('compile', 'runbooks/R4-alert-triage.yaml', '--target', 'github-actions', '--json');
  // retry: a run that fails (a label the dataset lacks), retried as a new execution.
  await writeFile(join(repo, 'runbooks/RT.yaml'), RT);
  const failed = await runPcq(repo, ENV, 'run', 'runbooks/RT.yaml', '--as-of', '2026-11-16T00:00:00Z', '--json');
  await pcq('retry', (JSON.parse(failed.stdout) as { executionId: string }).executionId, '--json');
  await pcq('sign', 'keygen', '--publisher', 'acme', '--key-id', 'k1', '--out', join(dir, 'acme.key'), '--json');
  // Any verb stopping on coded errors prints the error document.
  const missing = await runPcq(repo, ENV, 'show', 'nosuchid', '--json');
  assert.equal(missing.code, 3);
  const error = JSON.parse(missing.stdout) as Record<string, unknown>;
  const validateError = ajv.getSchema('error.schema.json')!;
  assert.ok(validateError(error), ajv.errorsText(validateError.errors));
  // unseal needs a reviewer key the run sealed to; its document is the {ok, executionId, …} of unseal.schema.json.
  const untested = Object.keys(COMMANDS).filter((v) => !NO_JSON.has(v) && !seen.has(v) && v !== 'unseal');
  assert.deepEqual(untested, [], 'every verb with a --json document was checked');
});
