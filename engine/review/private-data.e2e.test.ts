// Issue 9 acceptance "private data stays private, and still reviewable", as a user runs it: the
// real `pcq` CLI on a temp copy of the samples runs R1 on the partial enrichment source (blocked).
// Then no published file of the run — the execution folder outside private/, the evidence bundle
// unpacked, the manifest, DSSE export, run.json, score, ticket, index, the outbox e-mails, the
// CLI's own output, the site data and every file the site publishes for download — holds any
// e-mail address of the withheld CSV in plain, base64 (3 alignments, standard and URL-safe),
// URL-encoded or hex (lower/upper) form. The ombuds opens the sealed copy with their own key and
// reads it (checked against the signed digests); with private/ gone, as in the Action's checkout,
// the approval releases the export from the sealed copy, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { generateKeyPair } from '../runtime/keys.ts';
import { readEvidence } from '../verdict/evidence-reader.ts';
import { readSiteData } from '../site-data/read-site-data.ts';
import { publishDownloads } from '../site-data/publish-downloads.ts';

const exec = promisify(execFile);
const NODE = resolve('node_modules/.bin/node');
const TSX = resolve('node_modules/tsx/dist/esm/index.mjs');
const MAIN = resolve('engine/cli/main.ts');
const OMBUDS = 'ombuds-carol';

