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
