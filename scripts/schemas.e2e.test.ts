// Issue 16 acceptance "python-jsonschema validates every file pcq writes against the repository's
// schemas": the real CLI runs sample runbooks (a blocked R1 with its ticket, sealed and private
// data; R3 with released exports; R4 with public outputs), replays one and exports them in every
// format; then Debian's python3-jsonschema (scripts/validate-files.py) and ajv each validate every
// file under the folder against schemas/files.json, and must agree — on the real files (all valid,
// none unmapped) and on mutated manifests, which pcq's own schema check (manifest-shape.ts) also refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { makeSampleRoot, REPO_ROOT } from '../engine/testing/sample-root.ts';
import { runPcq } from '../engine/testing/pcq-cli.ts';
import { checkManifestShape } from '../engine/proof/manifest-shape.ts';
import { decodeEnvelopePayload } from '../engine/proof/statement.ts';
import { generateKeyPair } from '../engine/runtime/keys.ts';

const exec = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const HAVE_JSONSCHEMA = spawnSync(PYTHON, ['-c', 'import jsonschema, yaml'], { timeout: 20_000 }).status === 0;
const ENV = { PCQ_MODE: 'dev', PCQ_ACTOR: 'local:analyst' };
const SKIP = ['runbooks', 'policies', 'spells'];

interface Rule {
  path: string;
  schema?: string;
  opaque?: string;
  yaml?: boolean;
  jsonl?: boolean;
  payloads?: boolean;
}
interface PyReport {
  files: Array<{ path: string; schema: string; ok: boolean; errors: string[] }>;
  unmapped: string[];
  opaque: number;
}

async function python(root: string, skip: readonly string[] = SKIP): Promise<PyReport> {
  const res = await exec(PYTHON, [join(REPO_ROOT, 'scripts', 'validate-files.py'), root, ...(skip.length > 0 ? ['--skip', ...skip] : [])], {
    timeout: 120_000,
    maxBuffer: 1 << 26,
  }).catch((e: { stdout: string }) => e);
  return JSON.parse(res.stdout) as PyReport;
}

function globRegex(pattern: string): RegExp {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    if (pattern.startsWith('**/', i)) {
      out += '(?:[^/]+/)*';
      i += 3;
    } else {
      out += pattern[i] === '*' ? '[^/]*' : pattern[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    }
  }
  return new RegExp(`^${out}$`);
}

async function loadAjv(): Promise<{ bySchemaFile: (file: string) => ValidateFunction; rules: Array<[RegExp, Rule]>; payloads: Record<string, string> }> {
  const a2020 = new Ajv2020({ strict: false, allErrors: true });
  const a7 = new Ajv({ strict: false, allErrors: true });
  const files = (await readdir(join(REPO_ROOT, 'schemas'), { recursive: true })).filter((f) => f.endsWith('.schema.json'));
  const ids = new Map<string, { ajv: Ajv | Ajv2020; id: string }>();
  const manifestSchema = JSON.parse(await readFile(join(REPO_ROOT, 'engine/proof/manifest.schema.json'), 'utf8')) as object;
  const manifest = a7.compile(manifestSchema);
  const spell = a7.compile(JSON.parse(await readFile(join(REPO_ROOT, 'engine/model/spell.schema.json'), 'utf8')) as object);
  for (const f of files) {
    // Each schema by its own draft (schemas/cli/ holds draft-07 ones).
    const schema = JSON.parse(await readFile(join(REPO_ROOT, 'schemas', f), 'utf8')) as { $id: string; $schema?: string };
    const ajv = schema.$schema?.includes('draft-07') ? a7 : a2020;
    ajv.addSchema(schema);
    ids.set(f, { ajv, id: schema.$id });
  }
  const mapping = JSON.parse(await readFile(join(REPO_ROOT, 'schemas/files.json'), 'utf8')) as { files: Rule[]; payloads: Record<string, string> };
  return {
    bySchemaFile: (file) =>
      file === '../engine/proof/manifest.schema.json'
        ? manifest
        : file === '../engine/model/spell.schema.json'
          ? spell
          : ids.get(file)!.ajv.getSchema(ids.get(file)!.id)!,
    rules: mapping.files.map((r) => [globRegex(r.path), r]),
    payloads: mapping.payloads,
  };
}

