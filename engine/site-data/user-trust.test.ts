// The verify page's "bring your own trust" (user-trust.ts): a G… key, a PEM Ed25519 key and a trust
// file each become a trust store under which a real signed manifest verifies (or, with another
// key, fails with PCQ_KEY_UNKNOWN), exactly as verifyManifest judges it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { serializeManifest } from '../proof/manifest.ts';
import { decodeStrKey } from '../proof/strkey.ts';
import { nodeVerify } from '../proof/ed25519-node.ts';
import { verifyManifest } from '../proof/verify-manifest.ts';
import { OTHER_SEED, sampleRun } from '../proof/sample-run.fixture.ts';
import { nodeSigner } from '../proof/ed25519-node.ts';
import { userTrust } from './user-trust.ts';

function pemOf(g: string): string {
  const raw = decodeStrKey('public', g);
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

test('a manifest verifies against the runner key brought as G…, as PEM, or in a trust file; another key is refused', async () => {
  const { manifest, signer } = await sampleRun({ steps: 3 });
  const text = serializeManifest(manifest);
  const g = signer.keyid;
  const other = nodeSigner(OTHER_SEED).keyid;
  const trustFile = `keys:\n  - name: auditor-copy\n    publicKey: ${g}\n    roles: [runner]\n    status: active\n`;
  for (const [label, input] of [
    ['G key', g],
    ['PEM', pemOf(g)],
    ['trust file', trustFile],
    ['two keys', `${other}\n${g}`],
  ] as const) {
    const t = userTrust(input, 'mine.txt');
    assert.ok(t.ok, `${label}: ${JSON.stringify(t)}`);
    const report = await verifyManifest(text, t.trust, nodeVerify, { now: Date.parse('2026-06-01T00:00:00Z') });
    assert.equal(report.ok, true, `${label}: ${JSON.stringify(report.checks.filter((c) => !c.ok))}`);
    assert.equal(t.trust.keys.find((k) => k.publicKey === g)?.source, 'mine.txt', 'the source is what the user brought');
  }
  const wrong = userTrust(pemOf(other), 'other.pem');
  assert.ok(wrong.ok);
  const report = await verifyManifest(text, wrong.trust, nodeVerify, { now: Date.parse('2026-06-01T00:00:00Z') });
  assert.equal(report.ok, false);
  assert.ok(report.checks.some((c) => !c.ok && c.code === 'PCQ_KEY_UNKNOWN'));
});

test('what is not a key or a trust file is refused with a reason', () => {
  const g = nodeSigner(OTHER_SEED).keyid;
  const broken = g.slice(0, -1) + (g.endsWith('A') ? 'B' : 'A');
  for (const [input, pattern] of [
    ['', /Nothing to trust/],
    [broken, /checksum/],
    ['-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----', /not an Ed25519 public key/],
    ['-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----', /base64|Ed25519/],
    ['keys: nope', /PCQ_TRUST_INVALID/],
    ['keys: []', /lists no keys|PCQ_TRUST_INVALID/],
  ] as const) {
    const t = userTrust(input, 'x');
    assert.equal(t.ok, false, input);
    assert.match(t.ok ? '' : t.errors.join('\n'), pattern, input);
  }
});
