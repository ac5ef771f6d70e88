// The SHA-256 port. Pure proof code takes the hash function as a parameter: Node passes node:crypto
// (hash-node.ts, several times faster), the browser uses @noble/hashes (the default here).
// A string argument is hashed as its UTF-8 bytes, which lets callers hash canonical JSON text
// without materialising a byte array first.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { utf8 } from './bytes.ts';

export type Sha256 = (data: Uint8Array | string) => Uint8Array;

export const sha256Portable: Sha256 = (data) => nobleSha256(typeof data === 'string' ? utf8(data) : data);
