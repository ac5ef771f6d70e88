// DSSE v1 Pre-Authentication Encoding (secure-systems-lab/dsse protocol.md):
//   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
// LEN is the byte length in ASCII decimal without leading zeros; type is UTF-8.
import { utf8 } from './bytes.ts';

/** Everything of PAE(type, body) before the body, for a body of `bodyLength` bytes. */
export function paeHeader(payloadType: string, bodyLength: number): Uint8Array {
  const type = utf8(payloadType);
  const head = utf8(`DSSEv1 ${type.length} `);
  const mid = utf8(` ${bodyLength} `);
  const out = new Uint8Array(head.length + type.length + mid.length);
  out.set(head, 0);
  out.set(type, head.length);
  out.set(mid, head.length + type.length);
  return out;
}

export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const header = paeHeader(payloadType, payload.length);
  const out = new Uint8Array(header.length + payload.length);
  out.set(header, 0);
  out.set(payload, header.length);
  return out;
}

// Node's Buffer measures and writes UTF-8 natively (feature-detected: this file stays browser-safe).
type NodeBuffer = { byteLength(text: string, enc: string): number; from(b: ArrayBuffer, o: number, l: number): { write(text: string, enc: string): number } };
const NodeBufferCtor = (globalThis as { Buffer?: NodeBuffer }).Buffer;

/**
 * PAE(type, UTF-8 of `body`): the same bytes as pae(type, utf8(body)), written in one allocation
 * where Node can measure the UTF-8 length first (a manifest's signed body is ~35 MB at 10,000 steps).
 */
export function paeOfText(payloadType: string, body: string): Uint8Array {
  if (!NodeBufferCtor) return pae(payloadType, utf8(body));
  const length = NodeBufferCtor.byteLength(body, 'utf8');
  const header = paeHeader(payloadType, length);
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  NodeBufferCtor.from(out.buffer, header.length, length).write(body, 'utf8');
  return out;
}
