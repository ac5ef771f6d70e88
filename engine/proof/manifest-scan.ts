// Reading a `.pcq` manifest as a stream of bytes, in bounded memory (issue 16: a 100,000-step
// manifest is ~280 MB; holding it, its JSON.parse tree and its signed message costs GBs). Two
// passes over the same bytes:
//   1. `scanManifest`: a structural scan (strings skipped, brackets counted) that keeps every byte of
//      the manifest EXCEPT the elements of the top-level `steps` array, which it replaces by `[]`:
//      the header, JSON-parsed as a whole. It records where the `steps` array lies, how many
//      elements it has, and how many of its bytes are whitespace outside strings (so the length of
//      JCS(steps), which the manifest signature's PAE header needs before its body, is known up
//      front for a manifest in canonical layout).
//   2. `streamSteps`: the same bytes again, yielding each element of `steps` as its own text,
//      with whether the whitespace around it is the canonical layout's. Each element is then
//      JSON-parsed and checked alone (parse, then validate) and dropped.
// The structural scan does not validate JSON; the pieces do: the header (with `[]` in place of the
// steps) and every element are JSON.parse'd, and the separators between elements are checked here,
// so the whole is valid JSON exactly when every piece is.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** Bytes of a manifest, readable more than once (a file, or text already in memory). */
export interface ManifestSource {
  /** The bytes in order, in chunks; a chunk may be reused by the source after the next one is asked for. */
  chunks(): AsyncIterable<Uint8Array>;
}

/** Bounds on hostile input (FORMATS.md "Manifest"): beyond them the manifest is refused as malformed. */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024; // every field but the steps' elements
export const MAX_STEP_BYTES = 16 * 1024 * 1024; // one element of `steps`

export class ManifestTooLarge extends Error {}

export interface ManifestScan {
  /** The manifest text with the elements of `steps` removed (`"steps": []`). */
  header: string;
  /** Byte ranges [start, end) of every top-level `steps` array ("[" … "]"), last one = what JSON.parse keeps. */
  stepRegions: Array<{ start: number; end: number; elements: number; whitespace: number }>;
  /** sha256 of all the bytes, when asked for. */
  digest?: Uint8Array;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const decoder = new TextDecoder();

/**
 * Where a string that starts at `from` (just after its opening quote, not escaped) ends in `chunk`:
 * the index of its closing quote, or -1 when it goes on past the chunk. `escaped` says the first
 * byte is escaped (the previous chunk ended inside an escape); when -1 is returned, `carry` says the
 * same of the next chunk. A module-level out-parameter rather than a {end, carry} object: this runs
 * once per string of the manifest (every key), and an object per call was garbage per call.
 */
let carry = false;
function stringEnd(chunk: Uint8Array, from: number, escaped: boolean): number {
  let i = escaped ? from + 1 : from;
  for (;;) {
    if (i >= chunk.length) {
      carry = i > chunk.length;
      return -1;
    }
    const q = chunk.indexOf(QUOTE, i);
    if (q < 0) {
      let run = 0;
      for (let k = chunk.length - 1; k >= i && chunk[k] === BACKSLASH; k--) run++;
      carry = run % 2 === 1;
      return -1;
    }
    let run = 0;
    for (let k = q - 1; k >= i && chunk[k] === BACKSLASH; k--) run++;
    if (run % 2 === 0) return q;
    i = q + 1;
  }
}

/**
 * The structure of JSON bytes, byte by byte outside strings: depth, strings, and for the top-level
 * object's members the key and the span of the value. Shared by both passes.
 */
class Structure {
  depth = 0;
  inString = false;
  escaped = false;
  /** At depth 1: 'key' expecting a key, 'colon', 'value' expecting a value, 'in-value'. */
  member: 'key' | 'in-key' | 'colon' | 'value' | 'in-value' = 'key';
  private keyParts: number[] = [];
  key = '';
  topIsObject = false;
  started = false;
  /** Whitespace bytes outside strings so far. */
  spaces = 0;

