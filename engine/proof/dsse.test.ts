// DSSE v1: the protocol's own test vector (PAE bytes + an ECDSA P-256 envelope) and Ed25519 round trips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { pae } from './pae.ts';
import { readEnvelope, signEnvelope, verifyEnvelopeSignature } from './dsse.ts';
import { fromBase64, toBase64, utf8 } from './bytes.ts';
import { nodeSigner, publicKeyFromSeed } from './ed25519-node.ts';
import { nodeVerify } from './ed25519-node.ts';
import type { Ed25519Verify } from '../base/signer.ts';

const vector = JSON.parse(readFileSync('engine/testing/vectors/dsse/dsse-protocol-test-vector.json', 'utf8'));

function b64url(dec: string): string {
  return Buffer.from(BigInt(dec).toString(16).padStart(64, '0'), 'hex').toString('base64url');
}

test('PAE of the protocol vector is byte-for-byte the published string', () => {
  assert.equal(Buffer.from(pae(vector.payloadType, utf8(vector.payloadUtf8))).toString('utf8'), vector.paeUtf8);
  // LEN counts bytes, not characters.
  assert.equal(Buffer.from(pae('t', utf8('é'))).toString('utf8'), 'DSSEv1 1 t 2 é');
});

test('the protocol vector envelope verifies over PAE with its ECDSA P-256 key (algorithm-agnostic verify port)', async () => {
  const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: b64url(vector.key.x_dec), y: b64url(vector.key.y_dec) }, format: 'jwk' });
  const ecdsa: Ed25519Verify = async (_pub, msg, sig) => cryptoVerify('sha256', msg, { key, dsaEncoding: 'ieee-p1363' }, sig);
  const shape = readEnvelope(vector.envelope);
  assert.ok(shape.ok);
  assert.equal(await verifyEnvelopeSignature(shape.envelope, shape.payload, 0, new Uint8Array(0), ecdsa), true);
  const other = { ...vector.envelope, payload: toBase64(utf8('hello worle')) };
  const otherShape = readEnvelope(other);
  assert.ok(otherShape.ok);
  assert.equal(await verifyEnvelopeSignature(otherShape.envelope, otherShape.payload, 0, new Uint8Array(0), ecdsa), false);
});

test('Ed25519 envelope: sign, read, verify; URL-safe base64 accepted only when asked', async () => {
  const seed = new Uint8Array(32).fill(7);
  const signer = nodeSigner(seed);
  const payload = utf8('{"a":1}\u00ff');
  const env = await signEnvelope('application/vnd.in-toto+json', payload, signer);
  assert.equal(env.signatures[0]!.keyid, signer.keyid);
  const shape = readEnvelope(env);
  assert.ok(shape.ok);
  assert.equal(await verifyEnvelopeSignature(env, shape.payload, 0, publicKeyFromSeed(seed), nodeVerify), true);
  assert.equal(await verifyEnvelopeSignature({ ...env, payloadType: 'x' }, shape.payload, 0, publicKeyFromSeed(seed), nodeVerify), false);
  const urlSafe = { ...env, signatures: [{ keyid: signer.keyid, sig: env.signatures[0]!.sig.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') }] };
  assert.equal(await verifyEnvelopeSignature(urlSafe, shape.payload, 0, publicKeyFromSeed(seed), nodeVerify, { urlSafe: true }), true);
  if (urlSafe.signatures[0]!.sig !== env.signatures[0]!.sig) {
    assert.equal(await verifyEnvelopeSignature(urlSafe, shape.payload, 0, publicKeyFromSeed(seed), nodeVerify), false);
  }
});

test('malformed envelopes are described, never thrown', () => {
  for (const bad of [
    null,
    1,
    [],
    {},
    { payloadType: 'x' },
    { payloadType: 'x', payload: 'AA==' },
    { payloadType: 'x', payload: 'AA==', signatures: [] },
    { payloadType: 'x', payload: 'AA==', signatures: [{ keyid: 1, sig: 'AA==' }] },
    { payloadType: 'x', payload: 'AB==', signatures: [{ sig: 'AA==' }] },
    { payloadType: 'x', payload: '!', signatures: [{ sig: '' }] },
  ]) {
    const shape = readEnvelope(bad);
    assert.equal(shape.ok, false, JSON.stringify(bad));
  }
});

test('base64 decoding is canonical: non-zero padding bits and junk are refused', () => {
  assert.deepEqual(fromBase64('AA=='), new Uint8Array([0]));
  assert.equal(fromBase64('AB=='), undefined);
  assert.equal(fromBase64('AA'), undefined);
  assert.deepEqual(fromBase64('AA', { urlSafe: true }), new Uint8Array([0]));
  assert.equal(fromBase64('A A='), undefined);
  assert.equal(fromBase64('-_=='), undefined);
  assert.deepEqual(fromBase64('-_8=', { urlSafe: true }), new Uint8Array([0xfb, 0xff]));
});
