// Opens a DSSE envelope for display (DSSE v1 envelope: payloadType, base64 payload, signatures).
// This is not verification: the site shows what an envelope claims and leaves the checking to
// proof/ (pcq verify, and the same code bundled into the browser verifier).
import { Buffer } from 'node:buffer';

export interface DecodedEnvelope {
  payloadType: string;
  statement: Record<string, unknown>;
  keyid: string;
}

/** Returns undefined when the value is not an envelope whose payload is a JSON object. */
export function decodeEnvelope(envelope: unknown): DecodedEnvelope | undefined {
  if (typeof envelope !== 'object' || envelope === null) return undefined;
  const e = envelope as { payloadType?: unknown; payload?: unknown; signatures?: unknown };
  if (typeof e.payload !== 'string' || typeof e.payloadType !== 'string') return undefined;
  // Display only, at build time on Node: Buffer's decoder (both alphabets) is several times faster
  // than proof/bytes' strict canonical check, which `pcq verify` and the browser verifier apply.
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(e.payload)) return undefined;
  const text = Buffer.from(e.payload, 'base64').toString('utf8');
  let statement: unknown;
  try {
    statement = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof statement !== 'object' || statement === null || Array.isArray(statement)) return undefined;
  const first = Array.isArray(e.signatures) ? (e.signatures[0] as { keyid?: unknown } | undefined) : undefined;
  return { payloadType: e.payloadType, statement: statement as Record<string, unknown>, keyid: typeof first?.keyid === 'string' ? first.keyid : '' };
}

/** The in-toto predicate of a decoded statement, or an empty object. */
export function predicateOf(decoded: DecodedEnvelope | undefined): Record<string, unknown> {
  const p = decoded?.statement['predicate'];
  return typeof p === 'object' && p !== null && !Array.isArray(p) ? (p as Record<string, unknown>) : {};
}
