// Trust store loading: the committed policies/trust.yaml, the dev overlay (docs/design.md §7: it only adds
// keys created on this machine), and located errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTrust, loadTrustStore, parseTrustDocument } from './trust-store.ts';
import { applyDevOverlay, type LocalKeyIds } from './trust-overlay.ts';
import { DEV_KEY_FILE, generateKeyPair } from './keys.ts';
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
  const text =
    'keys:\n  - name: a\n    publicKey: SABC\n    roles: [runner]\n  - name: b\n    publicKey: GAV7DO4ZF6PO2O2RJZDVTMPFUP3VZWYXI3TJRXW2ZMZXKLYJJWK3UPLR\n    roles: [boss]\n    status: lost\n    validFrom: yesterday\n    colour: red\n';
  const { issues, trust } = parseTrustDocument(text, 'trust.yaml');
  assert.equal(trust.keys.length, 0);
  assert.deepEqual(
    issues.map((i) => i.location?.line),
    [3, 10, 7, 8, 9],
  );
  assert.ok(issues.every((i) => i.code === 'PCQ_TRUST_INVALID' && i.hint));
  assert.equal(parseTrustDocument('keys: 3\n', 'x.yaml').issues[0]!.code, 'PCQ_TRUST_INVALID');
  assert.equal(parseTrustDocument(': : :\n  - [', 'x.yaml').trust.keys.length, 0);
});

