// RFC 8785 against cyberphone's reference test data (byte-for-byte) and the ES6 number samples.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { canonicalize } from './jcs.ts';

const DIR = 'engine/testing/vectors/jcs-cyberphone/testdata/';

test('all 6 cyberphone cases canonicalise to the expected bytes (output/ and outhex/)', () => {
  const names = readdirSync(DIR + 'input')
    .filter((n) => n.endsWith('.json'))
    .sort();
  assert.equal(names.length, 6);
  for (const name of names) {
    const input = JSON.parse(readFileSync(DIR + 'input/' + name, 'utf8'));
    const bytes = Buffer.from(canonicalize(input), 'utf8');
    assert.deepEqual(bytes, readFileSync(DIR + 'output/' + name), name);
    const hex = readFileSync(DIR + 'outhex/' + name.replace('.json', '.txt'), 'utf8').replace(/\s+/g, '');
    assert.equal(bytes.toString('hex'), hex.toLowerCase(), name);
  }
});

test('ES6 number samples: IEEE-754 bit patterns serialise as the README says', () => {
  const rows = readFileSync(DIR + 'es6-number-samples-from-README.csv', 'utf8')
    .trim()
    .split('\n');
  assert.equal(rows.length, 7);
  for (const row of rows) {
    const [bits, expected] = row.split(',') as [string, string];
    const view = new DataView(new ArrayBuffer(8));
    view.setBigUint64(0, BigInt('0x' + bits));
    assert.equal(canonicalize(view.getFloat64(0)), expected, bits);
  }
});

test('keys sort by UTF-16 code units, nested; undefined members are absent', () => {
  assert.equal(
    canonicalize({ b: [1, { z: null, a: true }], a: 'x', '\u{1F600}': 1, '\uFB33': 2, c: undefined }),
    '{"a":"x","b":[1,{"a":true,"z":null}],"\u{1F600}":1,"\uFB33":2}',
  );
});

test('non-JSON values are coded errors, never silent output', () => {
  for (const bad of [NaN, Infinity, -Infinity, 10n, () => 1, Symbol('s'), new Date(0), new Map(), [undefined], '\uD800', { ['\uDC00']: 1 }]) {
    assert.throws(
      () => canonicalize(bad),
      (err: { code?: string }) => err.code === 'PCQ_NOT_JSON',
      String(typeof bad),
    );
  }
  assert.equal(canonicalize(-0), '0');
  assert.equal(canonicalize(Object.create(null)), '{}');
});
