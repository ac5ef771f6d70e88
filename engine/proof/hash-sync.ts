// A synchronous SHA-256 (FIPS 180-4 §6.2) for the browser verifier's many short inputs, where
// there is no native synchronous SHA-256: the RFC 9162 inner nodes (65 bytes) of the inclusion
// proofs and the Merkle frontier, and each step's outputs-file subject, ~4 per step. @noble/hashes
// builds a hash object per call (two buffers and a view): measured in Chromium's profile as the
// largest part of those hashes (issue 16). This one reuses its scratch words (the function is
// synchronous, so no two calls share them at once) and allocates only the 32-byte digest. Checked
// against node:crypto on every length up to 300 bytes and on random inputs (hash-sync.test.ts).
import { utf8 } from './bytes.ts';
import type { Sha256 } from './hash.ts';

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
// §5.3.3: the initial hash value.
const INIT = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

const H = new Int32Array(8);
const W = new Int32Array(64);
const TAIL = new Uint8Array(128); // the last one or two blocks, padded (§5.1.1)

/** One 64-byte block at `at` of `m` into H (§6.2.2). */
function compress(m: Uint8Array, at: number): void {
  for (let t = 0; t < 16; t++) {
    const i = at + 4 * t;
    W[t] = (m[i]! << 24) | (m[i + 1]! << 16) | (m[i + 2]! << 8) | m[i + 3]!;
  }
  for (let t = 16; t < 64; t++) {
    const x = W[t - 15]!;
    const y = W[t - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[t] = (W[t - 16]! + s0 + W[t - 7]! + s1) | 0;
  }
  let a = H[0]!;
  let b = H[1]!;
  let c = H[2]!;
  let d = H[3]!;
  let e = H[4]!;
  let f = H[5]!;
  let g = H[6]!;
  let h = H[7]!;
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[t]! + W[t]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
  H[5] = (H[5]! + f) | 0;
  H[6] = (H[6]! + g) | 0;
  H[7] = (H[7]! + h) | 0;
}

/** SHA-256 of bytes, or of a string's UTF-8 (as sha256Portable). */
export const sha256Sync: Sha256 = (data) => {
  const m = typeof data === 'string' ? utf8(data) : data;
  const n = m.length;
  H.set(INIT);
  const whole = n - (n % 64);
  for (let at = 0; at < whole; at += 64) compress(m, at);
  // §5.1.1: the rest, 0x80, zeros, and the length in bits as a 64-bit big-endian integer.
  const rest = n - whole;
  const blocks = rest < 56 ? 1 : 2;
  TAIL.fill(0, 0, 64 * blocks);
  TAIL.set(m.subarray(whole), 0);
  TAIL[rest] = 0x80;
  const end = 64 * blocks;
  const high = Math.floor(n / 0x20000000); // n · 8 ÷ 2^32
  const low = (n * 8) >>> 0;
  TAIL[end - 8] = high >>> 24;
  TAIL[end - 7] = high >>> 16;
  TAIL[end - 6] = high >>> 8;
  TAIL[end - 5] = high;
  TAIL[end - 4] = low >>> 24;
  TAIL[end - 3] = low >>> 16;
  TAIL[end - 2] = low >>> 8;
  TAIL[end - 1] = low;
  compress(TAIL, 0);
  if (blocks === 2) compress(TAIL, 64);
  const out = new Uint8Array(32);
  for (let k = 0; k < 8; k++) {
    const v = H[k]!;
    out[4 * k] = v >>> 24;
    out[4 * k + 1] = v >>> 16;
    out[4 * k + 2] = v >>> 8;
    out[4 * k + 3] = v;
  }
  return out;
};
