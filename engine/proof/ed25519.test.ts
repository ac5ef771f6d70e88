// Every Ed25519 back end (node:crypto, WebCrypto, @noble/ed25519) against every vendored vector:
// RFC 8032 §7.1, the ed25519.cr.yp.to sign.input file, Wycheproof, noble's edge cases and ZIP-215.
// All three must reach the same verdict on every vector (docs/design.md §5 "Verification agrees everywhere").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fromHex } from './bytes.ts';
import { nodeSigner, nodeVerify, nodeVerifySync, publicKeyFromSeed } from './ed25519-node.ts';
import { nobleVerify, webCryptoVerify, browserVerify } from './ed25519-browser.ts';
import type { Ed25519Verify } from '../base/signer.ts';

const DIR = 'engine/testing/vectors/ed25519/';
const json = (name: string) => JSON.parse(readFileSync(DIR + name, 'utf8'));
const h = (hex: string) => fromHex(hex)!;
const webcrypto = webCryptoVerify(globalThis.crypto.subtle as never);
const BACKENDS: Array<[string, Ed25519Verify]> = [
  ['node', nodeVerify],
  ['webcrypto', webcrypto],
  ['noble', nobleVerify],
];

async function verdicts(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array): Promise<Record<string, boolean>> {
  const out: Record<string, boolean> = {};
  for (const [name, verify] of BACKENDS) out[name] = await verify(pub, msg, sig);
  // The verifier's on-this-thread check (used while the pool is behind) must say what nodeVerify says.
  assert.equal(nodeVerifySync(pub, msg, sig), out.node, 'nodeVerifySync agrees with nodeVerify');
  return out;
}

test('RFC 8032 §7.1: every back end verifies, and the Node signer reproduces each signature', async () => {
  const { vectors } = json('rfc8032_section7.1_ed25519.json');
  assert.equal(vectors.length, 5);
  for (const v of vectors) {
    const seed = h(v.secret);
    assert.deepEqual(publicKeyFromSeed(seed), h(v.public), v.name);
    const sig = await nodeSigner(seed).sign(h(v.message));
    assert.equal(Buffer.from(sig).toString('hex'), v.signature, v.name);
    assert.deepEqual(await verdicts(h(v.public), h(v.message), h(v.signature)), { node: true, webcrypto: true, noble: true }, v.name);
    const tampered = h(v.signature);
    tampered[0]! ^= 1;
    assert.deepEqual(await verdicts(h(v.public), h(v.message), tampered), { node: false, webcrypto: false, noble: false }, v.name);
  }
});

test('noble rfc8032 file and the first 128 lines of sign.input: valid on every back end', async () => {
  for (const v of json('noble_rfc8032-ed25519.json')) {
    assert.deepEqual(await verdicts(h(v.pub), h(v.msg), h(v.sig)), { node: true, webcrypto: true, noble: true });
  }
  const lines = readFileSync(DIR + 'noble_vectors.txt', 'utf8')
    .trim()
    .split('\n')
    .slice(0, 128);
  for (const line of lines) {
    const [, pub, msg, sigmsg] = line.split(':') as [string, string, string, string];
    assert.deepEqual(await verdicts(h(pub), h(msg), h(sigmsg.slice(0, 128))), { node: true, webcrypto: true, noble: true }, line.slice(0, 20));
  }
});

test('Wycheproof: 88 valid accepted and all 63 invalid rejected, identically on every back end', async () => {
  const file = json('wycheproof_ed25519_test.json');
  let valid = 0;
  let invalid = 0;
  for (const group of file.testGroups) {
    const pub = h(group.publicKey.pk);
    for (const t of group.tests) {
      const sig = fromHex(t.sig) ?? new Uint8Array(0); // a few sigs have odd length on purpose
      const expected = t.result === 'valid';
      const got = await verdicts(pub, h(t.msg), sig);
      assert.deepEqual(got, { node: expected, webcrypto: expected, noble: expected }, `tcId ${t.tcId} ${t.comment}`);
      if (expected) valid++;
      else invalid++;
    }
  }
  assert.equal(valid, 88);
  assert.equal(invalid, 63);
});

test('noble edge cases ("Taming the many EdDSAs") and ZIP-215: one verdict across back ends', async () => {
  const cases = json('noble_edge-cases.json') as Array<{ message: string; pub_key: string; signature: string }>;
  const acceptedEdges: number[] = [];
  for (const [i, c] of cases.entries()) {
    const got = await verdicts(h(c.pub_key), h(c.message), h(c.signature));
    assert.equal(new Set(Object.values(got)).size, 1, `edge case ${i}: ${JSON.stringify(got)}`);
    if (got.node) acceptedEdges.push(i);
  }
  // Only case 3 (prime-order A and R, both equations hold) is a signature every library accepts.
  assert.deepEqual(acceptedEdges, [3]);
  const zip = json('noble_zip215.json') as Array<{ vk_bytes: string; sig_bytes: string; valid_legacy: boolean }>;
  const msg = new TextEncoder().encode('Zcash');
  let accepted = 0;
  for (const [i, c] of zip.entries()) {
    const got = await verdicts(h(c.vk_bytes), msg, h(c.sig_bytes));
    assert.equal(new Set(Object.values(got)).size, 1, `zip215 case ${i}: ${JSON.stringify(got)}`);
    if (got.node) accepted++;
  }
  // ZIP-215 vectors are all small-order keys/R: the strict rule refuses every one.
  assert.equal(accepted, 0);
});

test('malformed lengths are false, never a throw', async () => {
  for (const [name, verify] of BACKENDS) {
    assert.equal(await verify(new Uint8Array(31), new Uint8Array(0), new Uint8Array(64)), false, name);
    assert.equal(await verify(new Uint8Array(32), new Uint8Array(0), new Uint8Array(63)), false, name);
  }
});

test('browserVerify picks WebCrypto when it works and noble when there is no subtle crypto', async () => {
  const seed = h('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
  const signer = nodeSigner(seed);
  const message = new TextEncoder().encode('pcq');
  const sig = await signer.sign(message);
  for (const verify of [
    await browserVerify(),
    await browserVerify(undefined),
    await browserVerify({ importKey: () => Promise.reject(new Error('no')), verify: () => Promise.resolve(false) }),
  ]) {
    assert.equal(await verify(publicKeyFromSeed(seed), message, sig), true);
  }
  assert.notEqual(await browserVerify(undefined), webcrypto);
});
