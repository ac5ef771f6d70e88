// RFC 8785 JSON Canonicalization Scheme (JCS), written here rather than imported: it is ~60 lines,
// must run unchanged in the browser verifier, and sits on the hot path of every attestation.
// - Object members sorted by their UTF-16 code units (RFC 8785 §3.2.3): exactly JS's default sort.
// - Strings serialised as ECMAScript JSON.stringify does (RFC 8785 §3.2.2.2).
// - Numbers serialised as ECMAScript Number.prototype.toString (RFC 8785 §3.2.2.3); NaN and
//   ±Infinity are not JSON and are refused; -0 becomes "0".
// - Input must be I-JSON (RFC 7493): lone surrogates in strings are refused.
import { PcqError } from '../runtime/errors.ts';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function notJson(path: string, what: string): PcqError {
  return new PcqError({
    code: 'PCQ_NOT_JSON',
    message: `Cannot canonicalise ${what} at ${path || '$'}: RFC 8785 accepts JSON values only`,
    hint: 'Pass plain JSON data (objects, arrays, strings, finite numbers, booleans, null).',
  });
}

/**
 * JSON text that is already RFC 8785 canonical, embedded verbatim by canonicalize(). It lets the
 * attester canonicalise a step's outputs once and reuse the text for the size check, the subject
 * digest and the statement. Only construct it from canonicalize()'s own output.
 */
export class CanonicalJson {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

function serializeString(value: string, path: string): string {
  if (LONE_SURROGATE.test(value)) throw notJson(path, 'a string with a lone surrogate');
  return JSON.stringify(value);
}

function serialize(value: unknown, path: string): string {
  switch (typeof value) {
    case 'string':
      return serializeString(value, path);
    case 'number':
      if (!Number.isFinite(value)) throw notJson(path, String(value));
      return String(value); // ES6 Number-to-String == RFC 8785 number serialisation; String(-0) is "0"
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (value instanceof CanonicalJson) return value.text;
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item: unknown = value[i];
          if (item === undefined) throw notJson(`${path}[${i}]`, 'undefined');
          out += serialize(item, `${path}[${i}]`);
        }
        return out + ']';
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw notJson(path, `an instance of ${proto?.constructor?.name ?? 'a class'}`);
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue; // absent, as in JSON.stringify
        if (!first) out += ',';
        first = false;
        out += serializeString(key, path) + ':' + serialize(member, `${path}.${key}`);
      }
      return out + '}';
    }
    default:
      throw notJson(path, typeof value);
  }
}

/** The RFC 8785 canonical text of a JSON value (encode it as UTF-8 for the canonical bytes). */
export function canonicalize(value: unknown): string {
  return serialize(value, '');
}
