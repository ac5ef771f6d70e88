// id_key = base64url(utf8(id)) (seed 004 §1), no padding; round trip for any id, non-ASCII included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { idFromKey, idKey, isSpellId, parseUses } from './id-key.ts';

test('id_key of ASCII and non-ASCII ids, without padding', () => {
  assert.equal(idKey('pcq-score-pairs'), 'cGNxLXNjb3JlLXBhaXJz');
  assert.equal(idKey('é'), 'w6k'); // UTF-8 c3 a9: standard base64 would be "w6k=" with padding
  assert.equal(idKey('東京'), '5p2x5Lqs');
  assert.equal(idKey('a?>'), 'YT8-'); // the URL-safe alphabet: "-" where standard base64 has "+"
  assert.equal(idKey('🙂'), '8J-Zgg');
});

test('idFromKey inverts idKey and refuses non-canonical keys', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), (id) => idFromKey(idKey(id)) === id));
  assert.equal(idFromKey('w6k='), undefined);
  assert.equal(idFromKey('w6k/'), undefined);
});

test('ids are path segments; uses splits at the last @', () => {
  assert.equal(isSpellId('../x'), false);
  assert.equal(isSpellId('a/b'), false);
  assert.equal(isSpellId('..'), false);
  assert.equal(isSpellId('zähl-wörter'), true);
  assert.deepEqual(parseUses('zähl@wörter@1.0.0'), { id: 'zähl@wörter', version: '1.0.0' });
  assert.equal(parseUses('nover'), undefined);
});
