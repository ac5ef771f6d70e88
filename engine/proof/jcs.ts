// RFC 8785 JSON Canonicalization Scheme (JCS), written here rather than imported: it is ~60 lines,
// must run unchanged in the browser verifier, and sits on the hot path of every attestation.
// - Object members sorted by their UTF-16 code units (RFC 8785 §3.2.3): exactly JS's default sort.
// - Strings serialised as ECMAScript JSON.stringify does (RFC 8785 §3.2.2.2).
// - Numbers serialised as ECMAScript Number.prototype.toString (RFC 8785 §3.2.2.3); NaN and
//   ±Infinity are not JSON and are refused; -0 becomes "0".
// - Input must be I-JSON (RFC 7493): lone surrogates in strings are refused.
import { PcqError } from '../base/errors.ts';

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

// JSON.stringify leaves a string unchanged apart from the quotes unless it holds one of these.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\uD800-\uDFFF]/;

// Well-formed JSON.stringify (ES2019) escapes a lone surrogate as \udXXX (lowercase), so output
// without "\ud" cannot come from one; only then is the exact (slower) regex needed.
function quote(value: string): string {
  const out = JSON.stringify(value);
  if (out.includes('\\ud') && LONE_SURROGATE.test(value)) throw NOT_JSON;
  return out;
}

// Member names repeat across a document (every step has the same few), so their quoted forms are
// kept: a map lookup instead of a JSON.stringify call per member. Bounded; names that throw
// (lone surrogates) are never stored.
const QUOTED_KEYS = new Map<string, string>();
function quoteKey(key: string): string {
  let quoted = QUOTED_KEYS.get(key);
  if (quoted === undefined) {
    quoted = quote(key);
    if (QUOTED_KEYS.size >= 1024) QUOTED_KEYS.clear();
    QUOTED_KEYS.set(key, quoted);
  }
  return quoted;
}

// Thrown by the untraced passes; canonicalize() turns it into a PcqError with the path.
const NOT_JSON = new Error('not JSON (RFC 8785)');

/**
 * Object.keys(record).sort(), without the sort when the keys are in order already (what JSON.parse
 * gives for canonical text, the verifier's every step): `<` compares strings by UTF-16 code units,
 * as the default sort does, and an object's keys are distinct, so the result is the same array.
 */
export function sortedKeys(record: object): string[] {
  const keys = Object.keys(record);
  for (let i = 1; i < keys.length; i++) if (!(keys[i - 1]! < keys[i]!)) return keys.sort();
  return keys;
}

function plainRecord(value: object): Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw NOT_JSON;
  return value as Record<string, unknown>;
}

/** canonicalize() without path bookkeeping: the hot path (no string built per member). */
function fast(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      if (!Number.isFinite(value)) throw NOT_JSON;
      return String(value);
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
          if (item === undefined) throw NOT_JSON;
          out += fast(item);
        }
        return out + ']';
      }
      const record = plainRecord(value);
      const keys = sortedKeys(record);
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        if (!first) out += ',';
        first = false;
        out += quoteKey(key) + ':' + fast(member);
      }
      return out + '}';
    }
    default:
      throw NOT_JSON;
  }
}

/** Like fast(), but compares with text[pos…] as it goes; the position after the value, or -1. */
function match(value: unknown, text: string, pos: number): number {
  switch (typeof value) {
    case 'string':
      return matchString(value, text, pos, true);
    case 'number': {
      if (!Number.isFinite(value)) throw NOT_JSON;
      const s = String(value);
      return text.startsWith(s, pos) ? pos + s.length : -1;
    }
    case 'boolean': {
      const s = value ? 'true' : 'false';
      return text.startsWith(s, pos) ? pos + s.length : -1;
    }
    case 'object': {
      if (value === null) return text.startsWith('null', pos) ? pos + 4 : -1;
      if (value instanceof CanonicalJson) return text.startsWith(value.text, pos) ? pos + value.text.length : -1;
      if (Array.isArray(value)) {
        if (text.charCodeAt(pos++) !== 91) return -1; // [
        for (let i = 0; i < value.length; i++) {
          if (i > 0 && text.charCodeAt(pos++) !== 44) return -1; // ,
          const item: unknown = value[i];
          if (item === undefined) throw NOT_JSON;
          pos = match(item, text, pos);
          if (pos < 0) return -1;
        }
        return text.charCodeAt(pos) === 93 ? pos + 1 : -1; // ]
      }
      const record = plainRecord(value);
      const keys = sortedKeys(record);
      if (text.charCodeAt(pos++) !== 123) return -1; // {
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        if (!first && text.charCodeAt(pos++) !== 44) return -1; // ,
        first = false;
        pos = matchString(key, text, pos, true);
        if (pos < 0 || text.charCodeAt(pos++) !== 58) return -1; // :
        pos = match(member, text, pos);
        if (pos < 0) return -1;
      }
      return text.charCodeAt(pos) === 125 ? pos + 1 : -1; // }
    }
    default:
      throw NOT_JSON;
  }
}

