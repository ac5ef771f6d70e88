// A reviewer's own key (docs/design.md §7): made only by an explicit `pcq keys generate --reviewer <login>`
// for a roster login, kept 0600 and never overwritten, listed in the dev overlay bound to the login,
// and the signer `pcq review` uses (PCQ_REVIEWER_SECRET first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { generateReviewerKey, loadReviewerSigner } from './reviewer-keys.ts';
import { generateKeyPair } from './keys.ts';
import { loadTrust } from './trust-store.ts';
import { keyStatusAt } from '../proof/trust.ts';
import { makeSampleRoot } from '../testing/sample-root.ts';

const ROSTER = ['ombuds-alice', 'ombuds-bob'];

test('generate --reviewer: roster login only, 0600 secret, overlay entry bound to the login, idempotent', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-reviewer-'));
  try {
    await assert.rejects(generateReviewerKey(root, 'mallory', ROSTER), { code: 'PCQ_REVIEWER_NOT_ON_ROSTER' });
    await assert.rejects(generateReviewerKey(root, '../../etc', ['../../etc']), { code: 'PCQ_USAGE' });
    const key = await generateReviewerKey(root, 'Ombuds-Alice', ROSTER);
    assert.deepEqual([key.login, key.file, key.created], ['ombuds-alice', '.pcq/keys/reviewer-ombuds-alice.secret', true]);
    assert.equal((await stat(join(root, key.file))).mode & 0o777, 0o600);
    const again = await generateReviewerKey(root, 'ombuds-alice', ROSTER);
    assert.deepEqual([again.publicKey, again.created], [key.publicKey, false], 'an existing key is kept, never replaced');
    const overlay = await readFile(join(root, '.pcq/trust.local.yaml'), 'utf8');
    assert.equal(overlay.split(key.publicKey).length, 2, 'listed once');
    assert.ok(!overlay.includes((await readFile(join(root, key.file), 'utf8')).trim()), 'no secret in the overlay');
    const { trust, warnings } = await loadTrust({ root, includeLocal: true });
    assert.deepEqual(warnings, []);
    const status = keyStatusAt(trust, key.publicKey, '2026-06-01T00:00:00Z', 'reviewer');
    assert.ok(status.ok && status.key.login === 'ombuds-alice' && status.key.origin === 'local-reviewer' && status.key.devOverlay);
    assert.equal(keyStatusAt(trust, key.publicKey, '2026-06-01T00:00:00Z', 'runner').ok, false, 'a reviewer key never runs');
    const { signer, origin } = await loadReviewerSigner(root, 'ombuds-alice', {});
    assert.deepEqual([signer.keyid, origin], [key.publicKey, 'file']);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('loadReviewerSigner: PCQ_REVIEWER_SECRET wins; no key is a coded error naming the command', async () => {
  const pair = generateKeyPair();
  const fromEnv = await loadReviewerSigner('/nonexistent', 'ombuds-bob', { PCQ_REVIEWER_SECRET: pair.secret });
  assert.deepEqual([fromEnv.signer.keyid, fromEnv.origin], [pair.publicKey, 'env']);
  await assert.rejects(
    loadReviewerSigner('/nonexistent', 'ombuds-bob', {}),
    (e: Error & { code?: string; hint?: string }) => e.code === 'PCQ_REVIEWER_KEY_MISSING' && /pcq keys generate --reviewer ombuds-bob/.test(e.hint ?? ''),
  );
  await assert.rejects(loadReviewerSigner('/nonexistent', '../runner', {}), { code: 'PCQ_USAGE' });
});

test('CLI: pcq keys generate --reviewer checks policies/ombuds.yaml and never prints the secret', async () => {
  const root = await makeSampleRoot('pcq-reviewer-cli-');
  const exec = promisify(execFile);
  const cli = (...args: string[]) =>
    exec(resolve('node_modules/.bin/node'), ['--import', resolve('node_modules/tsx/dist/esm/index.mjs'), resolve('engine/cli/main.ts'), ...args], {
      cwd: root,
    }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
  try {
    const roster = await readFile(join(root, 'policies/ombuds.yaml'), 'utf8');
    const login = /login:\s*(\S+)/.exec(roster)![1]!;
    const made = await cli('keys', 'generate', '--reviewer', login, '--json');
    assert.equal(made.code, 0, made.stderr);
    const key = JSON.parse(made.stdout) as { publicKey: string; file: string };
    const secret = (await readFile(join(root, key.file), 'utf8')).trim();
    assert.ok(!made.stdout.includes(secret));
    const refused = await cli('keys', 'generate', '--reviewer', 'not-on-roster');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /PCQ_REVIEWER_NOT_ON_ROSTER/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
