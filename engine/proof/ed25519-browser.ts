// Ed25519 verification where node:crypto is absent (the browser verifier): WebCrypto's Ed25519
// when the platform has it, else @noble/ed25519. Both sit behind the same strictness gate as the
// Node path (ed25519-rules.ts) so every verdict agrees.
// noble's verify is cofactored ([8][S]B = [8]R + [8][k]A) while OpenSSL and BoringSSL are
// cofactorless and compare encodings (RFC 8032 §5.1.7 "check the group equation [S]B = R + [k]A"
// as encode([S]B − [k]A) == R). The mixed-order vectors in noble's edge cases tell them apart, so
// the noble path runs the cofactorless byte comparison with noble's point arithmetic.
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { passesStrictRules } from './ed25519-rules.ts';
import type { Ed25519Verify } from './signer.ts';

ed.hashes.sha512 = sha512;

const L = ed.Point.CURVE().n;

function littleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export const nobleVerify: Ed25519Verify = async (publicKey, message, signature) => {
  if (!passesStrictRules(publicKey, signature)) return false;
  try {
    const A = ed.Point.fromBytes(publicKey, false); // RFC 8032 decoding: y < p, x = 0 needs sign 0
    const r = signature.subarray(0, 32);
    const S = littleEndian(signature.subarray(32, 64)); // < L, checked by the gate
    const input = new Uint8Array(64 + message.length);
    input.set(r, 0);
    input.set(publicKey, 32);
    input.set(message, 64);
    const k = ed.etc.mod(littleEndian(sha512(input)), L);
    const expectedR = ed.Point.BASE.multiply(S, false).subtract(A.multiply(k, false));
    return sameBytes(expectedR.toBytes(), r);
  } catch {
    return false;
  }
};

type Subtle = {
  importKey(format: 'raw', key: Uint8Array, alg: { name: string }, extractable: boolean, usages: string[]): Promise<unknown>;
  verify(alg: { name: string }, key: unknown, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
};

/**
 * A verifier over WebCrypto's Ed25519; caller must know the platform supports it. Imported keys are
 * cached per public key (a manifest has one runner key for all its signatures, and importKey is an
 * asynchronous round trip of its own); a key WebCrypto refuses stays refused.
 */
export function webCryptoVerify(subtle: Subtle): Ed25519Verify {
  const keys = new Map<string, Promise<unknown>>();
  const importKey = (publicKey: Uint8Array): Promise<unknown> => {
    let hex = '';
    for (let i = 0; i < publicKey.length; i++) hex += (publicKey[i]! < 16 ? '0' : '') + publicKey[i]!.toString(16);
    let key = keys.get(hex);
    if (key === undefined) {
      if (keys.size >= 4096) keys.clear();
      key = subtle.importKey('raw', publicKey.slice(), { name: 'Ed25519' }, false, ['verify']);
      key.catch(() => undefined); // observed here; each caller still sees the rejection
      keys.set(hex, key);
    }
    return key;
  };
  return async (publicKey, message, signature) => {
    if (!passesStrictRules(publicKey, signature)) return false;
    try {
      return await subtle.verify({ name: 'Ed25519' }, await importKey(publicKey), signature, message);
    } catch {
      return false;
    }
  };
}

// RFC 8032 §7.1 TEST 1: a probe that the platform's WebCrypto really verifies Ed25519.
const PROBE_KEY = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const PROBE_SIG = 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';
const fromHex = (h: string) => new Uint8Array(h.match(/../g)!.map((b) => parseInt(b, 16)));

/** WebCrypto Ed25519 when available and working, else noble. */
export async function browserVerify(subtle: Subtle | undefined = (globalThis.crypto?.subtle as unknown as Subtle | undefined)): Promise<Ed25519Verify> {
  if (!subtle) return nobleVerify;
  try {
    const probe = webCryptoVerify(subtle);
    if (await probe(fromHex(PROBE_KEY), new Uint8Array(0), fromHex(PROBE_SIG))) return probe;
  } catch {
    // fall through to noble
  }
  return nobleVerify;
}
