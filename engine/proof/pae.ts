// DSSE v1 Pre-Authentication Encoding (secure-systems-lab/dsse protocol.md):
//   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
// LEN is the byte length in ASCII decimal without leading zeros; type is UTF-8.
import { utf8 } from './bytes.ts';

// "DSSEv1 LEN(type) type" for the last payload type seen: a verifier asks for the same type's
// header once per envelope (10,000 times for a large manifest).
let lastType: string | undefined;
let lastPrefix = new Uint8Array(0);

/** Everything of PAE(type, body) before the body, for a body of `bodyLength` bytes. */
export function paeHeader(payloadType: string, bodyLength: number): Uint8Array {
  if (payloadType !== lastType) {
    const type = utf8(payloadType);
    const head = utf8(`DSSEv1 ${type.length} `);
    lastPrefix = new Uint8Array(head.length + type.length);
    lastPrefix.set(head, 0);
    lastPrefix.set(type, head.length);
    lastType = payloadType;
  }
  const prefix = lastPrefix;
  const length = String(bodyLength); // ASCII digits: one byte per character
  const out = new Uint8Array(prefix.length + length.length + 2);
  out.set(prefix, 0);
  let at = prefix.length;
  out[at++] = 0x20;
  for (let i = 0; i < length.length; i++) out[at++] = length.charCodeAt(i);
  out[at] = 0x20;
  return out;
}

export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const header = paeHeader(payloadType, payload.length);
  const out = new Uint8Array(header.length + payload.length);
  out.set(header, 0);
  out.set(payload, header.length);
  return out;
}
