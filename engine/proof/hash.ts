// The SHA-256 port. Pure proof code takes the hash function as a parameter: Node passes node:crypto
// (hash-node.ts, several times faster), the browser uses @noble/hashes (the default here).
// A string argument is hashed as its UTF-8 bytes, which lets callers hash canonical JSON text
// without materialising a byte array first.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { utf8 } from './bytes.ts';

export type Sha256 = (data: Uint8Array | string) => Uint8Array;

export const sha256Portable: Sha256 = (data) => nobleSha256(typeof data === 'string' ? utf8(data) : data);

/**
 * Many SHA-256s at once: the port for the verifier's bulk hashing (two per attestation), which an
 * asynchronous platform hash such as WebCrypto's crypto.subtle.digest can serve off the main thread
 * and in parallel. Must return the digests in input order.
 */
export type Sha256Batch = (inputs: readonly Uint8Array[]) => Promise<Uint8Array[]>;