test('the dev overlay adds only keys created here; it cannot re-activate, re-role or widen a committed key', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pcq-trust-'));
  try {
    await mkdir(join(root, 'policies'));
    await mkdir(join(root, '.pcq/keys'), { recursive: true });
    const local = generateKeyPair();
    const alice = generateKeyPair();
    const foreign = generateKeyPair();
    await writeFile(join(root, DEV_KEY_FILE), local.secret + '\n');
    await writeFile(join(root, '.pcq/keys/reviewer-alice.secret'), alice.secret + '\n');
    const revoked = 'GAO35MCBCST72G35SSBU46PMXP6VMFNBAETFUZHIYQPRLDJ4Y2YZ3ZBG';
    const retired = 'GAV7DO4ZF6PO2O2RJZDVTMPFUP3VZWYXI3TJRXW2ZMZXKLYJJWK3UPLR';
    await writeFile(
      join(root, 'policies/trust.yaml'),
      `keys:
  - {name: gone, publicKey: ${revoked}, roles: [runner], status: revoked, validFrom: null, validUntil: null}
  - {name: ci-runner, publicKey: ${retired}, roles: [runner], status: retired, validFrom: null, validUntil: 2026-06-01T00:00:00Z}
`,
    );
    await writeFile(
      join(root, '.pcq/trust.local.yaml'),
      `keys:
  - {name: dev, publicKey: ${local.publicKey}, roles: [runner], origin: local-runner}
  - {name: again, publicKey: ${revoked}, roles: [runner], status: active, origin: local-runner}
  - {name: wider, publicKey: ${retired}, roles: [runner, verdict], status: active, validUntil: null, origin: local-runner}
  - {name: ci-runner, publicKey: ${foreign.publicKey}, roles: [runner], origin: local-runner}
  - {name: me, publicKey: ${alice.publicKey}, roles: [reviewer], login: alice, origin: local-reviewer}
  - {name: legacy, publicKey: ${foreign.publicKey}, roles: [runner, reviewer]}
`,
    );
    assert.equal((await loadTrustStore({ root })).keys.length, 2, 'no overlay unless asked (dev mode)');
    const { trust, warnings } = await loadTrust({ root, includeLocal: true });
    assert.deepEqual(
      warnings.map((w) => [w.code, w.severity]),
      [
        ['PCQ_TRUST_OVERLAY_CONFLICT', 'warning'],
        ['PCQ_TRUST_OVERLAY_CONFLICT', 'warning'],
        ['PCQ_TRUST_OVERLAY_FOREIGN', 'warning'],
        ['PCQ_TRUST_OVERLAY_CONFLICT', 'warning'],
      ],
    );
    assert.deepEqual(
      trust.keys.map((k) => [k.name, k.source, k.devOverlay === true]),
      [
        ['gone', 'policies/trust.yaml', false],
        ['ci-runner', 'policies/trust.yaml', false],
        ['dev', '.pcq/trust.local.yaml', true],
        ['me', '.pcq/trust.local.yaml', true],
      ],
    );
    const code = (v: ReturnType<typeof keyStatusAt>) => (v.ok ? 'ok' : v.code);
    assert.equal(code(keyStatusAt(trust, revoked, '2026-01-01T00:00:00Z', 'runner')), 'PCQ_KEY_REVOKED');
    assert.equal(code(keyStatusAt(trust, retired, '2026-07-01T00:00:00Z', 'runner')), 'PCQ_KEY_NOT_VALID_AT');
    assert.equal(code(keyStatusAt(trust, retired, '2026-01-01T00:00:00Z', 'verdict')), 'PCQ_KEY_ROLE_MISSING');
    assert.equal(code(keyStatusAt(trust, foreign.publicKey, '2026-01-01T00:00:00Z', 'runner')), 'PCQ_KEY_UNKNOWN');
    assert.equal(code(keyStatusAt(trust, local.publicKey, '2026-01-01T00:00:00Z', 'runner')), 'ok');
    assert.equal(
      code(keyStatusAt(trust, local.publicKey, '2026-01-01T00:00:00Z', 'reviewer')),
      'PCQ_KEY_ROLE_MISSING',
      'the key pcq made by itself never reviews',
    );
    const me = keyStatusAt(trust, alice.publicKey, '2026-01-01T00:00:00Z', 'reviewer');
    assert.ok(me.ok && me.key.login === 'alice' && me.key.origin === 'local-reviewer');
    await assert.rejects(
      loadTrustStore({ root, file: join(root, 'nope.yaml') }),
      (e: { issues?: Array<{ code: string }> }) => e.issues?.[0]?.code === 'PCQ_TRUST_MISSING',
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('an overlay entry whose roles exceed its origin, or a reviewer without login, is ignored', () => {
  const local: LocalKeyIds = { runner: 'GAV7DO4ZF6PO2O2RJZDVTMPFUP3VZWYXI3TJRXW2ZMZXKLYJJWK3UPLR', reviewers: new Map() };
  const overlay = parseTrustDocument(
    `keys:\n  - {name: dev, publicKey: ${local.runner}, roles: [runner, reviewer], origin: local-runner}\n  - {name: r, publicKey: GAO35MCBCST72G35SSBU46PMXP6VMFNBAETFUZHIYQPRLDJ4Y2YZ3ZBG, roles: [reviewer], origin: local-reviewer}\n`,
    '.pcq/trust.local.yaml',
    { overlay: true },
  );
  assert.deepEqual(overlay.issues, []);
  const { trust, warnings } = applyDevOverlay({ keys: [] }, overlay.trust, local);
  assert.equal(trust.keys.length, 0);
  assert.deepEqual(
    warnings.map((w) => w.code),
    ['PCQ_TRUST_OVERLAY_ORIGIN', 'PCQ_TRUST_OVERLAY_ORIGIN'],
  );
  assert.match(warnings[1]!.message, /without a `login`/);
});

test("origin belongs to the overlay only; login must be a reviewer's GitHub login", () => {
  const g = 'GAV7DO4ZF6PO2O2RJZDVTMPFUP3VZWYXI3TJRXW2ZMZXKLYJJWK3UPLR';
  const bad = parseTrustDocument(
    `keys:\n  - {name: a, publicKey: ${g}, roles: [runner], origin: local-runner}\n  - {name: b, publicKey: ${g}, roles: [runner], login: alice}\n  - {name: c, publicKey: ${g}, roles: [reviewer], login: "not a login"}\n`,
    'policies/trust.yaml',
  );
  assert.deepEqual(
    bad.issues.map((i) => [i.code, i.location?.line]),
    [
      ['PCQ_TRUST_INVALID', 2],
      ['PCQ_TRUST_INVALID', 3],
      ['PCQ_TRUST_INVALID', 4],
    ],
  );
  const good = parseTrustDocument(`keys:\n  - {name: c, publicKey: ${g}, roles: [reviewer], login: ombuds-alice}\n`, 'policies/trust.yaml');
  assert.equal(good.trust.keys[0]!.login, 'ombuds-alice');
});
