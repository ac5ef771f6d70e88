// Byte encodings the proof layer needs (hex, base64, UTF-8), written against web-platform globals
// only (TextEncoder, btoa, atob) so the same code runs in Node and in the browser verifier.
// Decoders are strict: a verifier must not accept two spellings of the same bytes, or a
// single-character change to a signature could leave it valid (RFC 4648 §3.5 canonical encoding).

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8 strictly; returns undefined for malformed bytes instead of replacing them. */
export function fromUtf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

/** Lower- or upper-case hex of even length; undefined for anything else. */
export function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

// Node's Buffer codec is several times faster than btoa over a binary string; feature-detected so
// this file still imports nothing from Node and runs unchanged in the browser.
type NodeBuffer = { from(b: Uint8Array | ArrayBuffer, o?: number, l?: number): { toString(enc: string): string } };
const NodeBufferCtor = (globalThis as { Buffer?: NodeBuffer }).Buffer;

export function toBase64(bytes: Uint8Array): string {
  if (NodeBufferCtor) return NodeBufferCtor.from(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length).toString('base64');
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk) as unknown as number[]);
  }
  return btoa(binary);
}

const STD_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Standard base64 with padding, canonical only (unused trailing bits must be zero). DSSE verifiers
 * MUST also accept URL-safe base64 (DSSE protocol.md); pass `{ urlSafe: true }` to allow it, with
 * or without padding. Returns undefined for anything that is not base64.
 */
export function fromBase64(text: string, options: { urlSafe?: boolean } = {}): Uint8Array | undefined {
  let std = text;
  if (options.urlSafe) {
    std = text.replace(/-/g, '+').replace(/_/g, '/');
    if (std.length % 4 !== 0 && !std.includes('=')) std += '='.repeat((4 - (std.length % 4)) % 4);
  }
  if (!STD_B64.test(std)) return undefined;
  let binary: string;
  try {
    binary = atob(std);
  } catch {
    return undefined;
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  // Canonical check: re-encoding must give back the same text (rejects non-zero padding bits).
  if (toBase64(out) !== std) return undefined;
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