  /**
   * Feeds one chunk; `at` is the chunk's offset in the whole. Calls `onValueStart(pos, key)` when a
   * top-level member's value starts with `[`, `onValueEnd(pos)` one past its closing `]` (when
   * that value was an array), and `inArray` for every byte at depth 2 outside strings but
   * whitespace (which only `spaces` counts; neither pass's element hook reads it).
   */
  feed(chunk: Uint8Array, at: number, hooks: ScanHooks): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.inString) {
        const end = stringEnd(chunk, i, this.escaped);
        if (this.member === 'in-key' && this.depth === 1) this.collectKey(chunk, i, end < 0 ? n : end);
        if (end < 0) {
          this.escaped = carry;
          return;
        }
        this.inString = false;
        this.escaped = false;
        if (this.member === 'in-key' && this.depth === 1) this.endKey();
        i = end + 1;
        continue;
      }
      const b = chunk[i]!;
      if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
        // A run of whitespace at once (the canonical layout indents every line), counted, not
        // reported: a call per whitespace byte was most of a scan's cost.
        let j = i + 1;
        for (let c = chunk[j]; j < n && (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09); c = chunk[++j]);
        this.spaces += j - i;
        i = j;
        continue;
      }
      if (this.depth === 2 && hooks.inArray) hooks.inArray(b, at + i);
      if (b === QUOTE) {
        this.inString = true;
        if (this.depth === 1 && this.member === 'key') {
          this.member = 'in-key';
          this.keyParts = [];
        } else if (this.depth === 1 && this.member === 'value') this.member = 'in-value';
        i++;
        continue;
      }
      if (!this.started) {
        this.started = true;
        this.topIsObject = b === 0x7b;
      }
      if (b === 0x7b || b === 0x5b) {
        if (this.depth === 1 && this.member === 'value') {
          this.member = 'in-value';
          if (b === 0x5b) hooks.valueStart?.(at + i, this.key);
        }
        this.depth++;
        if (this.depth === 1) this.member = 'key';
      } else if (b === 0x7d || b === 0x5d) {
        this.depth--;
        if (this.depth === 1 && b === 0x5d) hooks.valueEnd?.(at + i + 1);
      } else if (this.depth === 1) {
        if (b === 0x3a && this.member === 'colon') this.member = 'value';
        else if (b === 0x2c) this.member = 'key';
        else if (this.member === 'value') this.member = 'in-value';
      }
      i++;
    }
  }

  private collectKey(chunk: Uint8Array, from: number, to: number): void {
    if (this.keyParts.length + (to - from) > 256) return void (this.keyParts.length = 257); // no short key: not `steps`
    for (let k = from; k < to; k++) this.keyParts.push(chunk[k]!);
  }

  private endKey(): void {
    this.member = 'colon';
    this.key = '';
    if (this.keyParts.length > 256) return;
    try {
      this.key = String(JSON.parse('"' + decoder.decode(Uint8Array.from(this.keyParts)) + '"'));
    } catch {
      this.key = ''; // not a valid string: the header's JSON.parse reports it
    }
  }
}

interface ScanHooks {
  valueStart?: (pos: number, key: string) => void;
  valueEnd?: (pos: number) => void;
  inArray?: (byte: number, pos: number) => void;
}

/** Pass 1: the header, where `steps` lies, and (optionally) the sha256 of every byte. */
export async function scanManifest(source: ManifestSource, options: { digest?: HashStream } = {}): Promise<ManifestScan> {
  const s = new Structure();
  const regions: ManifestScan['stepRegions'] = [];
  let open: { start: number; elements: number; spacesBefore: number; expectElement: boolean } | undefined;
  const parts: Uint8Array[] = [];
  let headerBytes = 0;
  let copyFrom = 0; // offset from which the bytes belong to the header again (Infinity inside steps)
  const keep = (chunk: Uint8Array, at: number, from: number, to: number): void => {
    if (to <= from) return;
    headerBytes += to - from;
    if (headerBytes > MAX_HEADER_BYTES) throw new ManifestTooLarge(`the manifest's fields besides its steps exceed ${MAX_HEADER_BYTES} bytes`);
    parts.push(chunk.slice(from - at, to - at));
  };
  let at = 0;
  for await (const chunk of source.chunks()) {
    options.digest?.update(chunk);
    const base = at;
    s.feed(chunk, at, {
      valueStart: (pos, key) => {
        if (key !== 'steps') return;
        keep(chunk, base, Math.max(copyFrom, base), pos);
        open = { start: pos, elements: 0, spacesBefore: s.spaces, expectElement: true };
        copyFrom = Infinity;
      },
      valueEnd: (pos) => {
        if (!open) return;
        // The whitespace between "[" and "]" (valueEnd comes as "]" is read, after the last space).
        regions.push({ start: open.start, end: pos, elements: open.elements, whitespace: s.spaces - open.spacesBefore });
        parts.push(Uint8Array.of(0x5b, 0x5d)); // "[]"
        headerBytes += 2;
        open = undefined;
        copyFrom = pos;
      },
      inArray: (b) => {
        if (!open) return;
        if (b === 0x2c) open.expectElement = true;
        else if (open.expectElement && !isSpace(b) && b !== 0x5d) {
          open.expectElement = false;
          open.elements++;
        }
      },
    });
    at += chunk.length;
    if (!open) keep(chunk, base, Math.max(copyFrom, base), at);
  }
  if (open) throw new SyntaxError('Unexpected end of JSON input (the steps list is not closed)');
  return { header: decoder.decode(concat(parts, headerBytes)), stepRegions: regions, ...(options.digest ? { digest: options.digest.digest() } : {}) };
}