// The reference serialiser with paths for error messages; run only once fast() has failed.
function serializeString(value: string, path: string): string {
  if (LONE_SURROGATE.test(value)) throw notJson(path, 'a string with a lone surrogate');
  return JSON.stringify(value);
}

function traced(value: unknown, path: string): string {
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
          out += traced(item, `${path}[${i}]`);
        }
        return out + ']';
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw notJson(path, `an instance of ${proto?.constructor?.name ?? 'a class'}`);
      const record = value as Record<string, unknown>;
      const keys = sortedKeys(record);
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue; // absent, as in JSON.stringify
        if (!first) out += ',';
        first = false;
        out += serializeString(key, path) + ':' + traced(member, `${path}.${key}`);
      }
      return out + '}';
    }
    default:
      throw notJson(path, typeof value);
  }
}

/** The RFC 8785 canonical text of a JSON value (encode it as UTF-8 for the canonical bytes). */
export function canonicalize(value: unknown): string {
  try {
    return fast(value);
  } catch (err) {
    // The fast pass keeps no path; the traced pass names where the value stopped being JSON.
    if (err === NOT_JSON) return traced(value, '');
    throw err;
  }
}

/**
 * Whether `text` is exactly canonicalize(value), decided by walking the value along the text
 * instead of building the canonical string: the verifier asks this of every step payload
 * (a signed payload must be the RFC 8785 form of its statement). False wherever canonicalize
 * would throw, so `true` also means the value is canonicalisable.
 */
export function isCanonicalText(value: unknown, text: string): boolean {
  // A JSON.parse result of canonical text has every object's keys in sorted order already; for
  // such a value (finite numbers, plain objects and arrays, sorted keys) JCS is JSON.stringify's
  // output, built natively, unless it escaped a lone surrogate (which JCS refuses): its "\ud…"
  // escapes send those cases, and anything else, to the exact walk.
  if (isOrderedJson(value, 0)) {
    const out = JSON.stringify(value);
    if (!out.includes('\\ud')) return out === text;
  }
  try {
    return match(value, text, 0) === text.length;
  } catch (err) {
    if (err === NOT_JSON) return false;
    throw err;
  }
}

// Deeper values take the exact walk, so that recursion limits are met exactly as before.
const ORDERED_MAX_DEPTH = 64;

/**
 * Whether JSON.stringify(value) serialises `value` in RFC 8785 member order with RFC 8785 numbers:
 * only JSON types, plain objects and arrays, finite numbers, no undefined member or hole, and each
 * object's own keys strictly ascending by UTF-16 code units (JSON.stringify follows Object.keys
 * order, which then is the sorted order fast() uses; integer-like keys out of sorted order fail).
 */
function isOrderedJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (depth >= ORDERED_MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined || !isOrderedJson(item, depth + 1)) return false;
        }
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      for (let i = 0; i < keys.length; i++) {
        if (i > 0 && !(keys[i - 1]! < keys[i]!)) return false;
        const member = record[keys[i]!];
        if (member === undefined || !isOrderedJson(member, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * Matches JSON.stringify(value) for a string at text[pos]; returns the position after it, or -1.
 * Strings with nothing to escape (the common case, e.g. all of base64) are compared in place.
 */
export function matchJsonString(value: string, text: string, pos: number): number {
  return matchString(value, text, pos, false);
}

function matchString(value: string, text: string, pos: number, refuseLoneSurrogates: boolean): number {
  // The quotes first, then the characters: a slice compared with === is several times faster than
  // startsWith at an offset into a long text (V8 compares flat strings with memcmp).
  const end = pos + 1 + value.length;
  if (text.charCodeAt(pos) === 34 && text.charCodeAt(end) === 34 && text.slice(pos + 1, end) === value && !NEEDS_ESCAPE.test(value)) {
    return end + 1;
  }
  if (refuseLoneSurrogates && LONE_SURROGATE.test(value)) throw NOT_JSON;
  const quoted = JSON.stringify(value);
  return text.startsWith(quoted, pos) ? pos + quoted.length : -1;
}
