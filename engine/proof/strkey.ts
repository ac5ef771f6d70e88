// Stellar strkeys (SEP-0023) for Ed25519 keys: G… public keys (version byte 6<<3) and S… secret
// seeds (18<<3). strkey = base32(versionByte ‖ 32-byte key ‖ CRC16-XModem(versionByte ‖ key), little
// endian), RFC 4648 alphabet, no padding: 35 bytes → exactly 56 characters. Written here so the
// signing path and the browser never import @stellar/stellar-sdk (docs/design.md §5 "Crypto in practice").
import { PcqError } from '../base/errors.ts';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const VERSION = { public: 6 << 3, seed: 18 << 3 } as const;
export type StrKeyKind = keyof typeof VERSION;

/** CRC16-XModem: polynomial 0x1021, initial value 0, no reflection, no final xor. */
export function crc16xmodem(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= bytes[i]! << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < bytes.length; i++) {
    buffer = (buffer << 8) | bytes[i]!;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

function base32Decode(text: string): Uint8Array | undefined {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (let i = 0; i < text.length; i++) {
    const value = ALPHABET.indexOf(text[i]!);
    if (value < 0) return undefined;
    buffer = ((buffer << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      out[index++] = (buffer >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  // Leftover bits must be zero, or two spellings would decode to the same key.
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

export function encodeStrKey(kind: StrKeyKind, key: Uint8Array): string {
  if (key.length !== 32) {
    throw new PcqError({
      code: 'PCQ_KEY_INVALID',
      message: `An Ed25519 ${kind === 'public' ? 'public key' : 'seed'} is 32 bytes, got ${key.length}`,
      hint: 'Pass the raw 32-byte key.',
    });
  }
  const payload = new Uint8Array(35);
  payload[0] = VERSION[kind];
  payload.set(key, 1);
  const crc = crc16xmodem(payload.subarray(0, 33));
  payload[33] = crc & 0xff;
  payload[34] = crc >>> 8;
  return base32Encode(payload);
}

/** The 32 raw bytes of a strkey of the given kind, or undefined when it is not a valid one. */
export function tryDecodeStrKey(kind: StrKeyKind, text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length !== 56) return undefined;
  const payload = base32Decode(text);
  if (!payload || payload.length !== 35 || payload[0] !== VERSION[kind]) return undefined;
  const crc = crc16xmodem(payload.subarray(0, 33));
  if (payload[33] !== (crc & 0xff) || payload[34] !== crc >>> 8) return undefined;
  return payload.slice(1, 33);
}

export function decodeStrKey(kind: StrKeyKind, text: unknown): Uint8Array {
  const key = tryDecodeStrKey(kind, text);
  if (!key) {
    const expected = kind === 'public' ? 'a G… Stellar public key' : 'an S… Stellar secret seed';
    throw new PcqError({
      code: 'PCQ_KEY_INVALID',
      message: `Not ${expected} (56 base32 characters with a valid checksum)`,
      hint: kind === 'public' ? 'Copy the key from `pcq keys generate` or the trust store.' : 'Generate a seed with `pcq keys generate`.',
    });
  }
  return key;
}

export const isPublicStrKey = (text: unknown): text is string => tryDecodeStrKey('public', text) !== undefined;
