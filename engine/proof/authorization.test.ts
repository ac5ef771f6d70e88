// Runner authorization (docs/design.md §7): the pure check, its codes, window edges, the asOf skew, and the
// dev overlay counting in dev mode only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AS_OF_SKEW_MS, authorizeRunner, type AuthorizationRequest } from './authorization.ts';
import type { TrustStore, TrustedKey } from './trust.ts';

const G = 'GAV7DO4ZF6PO2O2RJZDVTMPFUP3VZWYXI3TJRXW2ZMZXKLYJJWK3UPLR';
const key = (over: Partial<TrustedKey> = {}): TrustedKey => ({
  name: 'ci-runner',
  publicKey: G,
  roles: ['runner'],
  status: 'active',
  validFrom: '2026-01-01T00:00:00Z',
  validUntil: '2026-12-31T23:59:59Z',
  source: 'policies/trust.yaml',
  ...over,
});
const NOW = Date.parse('2026-06-01T12:00:00Z');
const req = (over: Partial<AuthorizationRequest> = {}): AuthorizationRequest => ({
  keyid: G,
  asOf: '2026-06-01T12:00:00Z',
  mode: 'prod',
  purpose: 'start',
  now: NOW,
  ...over,
});
const code = (trust: TrustStore, r: AuthorizationRequest = req()) => {
  const result = authorizeRunner(trust, r);
  return result.ok ? 'ok' : result.code;
};

test('an active runner inside its window is authorized, and the record names who vouched', () => {
  const result = authorizeRunner({ keys: [key()] }, req());
  assert.ok(result.ok);
  assert.deepEqual(result.authorization, {
    keyid: G,
    keyName: 'ci-runner',
    source: 'policies/trust.yaml',
    devOverlay: false,
    role: 'runner',
    status: 'active',
    validFrom: '2026-01-01T00:00:00Z',
    validUntil: '2026-12-31T23:59:59Z',
    checkedAt: '2026-06-01T12:00:00Z',
    mode: 'prod',
  });
});

test('each refusal has its own code', () => {
  assert.equal(code({ keys: [] }), 'PCQ_KEY_UNKNOWN');
  assert.equal(code({ keys: [key({ status: 'revoked' })] }), 'PCQ_KEY_REVOKED');
  assert.equal(code({ keys: [key(), key({ status: 'revoked', name: 'again' })] }), 'PCQ_KEY_REVOKED'); // any revocation wins
  assert.equal(code({ keys: [key({ roles: ['reviewer', 'verdict'] })] }), 'PCQ_KEY_ROLE_MISSING');
  assert.equal(code({ keys: [key({ status: 'retired' })] }), 'PCQ_KEY_NOT_ACTIVE');
  assert.equal(code({ keys: [key({ validUntil: '2026-05-01T00:00:00Z' })] }), 'PCQ_KEY_NOT_VALID_AT');
  assert.equal(code({ keys: [key()] }, req({ asOf: '2026-06-01T12:06:00Z' })), 'PCQ_AS_OF_IN_FUTURE');
  assert.equal(code({ keys: [key()] }, req({ asOf: 'yesterday' })), 'PCQ_KEY_NOT_VALID_AT');
});

test('window edges are inclusive, at asOf and (to start) at the wall clock', () => {
  const trust = { keys: [key()] };
  assert.equal(code(trust, req({ asOf: '2026-01-01T00:00:00Z' })), 'ok');
  assert.equal(code(trust, req({ asOf: '2025-12-31T23:59:59Z' })), 'PCQ_KEY_NOT_VALID_AT');
  const end = Date.parse('2026-12-31T23:59:59Z');
  assert.equal(code(trust, req({ asOf: '2026-12-31T23:59:59Z', now: end })), 'ok');
  assert.equal(code(trust, req({ asOf: '2026-12-31T23:59:59Z', now: end + 1000 })), 'PCQ_KEY_NOT_VALID_AT'); // expired now: a backdated asOf does not help
  assert.equal(code(trust, req({ asOf: '2026-06-01T00:00:00Z', now: end + 1000, purpose: 'verify' })), 'ok'); // verifying an old run: asOf decides
  assert.equal(code({ keys: [key({ validFrom: null, validUntil: null })] }, req({ asOf: '1999-01-01T00:00:00Z' })), 'ok');
});

test('asOf may run ahead of the clock by at most the documented skew (5 minutes)', () => {
  assert.equal(AS_OF_SKEW_MS, 300_000);
  const trust = { keys: [key()] };
  assert.equal(code(trust, req({ asOf: new Date(NOW + AS_OF_SKEW_MS).toISOString() })), 'ok');
  assert.equal(code(trust, req({ asOf: new Date(NOW + AS_OF_SKEW_MS + 1000).toISOString() })), 'PCQ_AS_OF_IN_FUTURE');
  assert.equal(code(trust, req({ asOf: '2026-11-01T00:00:00Z', purpose: 'verify', now: undefined })), 'ok'); // no clock given: no skew check
});

test('a retired key verifies inside its window but starts nothing', () => {
  const trust = { keys: [key({ status: 'retired' })] };
  assert.equal(code(trust, req({ purpose: 'verify' })), 'ok');
  assert.equal(code(trust), 'PCQ_KEY_NOT_ACTIVE');
});

test('a dev-overlay key counts in dev mode only, and the record says the overlay vouched', () => {
  const trust = {
    keys: [key({ name: 'ci-runner', source: '.pcq/trust.local.yaml', devOverlay: true, origin: 'local-runner', validFrom: null, validUntil: null })],
  };
  for (const mode of ['staging', 'prod'] as const) {
    const r = authorizeRunner(trust, req({ mode }));
    assert.ok(!r.ok && r.code === 'PCQ_KEY_UNKNOWN' && /dev overlay/.test(r.message));
  }
  const dev = authorizeRunner(trust, req({ mode: 'dev' }));
  assert.ok(
    dev.ok &&
      dev.authorization.devOverlay &&
      dev.authorization.source === '.pcq/trust.local.yaml' &&
      dev.authorization.origin === 'local-runner' &&
      dev.authorization.mode === 'dev',
  );
});