/** One element of a `steps` array. */
export interface StepText {
  index: number;
  text: string;
  /** Exactly "\n    " before it and "," (or "\n  ]" for the last) after it: the canonical layout. */
  canonicalSpacing: boolean;
}

/** JSON's four whitespace characters only (String.prototype.trim would also drop U+FEFF, U+00A0…). */
function trimJson(raw: string): string {
  let a = 0;
  let b = raw.length;
  while (a < b && isSpace(raw.charCodeAt(a))) a++;
  while (b > a && isSpace(raw.charCodeAt(b - 1))) b--;
  return a === 0 && b === raw.length ? raw : raw.slice(a, b);
}

/**
 * Pass 2: every element of the steps region `[start, end)` as its own text, in order. Throws a
 * SyntaxError when the separators between elements are not JSON's (`,` and whitespace).
 */
export async function* streamSteps(source: ManifestSource, region: { start: number; end: number }): AsyncGenerator<StepText> {
  const s = new Structure();
  s.depth = 1; // as inside the top-level object: the region's "[" opens depth 2, its separators sit there
  let at = 0;
  let index = 0;
  let pieces: Uint8Array[] = [];
  let pieceBytes = 0;
  let ready: StepText[] = [];
  // A piece is a view into the current chunk, decoded before the next chunk is asked for (the
  // source may reuse a chunk); only the piece of an element that goes on into the next chunk is
  // copied. Most elements lie within one chunk and are decoded straight from it.
  const addPiece = (p: Uint8Array): void => {
    if (p.length === 0) return;
    pieceBytes += p.length;
    if (pieceBytes > MAX_STEP_BYTES) throw new ManifestTooLarge(`step ${index} is larger than ${MAX_STEP_BYTES} bytes`);
    pieces.push(p);
  };
  const flush = (last: boolean): void => {
    const raw = decoder.decode(concat(pieces, pieceBytes));
    pieces = [];
    pieceBytes = 0;
    const text = trimJson(raw);
    if (text === '') {
      if (index === 0 && last) return; // an empty list
      throw new SyntaxError(`Unexpected "${last ? ']' : ','}" in the steps list: an element is missing`);
    }
    const canonicalSpacing = raw.length === text.length + (last ? 8 : 5) && raw.startsWith('\n    ') && (!last || raw.endsWith('\n  '));
    ready.push({ index: index++, text, canonicalSpacing });
  };
  for await (const chunk of source.chunks()) {
    const end = at + chunk.length;
    if (end <= region.start) {
      at = end;
      continue;
    }
    const from = Math.max(region.start, at) - at;
    const to = Math.min(region.end, end) - at;
    let sliceFrom = at <= region.start ? from + 1 : 0; // past the "["
    const base = at;
    s.feed(chunk.subarray(from, to), at + from, {
      inArray: (b, pos) => {
        if (b !== 0x2c) return; // "," at the list's own depth ends an element
        addPiece(chunk.subarray(sliceFrom, pos - base));
        sliceFrom = pos - base + 1;
        flush(false);
      },
    });
    const closing = region.end <= end;
    addPiece(chunk.subarray(sliceFrom, closing ? to - 1 : to)); // without the closing "]"
    if (closing) flush(true);
    else if (pieces.length > 0) pieces[pieces.length - 1] = pieces.at(-1)!.slice(); // goes on past this chunk
    at = end;
    const out = ready;
    ready = [];
    yield* out;
    if (closing) return;
  }
  throw new SyntaxError('Unexpected end of JSON input');
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1 && parts[0]!.length === total) return parts[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** An incremental hash (SHA-256 or SHA-512): node:crypto's Hash or @noble/hashes' create(). */
export interface HashStream {
  update(data: Uint8Array): unknown;
  digest(): Uint8Array;
}

/** @noble/hashes' incremental SHA-256: the portable default (the browser). */
export function sha256StreamPortable(): HashStream {
  return nobleSha256.create();
}

/** A source over bytes already in memory (the browser's pasted or dropped text), in 1 MiB chunks. */
export function bytesSource(bytes: Uint8Array): ManifestSource {
  return {
    async *chunks() {
      for (let o = 0; o < bytes.length; o += CHUNK) yield bytes.subarray(o, Math.min(bytes.length, o + CHUNK));
    },
  };
}
export const CHUNK = 64 * 1024;
