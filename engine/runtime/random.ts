// Deterministic randomness for runs (docs/design.md §5 Determinism: "randomness from a seed derived from
// the run's inputs"), so that a replay with the same inputs draws the same numbers.
//
// Generator: xoshiro128** 1.1 (Blackman & Vigna, https://prng.di.unimi.it/xoshiro128starstar.c):
// 128-bit state, period 2^128 − 1, 32-bit outputs. State = the first 16 bytes of
// SHA-256("pcq-random-v1\0" ‖ seed bytes), read as four big-endian uint32 words; hashing spreads any
// seed over the state and makes the forbidden all-zero state unreachable in practice. Each call
// returns (next uint32) / 2^32, a float in [0, 1). The algorithm and derivation are part of the
// replay contract: changing either changes every recorded run's draws, so version the prefix.
import { createHash } from 'node:crypto';
import { canonicalize } from '../proof/jcs.ts';
import { PcqError } from '../base/errors.ts';

export type Random = () => number;

const DOMAIN = Buffer.from('pcq-random-v1\0', 'utf8');

/** A seeded generator; `seedHex` is an even-length hex string (e.g. a sha256 digest), `sha256:` allowed. */
export function createRandom(seedHex: string): Random {
  const hex = seedHex.startsWith('sha256:') ? seedHex.slice(7) : seedHex;
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw new PcqError({
      code: 'PCQ_SEED_INVALID',
      message: `The random seed must be a non-empty even-length hex string, got ${JSON.stringify(seedHex.slice(0, 20))}.`,
      hint: 'Derive the seed with seedFromInputs(runInputs), which returns sha256 hex.',
    });
  }
  const digest = createHash('sha256').update(DOMAIN).update(Buffer.from(hex.toLowerCase(), 'hex')).digest();
  const next = xoshiro128StarStar([digest.readUInt32BE(0), digest.readUInt32BE(4), digest.readUInt32BE(8), digest.readUInt32BE(12)]);
  return () => next() / 4294967296;
}

/** The raw generator: uint32 outputs from a 4-word state, exactly as the reference C code. */
export function xoshiro128StarStar(state: readonly [number, number, number, number]): () => number {
  let [s0, s1, s2, s3] = state.map((w) => w >>> 0) as [number, number, number, number];
  return () => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    return result;
  };
}

/** The run's seed: sha256 hex of the RFC 8785 canonical JSON of its inputs (runbook digest, params, asOf). */
export function seedFromInputs(inputs: unknown): string {
  return createHash('sha256').update(canonicalize(inputs), 'utf8').digest('hex');
}

/** An integer in [min, max] drawn from `random` (inclusive both ends). */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
