// Stellar strkeys, cross-checked against @stellar/stellar-sdk (tests only: the engine never imports it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Keypair, StrKey } from '@stellar/stellar-sdk';
import { crc16xmodem, decodeStrKey, encodeStrKey, isPublicStrKey, tryDecodeStrKey } from './strkey.ts';

test('CRC16-XModem check value ("123456789" → 0x31C3)', () => {
  assert.equal(crc16xmodem(new TextEncoder().encode('123456789')), 0x31c3);
});

test('encode/decode agree with stellar-sdk on 200 random keys and seeds', () => {
  for (let i = 0; i < 200; i++) {
    const raw = new Uint8Array(randomBytes(32));
    const g = encodeStrKey('public', raw);
    const s = encodeStrKey('seed', raw);
    assert.equal(g, StrKey.encodeEd25519PublicKey(Buffer.from(raw)));
    assert.equal(s, StrKey.encodeEd25519SecretSeed(Buffer.from(raw)));
    assert.deepEqual(decodeStrKey('public', g), raw);
    assert.deepEqual(decodeStrKey('seed', s), raw);
    const kp = Keypair.fromRawEd25519Seed(Buffer.from(raw));
    assert.equal(kp.secret(), s);
  }
});

test('a wrong version, a bad checksum, a bad character or a wrong length is refused', () => {
  const kp = Keypair.random();
  const g = kp.publicKey();
  assert.ok(isPublicStrKey(g));
  assert.equal(tryDecodeStrKey('seed', g), undefined); // a G… is not an S…
  assert.equal(tryDecodeStrKey('public', kp.secret()), undefined);
  for (let i = 0; i < g.length; i++) {
    const c = g[i] === 'A' ? 'B' : 'A';
    const changed = g.slice(0, i) + c + g.slice(i + 1);
    assert.equal(tryDecodeStrKey('public', changed), undefined, `position ${i}`);
    assert.equal(StrKey.isValidEd25519PublicKey(changed), false);
  }
  for (const bad of ['', g.slice(1), g + 'A', g.toLowerCase(), g.slice(0, 55) + '1', 42, null]) {
    assert.equal(tryDecodeStrKey('public', bad), undefined, String(bad));
  }
  assert.throws(
    () => decodeStrKey('public', 'GABC'),
    (e: { code?: string; message: string }) => e.code === 'PCQ_KEY_INVALID' && !e.message.includes('GABC'),
  );
  assert.throws(
    () => encodeStrKey('public', new Uint8Array(31)),
    (e: { code?: string }) => e.code === 'PCQ_KEY_INVALID',
  );
});
