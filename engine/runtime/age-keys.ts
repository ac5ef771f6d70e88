// age (age-encryption.org/v1) keys derived from pcq's Ed25519 keys, so that the ombuds read sealed
// private data with the key they already sign reviews with, and the runner can release a withheld
// export in the Action where only ciphertext is checked out (engine/FORMATS.md "Sealed").
// An Ed25519 public key maps to its X25519 (Montgomery) form (RFC 7748 §4.1 birational map,
// @noble/curves ed25519.utils.toMontgomery), and the seed to the matching X25519 scalar
// (toMontgomerySecret); age writes them as Bech32 (BIP 173) `age1…` recipients and
// `AGE-SECRET-KEY-1…` identities. age-encryption's own identityToRecipient cross-checks this map
// in age-keys.test.ts.
import { ed25519 } from '@noble/curves/ed25519.js';
import { join } from 'node:path';
import { PcqError } from '../base/errors.ts';
import { decodeStrKey, tryDecodeStrKey } from '../proof/strkey.ts';
import { readOptional } from '../store/read-optional.ts';
import { DEV_KEY_FILE, RUNNER_SECRET_ENV } from './keys.ts';
import { readReviewerSecret } from './reviewer-keys.ts';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATORS[i]!;
  }
  return chk;
}

/** BIP 173 Bech32 of 8-bit data under a lowercase human-readable part (no 90-character limit, as age). */
export function bech32Encode(hrp: string, data: Uint8Array): string {
  const words: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const byte of data) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      words.push((acc >>> bits) & 31);
    }
  }
  if (bits > 0) words.push((acc << (5 - bits)) & 31);
  const expanded = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];
  const mod = polymod([...expanded, ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
  return hrp + '1' + [...words, ...checksum].map((w) => CHARSET[w]).join('');
}

/** The age X25519 recipient (`age1…`) of an Ed25519 public key given as a G… strkey. */
export function ageRecipientOf(publicKey: string): string {
  return bech32Encode('age', ed25519.utils.toMontgomery(decodeStrKey('public', publicKey)));
}

/** The age X25519 identity (`AGE-SECRET-KEY-1…`) of an Ed25519 seed. Never print it. */
export function ageIdentityOf(seed: Uint8Array): string {
  return bech32Encode('age-secret-key-', ed25519.utils.toMontgomerySecret(seed)).toUpperCase();
}

function seedFrom(text: string, origin: string): Uint8Array {
  const seed = tryDecodeStrKey('seed', text.trim());
  if (!seed)
    throw new PcqError({
      code: 'PCQ_SECRET_INVALID',
      message: `${origin} is not a Stellar secret seed (S…, 56 characters with a valid checksum)`,
      hint: 'Use the S… value `pcq keys generate` printed or wrote.',
    });
  return seed;
}

/** The runner's age identity (RUNNER_SECRET, else the dev key file); undefined when neither exists. */
export async function runnerAgeIdentity(root: string, env: Record<string, string | undefined>): Promise<string | undefined> {
  const secret = env[RUNNER_SECRET_ENV];
  if (secret !== undefined && secret.trim() !== '') return ageIdentityOf(seedFrom(secret, RUNNER_SECRET_ENV));
  const text = await readOptional(join(root, DEV_KEY_FILE));
  return text === undefined ? undefined : ageIdentityOf(seedFrom(text, DEV_KEY_FILE));
}

/** A reviewer's age identity, from the same secret that signs their decisions (reviewer-keys.ts). */
export async function reviewerAgeIdentity(root: string, login: string, env: Record<string, string | undefined>): Promise<string> {
  const { text, origin } = await readReviewerSecret(root, login, env);
  return ageIdentityOf(seedFrom(text, origin));
}