async function* walk(root: string, skip: readonly string[], dir = root): AsyncGenerator<string> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = relative(root, join(dir, e.name));
    if (e.isDirectory()) {
      if (!skip.includes(rel)) yield* walk(root, skip, join(dir, e.name));
    } else yield rel;
  }
}

/** ajv's verdict per file, as validate-files.py computes it (same mapping, same payload rule). */
async function ajvReport(root: string, ajv: Awaited<ReturnType<typeof loadAjv>>, skip: readonly string[] = SKIP): Promise<PyReport> {
  const report: PyReport = { files: [], unmapped: [], opaque: 0 };
  for await (const rel of walk(root, skip)) {
    const rule = ajv.rules.find(([rx]) => rx.test(rel))?.[1];
    if (rule === undefined) report.unmapped.push(rel);
    else if (rule.opaque !== undefined) report.opaque++;
    else {
      const text = await readFile(join(root, rel), 'utf8');
      const values: unknown[] = rule.jsonl
        ? text
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => JSON.parse(l) as unknown)
        : [rule.yaml ? (parseYaml(text) as unknown) : (JSON.parse(text) as unknown)];
      const validate = ajv.bySchemaFile(rule.schema!);
      const errors = values.flatMap((v) => (validate(v) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)));
      const envelopes = rel.endsWith('manifest.pcq')
        ? [
            ...((values[0] as { steps?: Array<{ attestation: unknown }> }).steps ?? []).map((st) => st.attestation),
            ...((values[0] as { reviews?: unknown[] }).reviews ?? []),
          ]
        : rule.payloads
          ? values.filter((v) => (v as { payloadType?: string }).payloadType === 'application/vnd.in-toto+json')
          : [];
      for (const env of envelopes) {
        const st = decodeEnvelopePayload(env) as { predicateType?: string } | undefined;
        const file = st?.predicateType !== undefined ? ajv.payloads[st.predicateType] : undefined;
        if (file === undefined) errors.push('payload not a known statement');
        else if (!ajv.bySchemaFile(file)(st)) errors.push(`payload ${JSON.stringify(ajv.bySchemaFile(file).errors?.[0])}`);
      }
      report.files.push({ path: rel, schema: rule.schema!, ok: errors.length === 0, errors });
    }
  }
  return report;
}

