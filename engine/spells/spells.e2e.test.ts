// Issue 11 acceptance, through the real CLI bundle (dist/pcq.mjs, `npm run build`): a signed spell
// runs and its attestation names the bundle digest and publisher key; a one-byte change to any
// bundle file, a revoked or unknown key and an unsigned bundle each refuse before any step starts
// with their own codes and write nothing; --allow-unsigned runs the unsigned one and says so; a
// button's require_signature and PCQ_FORCE_REQUIRE_SIGNATURE refuse it even with --allow-unsigned;
// a denied effect or a mutation under deny_mutations refuses at preflight; every trust and policy
// command works as seed 004 describes; install checks spell.id.txt.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, mkdir, readFile, readdir, rm, stat, writeFile, cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { snapshotTree } from '../testing/snapshot-tree.ts';

const exec = promisify(execFile);
const NODE = resolve('node_modules/.bin/node');
const CLI = resolve('dist/pcq.mjs');
const AS_OF = '2026-11-16T00:00:00Z';
let root: string;
let home: string;

async function pcq(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(NODE, [CLI, ...args], {
      cwd: root,
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PCQ_HOME: home, PCQ_ACTOR: 'local:tester', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const ok = async (env: Record<string, string>, ...args: string[]) => {
  const r = await pcq(env, ...args);
  assert.equal(r.code, 0, `pcq ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r;
};
const written = () => snapshotTree(root, ['attestations', '.pcq', 'policies']);
const WORDS = 'runbooks/words.yaml';

const SPELL = `id: t-words
version: "1.0.0"
name: Count words
inputs: { type: object, required: [text], properties: { text: { type: string } } }
outputs: { type: object, required: [words], properties: { words: { type: integer } } }
effects: [{ type: compute, target: none, mutates: false }]
runtime: { kind: host, entry: [node, count.mjs], timeout: 10s }
`;
const CODE = `import { readFileSync, writeFileSync } from 'node:fs';
const input = JSON.parse(readFileSync(process.env.PCQ_SPELL_INPUT, 'utf8'));
writeFileSync(process.env.PCQ_SPELL_OUTPUT, JSON.stringify({ words: input.with.text.split(/\\s+/).filter(Boolean).length }));
console.log('counted');
`;

async function lastManifest(): Promise<{ spell: Record<string, unknown>; effectsPolicy: unknown }> {
  const dirs = (await readdir(join(root, 'attestations', 'WORDS'))).sort();
  const m = JSON.parse(await readFile(join(root, 'attestations', 'WORDS', dirs.at(-1)!, 'manifest.pcq'), 'utf8'));
  const st = JSON.parse(Buffer.from(m.steps[0].attestation.payload, 'base64').toString('utf8'));
  return { spell: st.predicate.spell, effectsPolicy: m.effectsPolicy };
}

async function refused(code: string, env: Record<string, string>, ...extra: string[]): Promise<void> {
  const before = await written();
  const r = await pcq(env, 'run', WORDS, '--as-of', AS_OF, ...extra);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, new RegExp(`${code}\\b.*refused before any step started`), r.stderr);
  assert.deepEqual(await written(), before, `${code}: nothing may be written`);
}

before(async () => {
  await stat(CLI).catch(() => assert.fail('dist/pcq.mjs is missing: run `npm run build` first'));
  root = await makeSampleRoot('pcq-spells-');
  home = await mkdtemp(join(tmpdir(), 'pcq-home-'));
  await mkdir(join(root, 'spells', 't-words', '1.0.0'), { recursive: true });
  await writeFile(join(root, 'spells', 't-words', '1.0.0', 'spell.yaml'), SPELL);
  await writeFile(join(root, 'spells', 't-words', '1.0.0', 'count.mjs'), CODE);
  await writeFile(
    join(root, WORDS),
    `runbookId: WORDS\nname: Words\nversion: "1.0"\nsteps:\n  - stepId: count\n    type: spell\n    uses: t-words@1.0.0\n    private: false\n    with: { text: "one two three" }\n`,
  );
  await ok({}, 'run', WORDS, '--as-of', AS_OF, '--allow-unsigned'); // the dev runner key exists from here on
});

test('unsigned: refused (PCQ_SPELL_UNSIGNED); --allow-unsigned runs and the attestation says so; button require_signature and PCQ_FORCE_REQUIRE_SIGNATURE refuse even then', async () => {
  await refused('PCQ_SPELL_UNSIGNED', {});
  const m = await lastManifest();
  assert.deepEqual(m.spell.signature, { result: 'unsigned-allowed', publisher: null, keyId: null, publicKey: null, allowUnsigned: true });
  await appendFile(
    join(root, 'policies', 'buttons.yaml'),
    '  count-words:\n    runbook: WORDS\n    version: "1.0"\n    roles: [admin]\n    require_signature: true\n',
  );
  await refused('PCQ_SPELL_SIGNATURE_REQUIRED', {}, '--allow-unsigned', '--button', 'count-words');
  await refused('PCQ_SPELL_SIGNATURE_REQUIRED', { PCQ_FORCE_REQUIRE_SIGNATURE: 'true' }, '--allow-unsigned');
});

test('signed: runs with its digest and publisher key attested; tampering, a revoked and an unknown key refuse with their own codes; the trust lifecycle through the CLI', async () => {
  const key = JSON.parse((await ok({}, 'sign', 'keygen', '--publisher', 'acme', '--key-id', 'k1', '--json')).stdout);
  assert.match(key.publicKey, /^G[A-Z2-7]{55}$/);
  assert.equal((await stat(key.keyFile)).mode & 0o777, 0o600);
  await ok({}, 'sign', 'bundle', 'spells/t-words/1.0.0', '--key', key.keyFile);
  await refused('PCQ_SPELL_KEY_UNKNOWN', {});
  const added = await ok({}, 'trust', 'add', '--publisher', 'acme', '--key-id', 'k1', '--public-key', key.publicKey);
  assert.match(added.stdout, /added acme\/k1 \(active/);
  await ok({}, 'run', WORDS, '--as-of', AS_OF, '--button', 'count-words');
  const m = await lastManifest();
  assert.deepEqual(m.spell.signature, { result: 'verified', publisher: 'acme', keyId: 'k1', publicKey: key.publicKey, allowUnsigned: false });
  assert.match(String(m.spell.bundleDigest), /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual((m.effectsPolicy as { effects: unknown[] }).effects, [
    { stepId: 'count', type: 'compute', target: 'none', mutates: false, source: 'spell' },
  ]);
  const verified = await ok({}, 'verify', join('attestations', 'WORDS', (await readdir(join(root, 'attestations', 'WORDS'))).sort().at(-1)!, 'manifest.pcq'));
  assert.match(verified.stdout, /spell t-words@1\.0\.0/);

  // A one-byte change to each file of the signed bundle.
  for (const file of ['count.mjs', 'spell.yaml']) {
    const path = join(root, 'spells', 't-words', '1.0.0', file);
    const original = await readFile(path);
    await writeFile(path, Buffer.concat([original, Buffer.from(' ')]));
    await refused('PCQ_SPELL_TAMPERED', {});
    await writeFile(path, original);
  }
  const sigPath = join(root, 'spells', 't-words', '1.0.0', 'spell.sig.json');
  const sig = JSON.parse(await readFile(sigPath, 'utf8'));
  const flipped = Buffer.from(sig.signature, 'base64');
  flipped[0] = flipped[0]! ^ 1;
  await writeFile(sigPath, JSON.stringify({ ...sig, signature: flipped.toString('base64') }));
  await refused('PCQ_SPELL_SIGNATURE_INVALID', {});
  await writeFile(sigPath, JSON.stringify(sig, null, 2) + '\n');

  // Lifecycle: list, inspect, revoke (file kept), restore, remove the last key (file deleted).
  assert.match((await ok({}, 'trust', 'list')).stdout, /^acme\tk1\tactive$/m);
  const inspected = JSON.parse((await ok({}, 'trust', 'inspect', 'acme', '--json')).stdout);
  assert.deepEqual(Object.keys(inspected.keys[0]).sort(), ['algorithm', 'fingerprint', 'key_id', 'status']);
  assert.match(inspected.keys[0].fingerprint, /^[0-9a-f]{4}(:[0-9a-f]{4}){3}$/);
  await ok({}, 'trust', 'revoke-key', 'acme', 'k1');
  assert.match((await ok({}, 'trust', 'list')).stdout, /^acme\tk1\trevoked$/m);
  await refused('PCQ_SPELL_KEY_REVOKED', {});
  await ok({}, 'trust', 'restore-key', 'acme', 'k1');
  await ok({}, 'trust', 'add', 'acme', 'k2', key.publicKey);
  assert.equal((await ok({}, 'trust', 'remove-key', 'acme', 'k2')).stdout.includes('deleted'), false);
  await stat(join(root, 'policies', 'publishers', 'acme.yaml'));
  const removed = await ok({}, 'trust', 'remove-key', 'acme', 'k1');
  assert.match(removed.stdout, /last key.*deleted/);
  await assert.rejects(stat(join(root, 'policies', 'publishers', 'acme.yaml')));
  assert.equal((await pcq({}, 'trust', 'revoke-key', 'acme', 'k1')).code, 2);
});

test('effects policy: show/validate/set through the CLI; a denied type and a mutation under deny_mutations refuse at preflight with nothing written', async () => {
  const none = await ok({}, 'policy', 'show');
  assert.match(none.stdout, /no runtime policy/);
  const file = join(root, 'p.json');
  await writeFile(file, '{"effects":{"deny_types":["compute"],"allow_types":["notify","compute","export"]}}');
  assert.equal((await ok({}, 'policy', 'validate', '--file', file)).stdout, 'policy valid\n');
  await writeFile(join(root, 'bad.json'), '{"effects":{"deny_mutations":"yes"}}');
  const bad = await pcq({}, 'policy', 'validate', '--file', join(root, 'bad.json'));
  assert.equal(bad.code, 3);
  assert.match(bad.stderr, /PCQ_POLICY_INVALID/);
  await ok({}, 'policy', 'set', '--file', file);
  assert.equal(
    await readFile(join(root, 'policies', 'runtime-policy.json'), 'utf8'),
    '{\n  "effects": {\n    "allow_types": [\n      "compute",\n      "export",\n      "notify"\n    ],\n    "deny_types": [\n      "compute"\n    ]\n  }\n}\n',
  );
  assert.match((await ok({}, 'policy', 'show')).stdout, /deny_types/);
  await rm(join(root, 'spells', 't-words', '1.0.0', 'spell.sig.json')); // its publisher was removed above
  await refused('PCQ_EFFECT_DENIED', {}, '--allow-unsigned');
  await writeFile(file, '{"effects":{"deny_mutations":true}}');
  await ok({}, 'policy', 'set', '--file', file);
  const before = await written();
  const r = await pcq({}, 'run', 'runbooks/R2-relationship-inference.yaml', '--as-of', AS_OF);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /PCQ_EFFECT_DENIED .*create-inferred-edges \(mutation\) declares effect graph_mutation/);
  assert.deepEqual(await written(), before);
  await rm(join(root, 'policies', 'runtime-policy.json'));
});

test('install: id_key = base64url(utf8(id)) for a non-ASCII id, spell.id.txt written; a disagreeing spell.id.txt fails; list and show', async () => {
  const src = join(root, 'src-spell');
  await mkdir(src, { recursive: true });
  await writeFile(join(src, 'spell.yaml'), SPELL.replace('id: t-words', 'id: "zähl-wörter-東京"'));
  await writeFile(join(src, 'count.mjs'), CODE);
  const r = JSON.parse((await ok({}, 'spell', 'install', src, '--json')).stdout);
  assert.equal(r.idKey, Buffer.from('zähl-wörter-東京', 'utf8').toString('base64url'));
  assert.equal(r.idKey, 'esOkaGwtd8O2cnRlci3mnbHkuqw');
  assert.equal(await readFile(join(home, 'spells', r.idKey, 'spell.id.txt'), 'utf8'), 'zähl-wörter-東京\n');
  assert.match((await ok({}, 'spell', 'list')).stdout, /zähl-wörter-東京@1\.0\.0\tinstalled/);
  assert.match((await ok({}, 'spell', 'show', 'zähl-wörter-東京@1.0.0')).stdout, /PCQ_SPELL_UNSIGNED/);
  // A stale index naming another id, and a bundle shipping a disagreeing spell.id.txt.
  await writeFile(join(home, 'spells', r.idKey, 'spell.id.txt'), 'someone-else\n');
  const stale = await pcq({}, 'spell', 'install', src);
  assert.equal(stale.code, 3);
  assert.match(stale.stderr, /PCQ_SPELL_ID_MISMATCH/);
  const other = join(root, 'src-other');
  await cp(src, other, { recursive: true });
  await writeFile(join(other, 'spell.yaml'), SPELL.replace('id: t-words', 'id: fresh-id'));
  await writeFile(join(other, 'spell.id.txt'), 'not-fresh-id\n');
  const shipped = await pcq({}, 'spell', 'install', other);
  assert.equal(shipped.code, 3);
  assert.match(shipped.stderr, /PCQ_SPELL_ID_MISMATCH/);
});

test('logs prune removes spell logs beyond the retention count and reports them, never a manifest', async () => {
  const manifests = (await readdir(join(root, 'attestations', 'WORDS'))).length;
  const r = JSON.parse((await ok({ PCQ_LOG_MAX_FILES: '1' }, 'logs', 'prune', '--json')).stdout);
  assert.ok(r.removed.length >= 1);
  assert.ok(r.removed.every((l: { path: string }) => /\/private\/logs\/[^/]+\.log$/.test(l.path)));
  assert.equal(r.kept, 1);
  for (const l of r.removed) await assert.rejects(stat(join(root, 'attestations', l.path)));
  assert.equal((await readdir(join(root, 'attestations', 'WORDS'))).length, manifests);
  assert.deepEqual(JSON.parse((await ok({ PCQ_LOG_MAX_FILES: '1' }, 'logs', 'prune', '--json')).stdout).removed, []);
});
