// The `.pcq` manifest (FORMATS.md "Manifest"): its type, its one canonical file layout and the
// reader that refuses any other layout. The file bytes are
//   JSON.stringify(sortKeysDeep(m), null, 2) + "\n"
// so a manifest has exactly one spelling, and any single-byte change is caught before any
// signature is looked at (PCQ_MANIFEST_NOT_CANONICAL).
import { PcqError } from '../base/errors.ts';
import { matchJsonString, sortedKeys } from './jcs.ts';
import { formatDigest } from './digest.ts';
import type { Sha256 } from './hash.ts';

/** The sealed manifest's file name in an execution folder (store/layout.ts). */
export const MANIFEST_FILE = 'manifest.pcq';
import type { Manifest } from '../base/signed-records.ts';

export const MANIFEST_PAYLOAD_TYPE = 'application/vnd.pcq.manifest+json';

/** Copies a JSON value with every object's keys sorted (UTF-16 order, as RFC 8785). */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (typeof value === 'object' && value !== null) {
    // fromEntries defines own properties, so a "__proto__" key stays data, never a prototype.
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeysDeep((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function serializeManifest(manifest: Manifest | unknown): string {
  return JSON.stringify(sortKeysDeep(manifest), null, 2) + '\n';
}

/**
 * sha256:<hex> of the manifest file as sealed — serializeManifest with `reviews: []`, the bytes the
 * runner wrote — which a review names as its subject (FORMATS.md "Review attestations").
 */
export function sealedManifestDigest(manifest: Manifest | Record<string, unknown>, sha256: Sha256): string {
  return formatDigest(sha256(serializeManifest({ ...manifest, reviews: [] })));
}

/** The manifest without `signature`, `reviews` and `timeAnchor`: what the manifest signature covers. */
export function signedPart(manifest: Record<string, unknown>): Record<string, unknown> {
  // timeAnchor is obtained after signing (it stamps the signed file), so it cannot be inside it.
  const { signature: _signature, reviews: _reviews, timeAnchor: _timeAnchor, ...rest } = manifest;
  return rest;
}

/**
 * The bytes a time anchor stamps (FORMATS.md "Time anchor"): the manifest file as the runner sealed
 * it, before the anchor was added — serializeManifest without `timeAnchor` and with `reviews: []`.
 */
export function anchoredManifestText(manifest: Manifest | Record<string, unknown>): string {
  const { timeAnchor: _timeAnchor, ...rest } = manifest as Record<string, unknown>;
  return serializeManifest({ ...rest, reviews: [] });
}

/**
 * JCS(signedPart) of manifests sealed in this process, by manifest object: the DSSE export of a run
 * (run/after-run.ts) carries exactly the text its signature covers, and re-canonicalising a
 * 10,000-step manifest (~28 MB) for it was a large part of a big run's cost (issue 16). A sealed
 * manifest object's signed part never changes afterwards (reviews and timeAnchor live outside it).
 */
const signedTexts = new WeakMap<object, string>();

export function rememberSignedText(manifest: object, text: string): void {
  signedTexts.set(manifest, text);
}

/** The canonical signed text recorded when `manifest` was sealed here, else undefined. */
export function signedTextOf(manifest: object): string | undefined {
  return signedTexts.get(manifest);
}

/** Parses manifest text as JSON (PCQ_MANIFEST_MALFORMED when it is not); the value is untrusted. */
export function parseManifestJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PcqError({
      code: 'PCQ_MANIFEST_MALFORMED',
      message: `The manifest is not JSON: ${(err as Error).message}`,
      hint: 'A .pcq file is JSON written by `pcq run`; re-download it or re-run the runbook.',
    });
  }
}

export function notCanonicalError(): PcqError {
  return new PcqError({
    code: 'PCQ_MANIFEST_NOT_CANONICAL',
    message: 'The manifest bytes are not in canonical layout (sorted keys, 2-space indent, one final newline)',
    hint: 'The file was edited or re-formatted after sealing; use the file exactly as `pcq run` wrote it.',
  });
}

/**
 * Parses manifest text and checks it is in canonical layout. Returns the parsed (still untrusted)
 * value; its shape is checked by the schema checker, its proofs by verifyManifest.
 */
export function parseManifestText(text: string): unknown {
  const value = parseManifestJson(text);
  if (!hasCanonicalLayout(value, text)) throw notCanonicalError();
  return value;
}

// ---- Canonical layout, compared in place ----------------------------------------------------
// hasCanonicalLayout(v, text) === (serializeManifest(v) === text) for any JSON.parse result, but
// walks the value along the text instead of building a key-sorted deep copy and a second 35 MB
// string (a 10,000-step manifest): it mirrors JSON.stringify(·, null, 2) (ECMA-262
// SerializeJSONObject / SerializeJSONArray with gap "  ") over sortKeysDeep's key order.

const INDENT: string[] = [];
function newline(depth: number): string {
  return (INDENT[depth] ??= '\n' + '  '.repeat(depth));
}

// A value JSON.parse cannot produce (undefined, a function…): leave it to the reference path.
const NOT_PARSED_JSON = new Error('not a JSON.parse value');

/**
 * The member order JSON.stringify gives sortKeysDeep's copy: sorted, except that integer-like keys
 * ("0", "17") come first in numeric order, as for every ordinary object (OrdinaryOwnPropertyKeys).
 */
function layoutKeys(record: Record<string, unknown>): string[] {
  const keys = sortedKeys(record);
  for (let i = 0; i < keys.length; i++) {
    const c = keys[i]!.charCodeAt(0);
    if (c >= 48 && c <= 57) return Object.keys(Object.fromEntries(keys.map((k) => [k, 0])));
  }
  return keys;
}

function layout(value: unknown, text: string, pos: number, depth: number): number {
  switch (typeof value) {
    case 'string':
      return matchJsonString(value, text, pos);
    case 'number': {
      const s = Number.isFinite(value) ? String(value) : 'null';
      return text.startsWith(s, pos) ? pos + s.length : -1;
    }
    case 'boolean': {
      const s = value ? 'true' : 'false';
      return text.startsWith(s, pos) ? pos + s.length : -1;
    }
    case 'object': {
      if (value === null) return text.startsWith('null', pos) ? pos + 4 : -1;
      if (Object.getPrototypeOf(value) !== (Array.isArray(value) ? Array.prototype : Object.prototype)) throw NOT_PARSED_JSON;
      const inner = newline(depth + 1);
      if (Array.isArray(value)) {
        if (value.length === 0) return text.startsWith('[]', pos) ? pos + 2 : -1;
        if (text.charCodeAt(pos++) !== 91) return -1; // [
        for (let i = 0; i < value.length; i++) {
          if (i > 0 && text.charCodeAt(pos++) !== 44) return -1; // ,
          if (!text.startsWith(inner, pos)) return -1;
          pos = layout(value[i], text, pos + inner.length, depth + 1);
          if (pos < 0) return -1;
        }
        const close = newline(depth);
        return text.startsWith(close, pos) && text.charCodeAt(pos + close.length) === 93 ? pos + close.length + 1 : -1; // ]
      }
      const record = value as Record<string, unknown>;
      const keys = layoutKeys(record);
      if (keys.length === 0) return text.startsWith('{}', pos) ? pos + 2 : -1;
      if (text.charCodeAt(pos++) !== 123) return -1; // {
      for (let i = 0; i < keys.length; i++) {
        if (i > 0 && text.charCodeAt(pos++) !== 44) return -1; // ,
        if (!text.startsWith(inner, pos)) return -1;
        pos = matchJsonString(keys[i]!, text, pos + inner.length);
        if (pos < 0 || text.charCodeAt(pos) !== 58 || text.charCodeAt(pos + 1) !== 32) return -1; // ": "
        pos = layout(record[keys[i]!], text, pos + 2, depth + 1);
        if (pos < 0) return -1;
      }
      const close = newline(depth);
      return text.startsWith(close, pos) && text.charCodeAt(pos + close.length) === 125 ? pos + close.length + 1 : -1; // }
    }
    default:
      throw NOT_PARSED_JSON;
  }
}

/** Whether `text` is exactly serializeManifest(value), the one byte layout a manifest may have. */
export function hasCanonicalLayout(value: unknown, text: string): boolean {
  let end: number;
  try {
    end = layout(value, text, 0, 0);
  } catch (err) {
    if (err === NOT_PARSED_JSON) return serializeManifest(value) === text;
    throw err;
  }
  return end === text.length - 1 && text.charCodeAt(end) === 10;
}

/**
 * Whether `text` is exactly the canonical layout of `value` nested at `depth` (an element of the
 * manifest's `steps` list sits at depth 2): the streaming verifier checks the file piece by piece.
 */
export function hasCanonicalLayoutAt(value: unknown, text: string, depth: number): boolean {
  try {
    return layout(value, text, 0, depth) === text.length;
  } catch (err) {
    if (err === NOT_PARSED_JSON) return JSON.stringify(sortKeysDeep(value), null, 2).replaceAll('\n', '\n' + '  '.repeat(depth)) === text;
    throw err;
  }
}
