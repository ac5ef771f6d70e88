// The canonical JSON that in-toto's legacy metadata is signed over: securesystemslib
// `formats.encode_canonical` (the OLPC canonical JSON dialect, http://wiki.laptop.org/go/Canonical_JSON),
// NOT RFC 8785. Objects with keys sorted by code point, no whitespace, strings quoted with only `\`
// and `"` escaped (every other character, control characters included, written as is), integers
// only (a float is refused, as securesystemslib refuses it), true/false/null.
import { PcqError } from '../base/errors.ts';

function compareCodePoints(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!);
  const y = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

function encodeString(s: string): string {
  return '"' + s.replace(/["\\]/g, (c) => '\\' + c) + '"';
}

/** securesystemslib's encode_canonical of a JSON value (strings, safe integers, booleans, null, arrays, objects). */
export function encodeOlpcCanonical(value: unknown): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return encodeString(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new PcqError({ code: 'PCQ_INTERNAL', message: `canonical JSON (OLPC) holds integers only, got ${value}`, hint: 'Report this as a pcq bug.' });
    }
    return String(value);
  }
  if (Array.isArray(value)) return '[' + value.map(encodeOlpcCanonical).join(',') + ']';
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => compareCodePoints(a, b));
    return '{' + entries.map(([k, v]) => encodeString(k) + ':' + encodeOlpcCanonical(v)).join(',') + '}';
  }
  throw new PcqError({ code: 'PCQ_INTERNAL', message: `canonical JSON (OLPC) cannot hold a ${typeof value}`, hint: 'Report this as a pcq bug.' });
}