test('python3-jsonschema and ajv validate every file a real run writes, and agree', { timeout: 400_000 }, async (t) => {
  if (!HAVE_JSONSCHEMA) {
    t.skip('python3-jsonschema / python3-yaml not installed (Debian; .ci/run installs them)');
    console.log('# note: python3-jsonschema absent, the schema e2e did not run');
    return;
  }
  const root = await makeSampleRoot('pcq-schemas-');
  assert.equal((await runPcq(root, ENV, 'keys', 'generate', '--reviewer', 'ombuds-alice')).code, 0);
  const runs: Array<[string[], number]> = [
    [['runbooks/R1-entity-enrichment.yaml', '--input', 'enrichmentSource=partial'], 4],
    [['runbooks/R3-weekly-report.yaml'], 0],
    [['runbooks/R4-alert-triage.yaml', '--input', 'route=investigate'], 0],
  ];
  const manifests: string[] = [];
  for (const [args, exit] of runs) {
    const res = await runPcq(root, ENV, 'run', ...args, '--as-of', '2026-11-16T00:00:00Z', '--json');
    assert.equal(res.code, exit, res.stderr);
    manifests.push(join((JSON.parse(res.stdout) as { executionDir: string }).executionDir, 'manifest.pcq'));
  }
  assert.equal((await runPcq(root, ENV, 'replay', manifests[2]!)).code, 0, 'replay');
  const blockedId = manifests[0]!.split('/').at(-2)!;
  assert.equal((await runPcq(root, ENV, 'review', 'approve', blockedId, '--by', 'ombuds-alice', '--comment', 'schema e2e')).code, 0, 'approve');
  for (const format of ['dsse', 'sigstore', 'in-toto']) {
    const res = await runPcq(root, ENV, 'export', manifests[1]!, '--format', format, '--out', join(root, 'exported', format));
    assert.equal(res.code, 0, `${format}: ${res.stderr}`);
  }
  // pcq unseal writes the opened private data under .pcq/unsealed/<executionId>/ (validated with the rest).
  assert.equal((await runPcq(root, ENV, 'unseal', blockedId, '--by', 'ombuds-alice')).code, 0, 'unseal');
  const py = await python(root);
  assert.deepEqual(py.unmapped, [], 'every file pcq wrote has a schema or is declared opaque in schemas/files.json');
  assert.deepEqual(
    py.files.filter((f) => !f.ok),
    [],
    'python3-jsonschema: every file valid',
  );
  for (const kind of [
    'manifest.pcq',
    'run.json',
    'score.json',
    'index.json',
    '.yaml',
    'replays/',
    'private/steps/',
    'root.layout',
    '.link',
    '.sigstore.json',
    '.intoto.jsonl',
    'vault.json',
    '.pcq/unsealed/',
  ])
    assert.ok(
      py.files.some((f) => f.path.includes(kind)),
      `validated a ${kind} file`,
    );
  const ajv = await loadAjv();
  const js = await ajvReport(root, ajv);
  assert.deepEqual(js.unmapped, []);
  assert.deepEqual(js.files.map((f) => [f.path, f.ok]).sort(), py.files.map((f) => [f.path, f.ok]).sort(), 'ajv agrees file for file');

  // What pcq writes under policies/ (trust store, publisher trust, effects policy) and the operator's
  // pause switch, and an installed spell under PCQ_HOME: validated as their own roots (runbooks/,
  // policies/ and spells/ of the repository are inputs, skipped above).
  const { publicKey } = generateKeyPair();
  assert.equal((await runPcq(root, ENV, 'registry', 'add', publicKey, '--name', 'schema-e2e-runner')).code, 0, 'registry add');
  assert.equal((await runPcq(root, ENV, 'trust', 'add', '--publisher', 'acme', '--key-id', 'k1', '--public-key', publicKey)).code, 0, 'trust add');
  await writeFile(join(root, 'effects.json'), JSON.stringify({ effects: { deny_types: ['graph_mutation'], deny_mutations: false } }));
  assert.equal((await runPcq(root, ENV, 'policy', 'set', '--file', 'effects.json')).code, 0, 'policy set');
  const written = await mkdtemp(join(tmpdir(), 'pcq-schemas-written-'));
  await mkdir(join(written, 'policies/publishers'), { recursive: true });
  for (const f of ['policies/trust.yaml', 'policies/publishers/acme.yaml', 'policies/runtime-policy.json'])
    await writeFile(join(written, f), await readFile(join(root, f)));
  await writeFile(join(written, 'policies/pause.yaml'), 'paused: true\nreason: schema e2e\n');
  const home = join(written, 'home');
  for (const bundle of ['spells/pcq-word-count/1.0.0', 'spells/pcq-score-pairs/1.0.0'])
    assert.equal((await runPcq(root, { ...ENV, PCQ_HOME: home }, 'spell', 'install', bundle)).code, 0, `spell install ${bundle}`);
  for (const folder of [written, home]) {
    const pyWritten = await python(folder, folder === written ? ['home'] : []);
    assert.deepEqual(pyWritten.unmapped, [], `mapped: ${folder}`);
    assert.deepEqual(
      pyWritten.files.filter((f) => !f.ok),
      [],
      `python3-jsonschema: valid in ${folder}`,
    );
    const jsWritten = await ajvReport(folder, ajv, folder === written ? ['home'] : []);
    assert.deepEqual(jsWritten.files.map((f) => [f.path, f.ok]).sort(), pyWritten.files.map((f) => [f.path, f.ok]).sort(), `ajv agrees in ${folder}`);
  }
  const homeFiles = (await python(home, [])).files.map((f) => f.path);
  assert.ok(homeFiles.some((p) => p.endsWith('/spell.yaml')) && homeFiles.some((p) => p.endsWith('/spell.sig.json')), homeFiles.join());
  assert.equal((await python(written, ['home'])).files.length, 4, 'pause, trust, publisher trust, effects policy');
  // A pause switch pcq would refuse is refused by both validators too.
  await writeFile(join(written, 'policies/pause.yaml'), 'paused: yes-please\n');
  assert.equal((await python(written, ['home'])).files.find((f) => f.path === 'policies/pause.yaml')?.ok, false);
  await rm(written, { recursive: true, force: true });

  // Mutations that pcq's schema check refuses must be refused by both validators (lengths, patterns).
  const manifest = JSON.parse(await readFile(manifests[2]!, 'utf8')) as Record<string, unknown> & {
    steps: Array<Record<string, unknown> & { attestation: { signatures: Array<{ keyid: string; sig: string }> } }>;
  };
  const mutations: Array<[string, (m: typeof manifest) => void]> = [
    ['signature one character short', (m) => void (m.signature = String(m.signature).slice(0, -3) + '=')],
    ['signature of 65 bytes', (m) => void (m.signature = 'base64:' + Buffer.alloc(65, 1).toString('base64'))],
    ['step keyid not a G key', (m) => void (m.steps[0]!.attestation.signatures[0]!.keyid = 'g' + m.steps[0]!.attestation.signatures[0]!.keyid.slice(1))],
    ['step sig truncated', (m) => void (m.steps[0]!.attestation.signatures[0]!.sig = m.steps[0]!.attestation.signatures[0]!.sig.slice(4))],
    ['stepId with a slash', (m) => void (m.steps[0]!.stepId = 'a/b')],
    ['executionId with a space', (m) => void (m.executionId = 'exec 1')],
    ['manifestId without pcq-', (m) => void (m.manifestId = String(m.executionId))],
    ['executedAt not a date-time', (m) => void (m.executedAt = 'yesterday')],
    ['attestationHash 63 hex', (m) => void (m.steps[0]!.attestationHash = String(m.steps[0]!.attestationHash).slice(0, -1))],
    ['timeAnchor token not base64', (m) => void (m.timeAnchor = { format: 'rfc3161', token: 'MIIB@@@@' })],
    ['timeAnchor of another format', (m) => void (m.timeAnchor = { format: 'rfc3339', token: 'MIIB' })],
    ['timeAnchor token over 32 KiB', (m) => void (m.timeAnchor = { format: 'rfc3161', token: 'A'.repeat(43696) })],
    ['merkleRoot upper-case hex', (m) => void (m.merkleRoot = String(m.merkleRoot).toUpperCase().replace('SHA256', 'sha256'))],
  ];
  const scratch = await mkdtemp(join(tmpdir(), 'pcq-schemas-mut-'));
  for (const [label, mutate] of mutations) {
    const m = structuredClone(manifest);
    mutate(m);
    assert.ok(checkManifestShape(m).length > 0, `pcq refuses: ${label}`);
    await rm(scratch, { recursive: true, force: true });
    await mkdir(join(scratch, 'attestations/R4/x'), { recursive: true });
    await writeFile(join(scratch, 'attestations/R4/x/manifest.pcq'), JSON.stringify(m));
    assert.equal((await python(scratch)).files[0]!.ok, false, `python3-jsonschema refuses: ${label}`);
    assert.equal((await ajvReport(scratch, ajv)).files[0]!.ok, false, `ajv refuses: ${label}`);
  }
  await rm(scratch, { recursive: true, force: true });
  await rm(root, { recursive: true, force: true });
});
