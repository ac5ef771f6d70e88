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
  if (NodeBufferCtor) return NodeBufferCtor.from(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length).toString('hex');
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i]!];
  return out;
}

// Hex digit values by char code (-1: not a hex digit). A table lookup instead of a regex test plus
// parseInt per byte: the verifier decodes every digest and audit-path hash of a manifest.
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[65 + i] = HEX_VALUE[97 + i] = 10 + i;

/** Lower- or upper-case hex of even length; undefined for anything else. */
export function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hex.charCodeAt(2 * i);
    const lo = hex.charCodeAt(2 * i + 1);
    const h = hi < 128 ? HEX_VALUE[hi]! : -1;
    const l = lo < 128 ? HEX_VALUE[lo]! : -1;
    if (h < 0 || l < 0) return undefined;
    out[i] = (h << 4) | l;
  }
  return out;
}

// Node's Buffer codec is several times faster than btoa over a binary string; feature-detected so
// this file still imports nothing from Node and runs unchanged in the browser.
type NodeBufferValue = { toString(enc: string): string; write(text: string, enc: string): number };
type NodeBuffer = { from(b: Uint8Array | ArrayBuffer, o?: number, l?: number): NodeBufferValue };
const NodeBufferCtor = (globalThis as { Buffer?: NodeBuffer }).Buffer;
// TC39 Uint8Array.prototype.setFromBase64 (Chromium ≥ 140, not yet in Node 24): a native decoder
// for the browser that writes into an existing array.
const nativeSetFromBase64 = (Uint8Array.prototype as unknown as { setFromBase64?: (this: Uint8Array, text: string) => unknown }).setFromBase64;

export function toBase64(bytes: Uint8Array): string {
  if (NodeBufferCtor) return NodeBufferCtor.from(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.length).toString('base64');
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + chunk) as unknown as number[]);
  }
  return btoa(binary);
}

// Standard-alphabet values by char code (-1: not in the alphabet). Validation is one table lookup
// per character, not a backtracking regex plus a decode-and-re-encode round trip: a 10,000-step
// manifest carries ~25 MB of base64.
const B64_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;

/**
 * True when `text` is canonical padded standard base64 (RFC 4648 §4 and §3.5): the alphabet only,
 * length a multiple of 4, "=" only as the final one or two characters, and the unused low bits of
 * the last data character zero (else two spellings would decode to the same bytes).
 */
function isCanonicalBase64(text: string): boolean {
  const n = text.length;
  if (n % 4 !== 0) return false;
  if (n === 0) return true;
  let pad = 0;
  if (text.charCodeAt(n - 1) === 61) pad = text.charCodeAt(n - 2) === 61 ? 2 : 1;
  const end = n - pad;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || B64_VALUE[c]! < 0) return false;
  }
  if (pad === 1) return (B64_VALUE[text.charCodeAt(n - 2)]! & 0b11) === 0;
  if (pad === 2) return (B64_VALUE[text.charCodeAt(n - 3)]! & 0b1111) === 0;
  return true;
}

/**
 * Standard base64 with padding, canonical only (unused trailing bits must be zero). DSSE verifiers
 * MUST also accept URL-safe base64 (DSSE protocol.md); pass `{ urlSafe: true }` to allow it, with
 * or without padding. Returns undefined for anything that is not base64.
 */
export function fromBase64(text: string, options: { urlSafe?: boolean } = {}): Uint8Array | undefined {
  return fromBase64After(EMPTY, text, options);
}

const EMPTY = new Uint8Array(0);

/** The decoded length of base64 text that fromBase64 accepts (after URL-safe normalisation). */
function decodedLength(std: string): number {
  const padding = std.endsWith('==') ? 2 : std.endsWith('=') ? 1 : 0;
  return (std.length / 4) * 3 - padding;
}

/**
 * `prefix ‖ fromBase64(text)` in one allocation, or undefined when fromBase64 would refuse the text.
 * `prefix` may be a function of the decoded length (a DSSE PAE header names the payload's length),
 * so a verifier decodes a payload straight into the message it verifies, without a second copy.
 */
export function fromBase64After(
  prefix: Uint8Array | ((decodedLength: number) => Uint8Array),
  text: string,
  options: { urlSafe?: boolean } = {},
): Uint8Array | undefined {
  let std = text;
  if (options.urlSafe) {
    std = text.replace(/-/g, '+').replace(/_/g, '/');
    if (std.length % 4 !== 0 && !std.includes('=')) std += '='.repeat((4 - (std.length % 4)) % 4);
  }
  if (NodeBufferCtor) {
    // Node: decode natively, then re-encode and compare. The encoder's output is canonical padded
    // base64, so equality holds exactly for canonical input (RFC 4648 §3.5) — the same rule as
    // isCanonicalBase64, in two native passes instead of a JavaScript loop per character.
    if (std.length % 4 !== 0) return undefined;
    const length = decodedLength(std);
    const head = typeof prefix === 'function' ? prefix(length) : prefix;
    const out = new Uint8Array(head.length + length);
    out.set(head, 0);
    const body = NodeBufferCtor.from(out.buffer, head.length, length);
    body.write(std, 'base64');
    return body.toString('base64') === std ? out : undefined;
  }
  if (!isCanonicalBase64(std)) return undefined;
  // Validated above, so every decoder below sees canonical input and agrees byte for byte.
  const length = decodedLength(std);
  const head = typeof prefix === 'function' ? prefix(length) : prefix;
  const out = new Uint8Array(head.length + length);
  out.set(head, 0);
  const body = out.subarray(head.length);
  if (nativeSetFromBase64) nativeSetFromBase64.call(body, std);
  else {
    const binary = atob(std);
    for (let i = 0; i < binary.length; i++) body[i] = binary.charCodeAt(i);
  }
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
