// Tampering with what an ombuds reads or what an approval releases (review/unseal.ts,
// review/release-exports.ts): a sealed or withheld copy that is not what the run signed is refused
// with its own code and nothing is released; a key that is not a holder cannot open the seal.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, readFile, writeFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { loadConfig } from '../runtime/config.ts';
import { generateKeyPair } from '../runtime/keys.ts';
import { ageIdentityOf, ageRecipientOf, runnerAgeIdentity } from '../runtime/age-keys.ts';
import { readPrivateData, sealBytes, type SealHolder } from '../runtime/sealing.ts';
import { decodeStrKey } from '../proof/strkey.ts';
import { parseManifestText } from '../proof/manifest.ts';
import type { Manifest } from '../base/signed-records.ts';
import { executionPaths, type ExecutionPaths } from '../store/layout.ts';
import { runRunbookFile } from '../run/run-runbook.ts';
import { checkPrivateDir, unsealExecution } from './unseal.ts';
import { releaseExports as releaseInto } from './release-exports.ts';
import { ChangeSet } from '../store/change-set.ts';
import { commitChange } from '../store/execution-store.ts';

/** A release as a decision does it: computed into a change set, committed by the store. */
async function releaseExports(p: ExecutionPaths, m: Manifest, identity: () => Promise<string | undefined>): Promise<string[]> {
  const change = new ChangeSet(join(p.dir, '..', '..'));
  const names = await releaseInto(p, change, m, identity);
  await commitChange(change);
  return names;
}

const NAME = 'r1-enriched-entities.csv';
let root: string;
let paths: ExecutionPaths;
let manifest: Manifest;
let reviewerIdentity: string;
let csv: Buffer;
let holders: SealHolder[];

before(async () => {
  root = await makeSampleRoot('pcq-sealed-');
  const reviewer = generateKeyPair();
  reviewerIdentity = ageIdentityOf(decodeStrKey('seed', reviewer.secret));
  // What `pcq keys generate --reviewer ombuds-carol` leaves: the secret here, and the overlay entry
  // (the overlay lists only keys whose secret was created on this machine).
  await mkdir(join(root, '.pcq', 'keys'), { recursive: true });
  await writeFile(join(root, '.pcq', 'keys', 'reviewer-ombuds-carol.secret'), reviewer.secret + '\n', { mode: 0o600 });
  await writeFile(
    join(root, '.pcq', 'trust.local.yaml'),
    `keys:\n  - name: carol\n    publicKey: ${reviewer.publicKey}\n    roles: [reviewer]\n    status: active\n    validFrom: null\n    validUntil: null\n    login: ombuds-carol\n    origin: local-reviewer\n`,
  );
  const env = { PCQ_MODE: 'dev' };
  const config = await loadConfig({ env, cwd: root, osUser: 'tester' });
  const report = await runRunbookFile({
    config,
    file: join(root, 'runbooks/R1-entity-enrichment.yaml'),
    rawParams: { enrichmentSource: 'partial' },
    asOf: '2026-11-16T00:00:00Z',
    env,
    executionId: 'exec-sealed-1',
    startedAt: '2026-11-22T00:00:00Z',
  });
  paths = executionPaths(config.attestationsDir, 'R1', report.executionId);
  manifest = parseManifestText(await readFile(paths.manifest, 'utf8')) as Manifest;
  csv = await readFile(join(paths.withheld, NAME));
  holders = JSON.parse(await readFile(join(paths.sealed, 'recipients.json'), 'utf8'));
  assert.deepEqual(holders.map((h) => h.role).sort(), ['reviewer', 'runner']);
});

test('the ombuds opens the seal with their key; a stranger cannot; a forged sealed copy is refused', async () => {
  const out = join(root, 'out-1');
  const opened = await unsealExecution(paths, manifest, reviewerIdentity, out);
  assert.deepEqual(opened.withheld, [NAME]);
  assert.deepEqual(await readFile(join(out, 'withheld', NAME)), csv);
  const stranger = ageIdentityOf(decodeStrKey('seed', generateKeyPair().secret));
  await assert.rejects(unsealExecution(paths, manifest, stranger, join(root, 'out-2')), { code: 'PCQ_UNSEAL_FAILED' });
  // Whoever can write the folder can encrypt to the public recipients: the signed digest catches it.
  const genuine = await readFile(join(paths.sealedWithheld, `${NAME}.age`));
  const recipients = holders.map((h) => ({ ...h, recipient: ageRecipientOf(h.publicKey) }));
  await writeFile(join(paths.sealedWithheld, `${NAME}.age`), await sealBytes(Buffer.from(csv.toString().replace('@', '@evil.')), recipients));
  await assert.rejects(unsealExecution(paths, manifest, reviewerIdentity, join(root, 'out-3')), { code: 'PCQ_UNSEAL_MISMATCH' });
  await writeFile(join(paths.sealedWithheld, `${NAME}.age`), genuine);
});

test('verify --private-dir: the holder of the data checks it against the commitments; one changed address fails', async () => {
  const checks = await checkPrivateDir(manifest, paths.private);
  assert.ok(checks.length === manifest.steps.length + 1 && checks.every((c) => c.ok), JSON.stringify(checks.filter((c) => !c.ok)));
  const copy = join(root, 'private-copy');
  await cp(paths.private, copy, { recursive: true });
  const file = join(copy, 'steps', 'fetch-external-data.json');
  await writeFile(file, (await readFile(file, 'utf8')).replace('@enriched', '@elsewhere'));
  const failed = (await checkPrivateDir(manifest, copy)).filter((c) => !c.ok);
  assert.deepEqual(
    failed.map((c) => [c.code, c.stepId]),
    [['PCQ_UNSEAL_MISMATCH', 'fetch-external-data']],
  );
});

test('release checks the bytes against the signed digest, from private/ or from the sealed copy', async () => {
  const runner = () => runnerAgeIdentity(root, {});
  // A changed plaintext copy: refused, nothing released.
  await writeFile(join(paths.withheld, NAME), Buffer.concat([csv, Buffer.from('E9999,x@y.example\r\n')]));
  await assert.rejects(releaseExports(paths, manifest, runner), { code: 'PCQ_RELEASE_MISMATCH' });
  await assert.rejects(readdir(paths.exports), { code: 'ENOENT' });
  // No private/ (the Action's checkout): the sealed copy, opened with the runner key, holds the
  // same private data, checked against the manifest (what a replay or a release as runner reads).
  const fromFolder = await readPrivateData(paths, manifest, runner);
  await rm(paths.private, { recursive: true });
  const fromSeal = await readPrivateData(paths, manifest, runner);
  assert.deepEqual(fromSeal, fromFolder);
  assert.deepEqual(fromSeal?.steps.map((s) => s.stepId).sort(), manifest.steps.map((s) => s.stepId).sort());
  assert.ok((fromSeal?.recordings.length ?? 0) > 0);
  assert.deepEqual(await releaseExports(paths, manifest, async () => undefined).catch((e: { code: string }) => e.code), 'PCQ_SECRET_MISSING');
  assert.deepEqual(await releaseExports(paths, manifest, runner), [NAME]);
  assert.deepEqual(await readFile(join(paths.exports, NAME)), csv);
});
