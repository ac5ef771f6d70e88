// Trust store loading: the committed policies/trust.yaml, the dev overlay, and located errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTrustStore, parseTrustDocument } from './trust-store.ts';
import { keyStatusAt } from '../proof/trust.ts';

test('the committed policies/trust.yaml parses: one active runner, one revoked sample', async () => {
  const trust = await loadTrustStore({ root: '.' });
  const active = trust.keys.filter((k) => k.status === 'active');
  const revoked = trust.keys.filter((k) => k.status === 'revoked');
  assert.ok(active.length >= 1 && revoked.length >= 1);
  assert.equal(keyStatusAt(trust, active[0]!.publicKey, '2026-05-01T00:00:00Z', 'runner').ok, true);
  const r = keyStatusAt(trust, revoked[0]!.publicKey, '2025-06-01T00:00:00Z', 'runner');
  assert.equal(r.ok ? 'ok' : r.code, 'PCQ_KEY_REVOKED');
});

test('invalid entries are reported with file:line:col, all of them', () => {
  const text = 'keys:\n  - name: a\n    publicKey: SABC\n    roles: [runner]\n  - name: b\n    publicKey: GAV7DO4ZF6PO2O2RJZDVTMPFUP3VZWYXI3TJRXW2ZMZXKLYJJWK3UPLR\n    roles: [boss]\n    status: lost\n    validFrom: yesterday\n    colour: red\n';
  const { issues, trust } = parseTrustDocument(text, 'trust.yaml');
  assert.equal(trust.keys.length, 0);
  assert.deepEqual(issues.map((i) => i.location?.line), [3, 10, 7, 8, 9]);
  assert.ok(issues.every((i) => i.code === 'PCQ_TRUST_INVALID' && i.hint));
  assert.equal(parseTrustDocument('keys: 3\n', 'x.yaml').issues[0]!.code, 'PCQ_TRUST_INVALID');
  assert.equal(parseTrustDocument(': : :\n  - [', 'x.yaml').trust.keys.length, 0);
});

test('the dev overlay is merged only when asked, and cannot un-revoke a key', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-trust-'));
  try {
    await mkdir(join(root, 'policies'));
    await mkdir(join(root, '.pcq'));
    const g = 'GAO35MCBCST72G35SSBU46PMXP6VMFNBAETFUZHIYQPRLDJ4Y2YZ3ZBG';
    const g2 = 'GAV7DO4ZF6PO2O2RJZDVTMPFUP3VZWYXI3TJRXW2ZMZXKLYJJWK3UPLR';
    await writeFile(join(root, 'policies/trust.yaml'), `keys:\n  - {name: r, publicKey: ${g}, roles: [runner], status: revoked, validFrom: null, validUntil: null}\n`);
    await writeFile(join(root, '.pcq/trust.local.yaml'), `keys:\n  - {name: dev, publicKey: ${g2}, roles: [runner]}\n  - {name: again, publicKey: ${g}, roles: [runner]}\n`);
    assert.equal((await loadTrustStore({ root })).keys.length, 1);
    const merged = await loadTrustStore({ root, includeLocal: true });
    assert.equal(merged.keys.length, 2);
    assert.equal(keyStatusAt(merged, g2, '2026-01-01T00:00:00Z', 'runner').ok, true);
    const still = keyStatusAt(merged, g, '2026-01-01T00:00:00Z', 'runner');
    assert.equal(still.ok ? 'ok' : still.code, 'PCQ_KEY_REVOKED');
    await assert.rejects(loadTrustStore({ root, file: join(root, 'nope.yaml') }), (e: { issues?: Array<{ code: string }> }) => e.issues?.[0]?.code === 'PCQ_TRUST_MISSING');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
