// Runner keys: RUNNER_SECRET, the dev key created on first use, and fail-fast outside dev.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keypair } from '@stellar/stellar-sdk';
import { DEV_KEY_FILE, generateKeyPair, loadRunnerSigner } from './keys.ts';
import { loadTrustStore } from './trust-store.ts';
import { keyStatusAt } from '../proof/trust.ts';
import { nodeVerify } from '../proof/ed25519-node.ts';
import { decodeStrKey } from '../proof/strkey.ts';

test('generateKeyPair gives a seed and public key that stellar-sdk agrees on', () => {
  const pair = generateKeyPair();
  assert.equal(Keypair.fromSecret(pair.secret).publicKey(), pair.publicKey);
  assert.notEqual(generateKeyPair().secret, pair.secret);
});

test('RUNNER_SECRET signs in every mode; a malformed one is refused without echoing it', async () => {
  const pair = generateKeyPair();
  for (const mode of ['dev', 'staging', 'prod'] as const) {
    const { signer, origin } = await loadRunnerSigner({ env: { RUNNER_SECRET: pair.secret }, root: '/nonexistent', mode });
    assert.equal(origin, 'env');
    assert.equal(signer.keyid, pair.publicKey);
    const msg = new TextEncoder().encode('m');
    assert.equal(await nodeVerify(decodeStrKey('public', pair.publicKey), msg, await signer.sign(msg)), true);
  }
  const bad = pair.secret.slice(0, 55) + (pair.secret.endsWith('A') ? 'B' : 'A');
  await assert.rejects(
    loadRunnerSigner({ env: { RUNNER_SECRET: bad }, root: '/x', mode: 'prod' }),
    (e: Error & { code?: string }) => e.code === 'PCQ_SECRET_INVALID' && !e.message.includes(bad.slice(1, 20)),
  );
});

test('staging and prod without RUNNER_SECRET fail fast with PCQ_SECRET_MISSING', async () => {
  for (const mode of ['staging', 'prod'] as const) {
    await assert.rejects(loadRunnerSigner({ env: {}, root: '/nonexistent', mode }), (e: { code?: string }) => e.code === 'PCQ_SECRET_MISSING');
  }
});

test('dev mode creates a 0600 key on first use, reuses it, and trusts it through the overlay', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-keys-'));
  try {
    const now = () => new Date('2026-03-01T00:00:00Z');
    const first = await loadRunnerSigner({ env: {}, root, mode: 'dev', now });
    assert.equal(first.origin, 'dev-key');
    assert.equal((await stat(join(root, DEV_KEY_FILE))).mode & 0o777, 0o600);
    const second = await loadRunnerSigner({ env: { RUNNER_SECRET: '' }, root, mode: 'dev', now });
    assert.equal(second.signer.keyid, first.signer.keyid);
    const overlay = await readFile(join(root, '.pcq/trust.local.yaml'), 'utf8');
    assert.equal(overlay.split(first.signer.keyid).length, 2); // listed once, not per call
    assert.ok(!overlay.includes((await readFile(join(root, DEV_KEY_FILE), 'utf8')).trim()));
    const trust = await loadTrustStore({ root, includeLocal: true });
    assert.equal(keyStatusAt(trust, first.signer.keyid, '2026-03-01T00:00:00Z', 'runner').ok, true);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