async function pcq(root: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, PCQ_MODE: 'dev', PCQ_ACTOR: 'local:analyst', RUNNER_SECRET: '', PCQ_REVIEWER_SECRET: '' };
  try {
    const { stdout, stderr } = await exec(NODE, ['--import', TSX, MAIN, ...args], { cwd: root, env, maxBuffer: 1 << 24 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Every encoding of `text` the acceptance names; base64 as the characters fixed by its bytes alone. */
export function encodings(text: string): Array<[string, string]> {
  const bytes = Buffer.from(text, 'utf8');
  const out: Array<[string, string]> = [
    ['plain', text],
    ['url', encodeURIComponent(text)],
    ['hex', bytes.toString('hex')],
    ['HEX', bytes.toString('hex').toUpperCase()],
  ];
  for (let align = 0; align < 3; align++) {
    const b64 = Buffer.concat([Buffer.alloc(align), bytes]).toString('base64');
    const fixed = b64.slice(Math.ceil((align * 8) / 6), Math.floor(((align + bytes.length) * 8) / 6));
    out.push([`base64+${align}`, fixed], [`base64url+${align}`, fixed.replace(/\+/g, '-').replace(/\//g, '_')]);
  }
  return out;
}

async function files(dir: string, skip: (path: string) => boolean = () => false): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (skip(path)) continue;
    if (entry.isDirectory()) out.push(...(await files(path, skip)));
    else out.push(path);
  }
  return out;
}

test('no published file of a blocked run holds a withheld address in any encoding; the ombuds reads it; approval releases it', async () => {
  const root = await makeSampleRoot('pcq-private-');
  // The ombuds' own key, bound to their roster login (what `pcq keys generate --reviewer` writes).
  const reviewer = generateKeyPair();
  await mkdir(join(root, '.pcq', 'keys'), { recursive: true });
  await writeFile(join(root, '.pcq', 'keys', `reviewer-${OMBUDS}.secret`), reviewer.secret + '\n', { mode: 0o600 });
  await writeFile(
    join(root, '.pcq', 'trust.local.yaml'),
    `keys:\n  - name: reviewer-${OMBUDS}\n    publicKey: ${reviewer.publicKey}\n    roles: [reviewer]\n    status: active\n    validFrom: null\n    validUntil: null\n    login: ${OMBUDS}\n    origin: local-reviewer\n`,
  );

  const run = await pcq(root, 'run', 'runbooks/R1-entity-enrichment.yaml', '--as-of', '2026-11-16T00:00:00Z', '--input', 'enrichmentSource=partial', '--json');
  assert.equal(run.code, 4, run.stderr);
  const report = JSON.parse(run.stdout) as { executionId: string; executionDir: string };
  const dir = report.executionDir;
  const csv = await readFile(join(dir, 'private', 'withheld', 'r1-enriched-entities.csv'));
  const emails = csv
    .toString('utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter(Boolean)
    .map((line) => line.split(',')[1]!);
  assert.ok(emails.length >= 70 && emails.every((e) => e.includes('@')), `the CSV holds the enriched addresses (${emails.length})`);

  // Everything published: the execution folder but private/, the index and tickets, the outbox,
  // the CLI output, the site data and the files the site publishes.
  const published = new Map<string, Buffer>();
  for (const path of await files(join(root, 'attestations'), (p) => p === join(dir, 'private'))) published.set(relative(root, path), await readFile(path));
  for (const path of await files(join(root, '.pcq', 'outbox'))) published.set(relative(root, path), await readFile(path));
  assert.ok(
    [...published.keys()].some((p) => p.endsWith('.eml')),
    'the ombuds notice went to the outbox',
  );
  for (const [name, bytes] of await readEvidence(new Uint8Array(published.get(relative(root, join(dir, 'evidence.tar.gz')))!))) {
    assert.ok(!name.startsWith('withheld/'), `the evidence bundle holds ${name}`);
    published.set(`evidence.tar.gz!${name}`, Buffer.from(bytes));
  }
  published.set('cli stdout+stderr', Buffer.from(run.stdout + run.stderr));
  const site = await readSiteData(root);
  published.set('site data', Buffer.from(JSON.stringify(site)));
  const siteOut = await mkdtemp(join(tmpdir(), 'pcq-private-site-'));
  await publishDownloads(site, siteOut);
  for (const path of await files(siteOut)) published.set(`site/${relative(siteOut, path)}`, await readFile(path));
  for (const [name, bytes] of published) if (name.endsWith('.gz')) published.set(`${name}!gunzip`, gunzipSync(bytes));

  const leaks: string[] = [];
  const texts = [...published].map(([name, bytes]) => [name, bytes.toString('latin1')] as const);
  for (const email of emails) {
    for (const [form, needle] of encodings(email)) {
      for (const [name, text] of texts) if (text.includes(needle)) leaks.push(`${name}: ${email} (${form})`);
    }
  }
  assert.deepEqual(leaks.slice(0, 20), [], `${leaks.length} leaks`);
  // The detector itself: each encoding of the CSV is found by the forms it looks for.
  const text = csv.toString('utf8');
  for (const [form, encoded] of [
    ['plain', text],
    ['url', encodeURIComponent(text)],
    ['hex', csv.toString('hex')],
    ['HEX', csv.toString('hex').toUpperCase()],
    ['base64', csv.toString('base64')],
    ['base64+1', Buffer.concat([Buffer.from('x'), csv]).toString('base64')],
    ['base64+2', Buffer.concat([Buffer.from('xy'), csv]).toString('base64')],
    ['base64url', csv.toString('base64url')],
  ] as const) {
    assert.ok(
      emails.every((e) => encodings(e).some(([, needle]) => encoded.includes(needle))),
      `the scan finds every address in the ${form} CSV`,
    );
  }
  assert.ok(published.has(relative(root, join(dir, 'sealed', 'withheld', 'r1-enriched-entities.csv.age'))), 'the sealed copy is published');

  // The ombuds reads what they decide on, from the sealed copy, with their own key.
  const opened = await pcq(root, 'unseal', report.executionId, '--by', OMBUDS, '--json');
  assert.equal(opened.code, 0, opened.stderr);
  const unsealed = JSON.parse(opened.stdout) as { outDir: string; steps: string[]; withheld: string[] };
  assert.deepEqual(unsealed.withheld, ['r1-enriched-entities.csv']);
  assert.ok(unsealed.steps.includes('fetch-external-data'));
  assert.deepEqual(await readFile(join(unsealed.outDir, 'withheld', 'r1-enriched-entities.csv')), csv);
  assert.ok((await readFile(join(unsealed.outDir, 'steps', 'fetch-external-data.json'), 'utf8')).includes(emails[0]!));
  const checked = await pcq(root, 'verify', join(dir, 'manifest.pcq'), '--private-dir', unsealed.outDir);
  assert.equal(checked.code, 0, checked.stdout + checked.stderr);
  assert.match(checked.stdout, /private-data: steps\/fetch-external-data\.json opens the signed commitments/);
  // Someone off the seal cannot open it.
  const stranger = await pcq(root, 'unseal', report.executionId, '--by', 'ombuds-bob');
  assert.notEqual(stranger.code, 0, 'no key for ombuds-bob: refused');
  assert.match(stranger.stderr, /PCQ_REVIEWER_KEY_MISSING/);

  // As in the Action's checkout: no private/ folder. Approval opens the sealed copy with the runner key.
  await rename(join(dir, 'private'), join(root, 'private-elsewhere'));
  const approve = await pcq(root, 'review', 'approve', report.executionId, '--by', OMBUDS, '--comment', 'checked the enriched rows');
  assert.equal(approve.code, 0, approve.stderr + approve.stdout);
  assert.deepEqual(await readFile(join(dir, 'exports', 'r1-enriched-entities.csv')), csv, 'the released export is byte-identical');
  const verify = await pcq(root, 'verify', join(dir, 'manifest.pcq'));
  assert.equal(verify.code, 0, verify.stdout + verify.stderr);
});
