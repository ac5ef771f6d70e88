import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decrypter, Encrypter, identityToRecipient } from 'age-encryption';
import { ageIdentityOf, ageRecipientOf, bech32Encode } from './age-keys.ts';
import { generateKeyPair } from './keys.ts';
import { decodeStrKey } from '../proof/strkey.ts';

test('bech32 matches the BIP 173 vector', () => {
  // BIP 173: "a12uel5l" is the valid encoding of hrp "a" with empty data.
  assert.equal(bech32Encode('a', new Uint8Array()), 'a12uel5l');
});

test("the age recipient of an Ed25519 public key is the one age derives from the seed's identity", async () => {
  for (let i = 0; i < 5; i++) {
    const pair = generateKeyPair();
    const identity = ageIdentityOf(decodeStrKey('seed', pair.secret));
    assert.match(identity, /^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    assert.equal(await identityToRecipient(identity), ageRecipientOf(pair.publicKey));
  }
});

test('a file sealed to a G… key opens with that key and no other', async () => {
  const alice = generateKeyPair();
  const mallory = generateKeyPair();
  const enc = new Encrypter();
  enc.addRecipient(ageRecipientOf(alice.publicKey));
  const sealed = await enc.encrypt('carol@example.org');
  const dec = new Decrypter();
  dec.addIdentity(ageIdentityOf(decodeStrKey('seed', alice.secret)));
  assert.equal(await dec.decrypt(sealed, 'text'), 'carol@example.org');
  const wrong = new Decrypter();
  wrong.addIdentity(ageIdentityOf(decodeStrKey('seed', mallory.secret)));
  await assert.rejects(wrong.decrypt(sealed, 'text'));
});
