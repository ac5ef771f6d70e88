// Digests are written `sha256:<64 lowercase hex>` everywhere in pcq (FORMATS.md "Encodings").
import { canonicalize } from './jcs.ts';
import { fromHex, toHex } from './bytes.ts';
import { sha256Portable, type Sha256 } from './hash.ts';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function formatDigest(hash: Uint8Array): string {
  return 'sha256:' + toHex(hash);
}

export function isDigest(text: unknown): text is string {
  return typeof text === 'string' && DIGEST.test(text);
}

/** The 32 hash bytes of a `sha256:<hex>` digest, or undefined when the text is not one. */
export function parseDigest(text: unknown): Uint8Array | undefined {
  return isDigest(text) ? fromHex(text.slice(7)) : undefined;
}

/** `sha256:<hex>` of raw bytes or of a string's UTF-8 bytes. */
export function digestOf(data: Uint8Array | string, sha256: Sha256 = sha256Portable): string {
  return formatDigest(sha256(data));
}

/** `sha256:<hex>` of the RFC 8785 canonical form of a JSON value. */
export function digestOfJson(value: unknown, sha256: Sha256 = sha256Portable): string {
  return formatDigest(sha256(canonicalize(value)));
}
