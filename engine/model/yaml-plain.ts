// A fast reader for the plain subset of YAML that simple and generated runbooks are written in:
// block mappings and sequences indented with spaces, one-line flow collections, identifier keys,
// double- or single-quoted one-line strings without escapes, plain words, decimal integers and
// decimals. `yaml`'s lexer, CST and document tree cost ~0.1–0.25 ms a step of a runbook, and ~3 KB of
// garbage a step; this reads the same subset in one pass over the lines (issue 16, "a runner that
// scales").
//
// It is an optimisation, never a second opinion: it answers only when it is sure `yaml` (YAML 1.2,
// core schema, as model/yaml-source.ts configures it) reads the text to the same value with no
// issue, and returns undefined for everything else: any byte outside printable ASCII and newline
// (tabs, CR, BOM, non-ASCII), directives and document markers, anchors, aliases, tags, block
// scalars, multi-line scalars, empty values, escapes, complex or long keys, duplicate or `__proto__` keys, empty
// sequence items, trailing commas, comments inside flow collections, any plain scalar that is not
// an identifier-like word or a plain number, and nesting deeper than half the YAML limit. Then
// readYamlSource parses with `yaml` as before, which reports the issues. yaml-plain.test.ts
// checks, on generated documents, that every answer equals `yaml`'s.
import { YAML_LIMITS } from './yaml-limits.ts';

class NotPlain extends Error {}

const bail = (): never => {
  throw new NotPlain();
};

interface Line {
  /** Offset of the line's first content character in the text. */
  at: number;
  indent: number;
  text: string;
}

/** Where a collection's parts start (offsets), as `yaml`'s node ranges give them (yaml-source.ts offsetOf). */
interface Place {
  start: number;
  keys?: Map<string, { key: number; value: number }>;
  items?: number[];
}

export interface PlainYaml {
  value: Record<string, unknown> | unknown[];
  /** The offset of the node at `path` (or its key), else of the deepest ancestor that exists: yaml-source.ts offsetOf's answer. */
  offsetOf(path: readonly (string | number)[], where: 'key' | 'value'): number;
}

/** The deepest nesting read here; anything deeper goes to `yaml`, which enforces the real limit. */
const MAX_DEPTH = YAML_LIMITS.maxDepth / 2;
const MAX_KEY = 256;

const OUTSIDE = /[^\x20-\x7e\n]/;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*/;
// The same key read in place inside a flow collection (sticky: no copy of the rest of a long line).
const PLAIN_KEY_AT = /[A-Za-z_][A-Za-z0-9_-]*/y;
// Words the core schema reads as null or a boolean (yaml's core null and bool tags).
const WORDS: ReadonlyMap<string, null | boolean> = new Map([
  ['null', null],
  ['Null', null],
  ['NULL', null],
  ['true', true],
  ['True', true],
  ['TRUE', true],
  ['false', false],
  ['False', false],
  ['FALSE', false],
]);
const WORD = /^[A-Za-z_][A-Za-z0-9_ ./-]*$/;
// Inside yaml's core `int` (/^[-+]?[0-9]+$/, parseInt) and `float` (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
// parseFloat) tags and no earlier one; resolved with the same functions.
const INT = /^-?(?:0|[1-9][0-9]{0,14})$/;
const DECIMAL = /^-?(?:0|[1-9][0-9]{0,14})\.[0-9]{1,15}$/;

/** The value of `text` and its node offsets when it is in the plain subset, else undefined (parse it with `yaml`). */
export function readPlainYaml(text: string): PlainYaml | undefined {
  if (OUTSIDE.test(text)) return undefined;
  try {
    const reader = new PlainReader(lines(text));
    const value = reader.document();
    const places = reader.places;
    return { value, offsetOf: (path, where) => offsetOf(places, value, path, where) };
  } catch (err) {
    if (err instanceof NotPlain) return undefined;
    throw err;
  }
}

function offsetOf(places: WeakMap<object, Place>, root: unknown, path: readonly (string | number)[], where: 'key' | 'value'): number {
  let node = root;
  let offset = places.get(root as object)!.start;
  for (let i = 0; i < path.length; i++) {
    const place = typeof node === 'object' && node !== null ? places.get(node) : undefined;
    const segment = path[i]!;
    if (place?.keys) {
      const entry = place.keys.get(String(segment));
      if (!entry) return offset;
      if (i === path.length - 1 && where === 'key') return entry.key;
      node = (node as Record<string, unknown>)[String(segment)];
      offset = entry.value;
    } else if (place?.items && typeof segment === 'number' && place.items[segment] !== undefined) {
      node = (node as unknown[])[segment];
      offset = place.items[segment];
    } else {
      return offset;
    }
  }
  return offset;
}

function lines(text: string): Line[] {
  const out: Line[] = [];
  let lineStart = 0;
  for (const raw of text.split('\n')) {
    const content = raw.trimStart();
    const indent = raw.length - content.length;
    const at = lineStart + indent;
    lineStart += raw.length + 1;
    if (content === '' || content[0] === '#') continue;
    if (indent === 0 && (content.startsWith('---') || content.startsWith('...') || content[0] === '%')) bail();
    out.push({ at, indent, text: content.trimEnd() });
  }
  return out;
}

const isItem = (text: string): boolean => text === '-' || text.startsWith('- ');

/** A block mapping line: `key:` then nothing or a space; the key and where its value starts in the text (-1: none). */
function mappingLine(text: string): { key: string; valueAt: number } | undefined {
  const m = PLAIN_KEY.exec(text);
  if (!m || text[m[0].length] !== ':') return undefined;
  let at = m[0].length + 1;
  if (at < text.length && text[at] !== ' ') return undefined;
  while (text[at] === ' ') at++;
  return { key: plainKey(m[0]), valueAt: at >= text.length || text[at] === '#' ? -1 : at };
}

function plainKey(key: string): string {
  if (key.length > MAX_KEY || WORDS.has(key)) bail();
  return key;
}

function define(out: Record<string, unknown>, place: Place, key: string, value: unknown, keyAt: number, valueAt: number): void {
  if (key === '__proto__' || Object.hasOwn(out, key)) bail();
  out[key] = value;
  place.keys!.set(key, { key: keyAt, value: valueAt });
}

interface Cursor {
  text: string;
  /** Offset of text[0] in the document. */
  base: number;
  at: number;
}

class PlainReader {
  readonly places = new WeakMap<object, Place>();
  private pos = 0;
  private readonly lines: Line[];

  constructor(lines: Line[]) {
    this.lines = lines;
  }

  document(): Record<string, unknown> | unknown[] {
    const first = this.lines[0] ?? bail();
    if (first.indent !== 0) bail();
    const value = isItem(first.text) ? this.sequence(0, 0) : this.mapping(0, 0);
    if (this.pos !== this.lines.length) bail();
    return value;
  }

  private get line(): Line | undefined {
    return this.lines[this.pos];
  }

  private sequence(indent: number, depth: number): unknown[] {
    if (depth >= MAX_DEPTH) bail();
    const out: unknown[] = [];
    const place: Place = { start: this.line!.at, items: [] };
    for (let line = this.line; line !== undefined && line.indent === indent && isItem(line.text); line = this.line) {
      let at = 1;
      while (line.text[at] === ' ') at++;
      const content = line.text.slice(at);
      if (content === '' || content[0] === '#' || isItem(content)) bail();
      place.items!.push(line.at + at);
      if (mappingLine(content)) {
        // `- key: value`: a mapping whose keys sit where `key` does.
        this.lines[this.pos] = { at: line.at + at, indent: indent + at, text: content };
        out.push(this.mapping(indent + at, depth + 1));
      } else {
        out.push(this.inline(line, at, depth + 1));
        this.pos++;
        this.noContinuation(indent);
      }
    }
    this.noContinuation(indent);
    this.places.set(out, place);
    return out;
  }

  private mapping(indent: number, depth: number): Record<string, unknown> {
    if (depth >= MAX_DEPTH) bail();
    const out: Record<string, unknown> = {};
    const place: Place = { start: this.line!.at, keys: new Map() };
    for (let line = this.line; line !== undefined && line.indent === indent; line = this.line) {
      const entry = mappingLine(line.text) ?? bail();
      this.pos++;
      if (entry.valueAt >= 0) {
        define(out, place, entry.key, this.inline(line, entry.valueAt, depth + 1), line.at, line.at + entry.valueAt);
        this.noContinuation(indent);
        continue;
      }
      // The value is the block on the next lines: indented more, or a sequence at the key's own indentation.
      const next = this.line;
      // An empty value (null) is left to yaml: where its range starts is not worth mirroring.
      if (next === undefined || !(next.indent > indent || (next.indent === indent && isItem(next.text)))) return bail();
      const value = isItem(next.text) ? this.sequence(next.indent, depth + 1) : this.mapping(next.indent, depth + 1);
      define(out, place, entry.key, value, line.at, next.at);
    }
    this.noContinuation(indent);
    this.places.set(out, place);
    return out;
  }

  /** After a node at `indent`, a line indented more would continue it (a multi-line scalar, or bad indentation). */
  private noContinuation(indent: number): void {
    const next = this.line;
    if (next !== undefined && next.indent > indent) bail();
  }

  /** A value on the rest of a line from `at`: a one-line flow collection, a quoted string or a plain scalar. */
  private inline(line: Line, at: number, depth: number): unknown {
    const text = line.text;
    const c = text[at];
    if (c === '{' || c === '[' || c === '"' || c === "'") {
      const cursor: Cursor = { text, base: line.at, at };
      const value = this.flowNode(cursor, depth);
      const tail = text.slice(cursor.at);
      if (tail !== '' && !/^ +#/.test(tail)) bail();
      return value;
    }
    const comment = text.indexOf(' #', at);
    return plainScalar((comment === -1 ? text.slice(at) : text.slice(at, comment)).trimEnd());
  }

  private flowNode(cur: Cursor, depth: number): unknown {
    const c = cur.text[cur.at];
    if (c === '{') return this.flowMapping(cur, depth);
    if (c === '[') return this.flowSequence(cur, depth);
    if (c === '"' || c === "'") return quoted(cur);
    const start = cur.at;
    while (cur.at < cur.text.length && !',]}'.includes(cur.text[cur.at]!)) cur.at++;
    return plainScalar(cur.text.slice(start, cur.at).trimEnd());
  }

  private flowMapping(cur: Cursor, depth: number): Record<string, unknown> {
    if (depth >= MAX_DEPTH) bail();
    const out: Record<string, unknown> = {};
    const place: Place = { start: cur.base + cur.at, keys: new Map() };
    this.places.set(out, place);
    cur.at++;
    spaces(cur);
    if (cur.text[cur.at] === '}') {
      cur.at++;
      return out;
    }
    for (;;) {
      const keyAt = cur.base + cur.at;
      const key = flowKey(cur);
      if (cur.text[cur.at] !== ':' || cur.text[cur.at + 1] !== ' ') bail();
      cur.at += 2;
      spaces(cur);
      const valueAt = cur.base + cur.at;
      define(out, place, key, this.flowNode(cur, depth + 1), keyAt, valueAt);
      spaces(cur);
      const c = cur.text[cur.at++];
      if (c === '}') return out;
      if (c !== ',') bail();
      spaces(cur);
    }
  }

  private flowSequence(cur: Cursor, depth: number): unknown[] {
    if (depth >= MAX_DEPTH) bail();
    const out: unknown[] = [];
    const place: Place = { start: cur.base + cur.at, items: [] };
    this.places.set(out, place);
    cur.at++;
    spaces(cur);
    if (cur.text[cur.at] === ']') {
      cur.at++;
      return out;
    }
    for (;;) {
      place.items!.push(cur.base + cur.at);
      out.push(this.flowNode(cur, depth + 1));
      spaces(cur);
      const c = cur.text[cur.at++];
      if (c === ']') return out;
      if (c !== ',') bail();
      spaces(cur);
    }
  }
}

function spaces(cur: Cursor): void {
  while (cur.text[cur.at] === ' ') cur.at++;
}

function flowKey(cur: Cursor): string {
  const c = cur.text[cur.at];
  if (c === '"' || c === "'") {
    const key = quoted(cur);
    if (key.length > MAX_KEY) bail();
    return key;
  }
  PLAIN_KEY_AT.lastIndex = cur.at;
  const m = PLAIN_KEY_AT.exec(cur.text) ?? bail();
  cur.at += m[0].length;
  return plainKey(m[0]);
}

/** A one-line quoted string without escapes: `"…"` with no `\`, or `'…'` where `''` is a quote. */
function quoted(cur: Cursor): string {
  const q = cur.text[cur.at]!;
  let out = '';
  for (let i = cur.at + 1; i < cur.text.length; i++) {
    const c = cur.text[i]!;
    if (c === '\\' && q === '"') return bail();
    if (c !== q) {
      out += c;
      continue;
    }
    if (q === "'" && cur.text[i + 1] === "'") {
      out += "'";
      i++;
      continue;
    }
    cur.at = i + 1;
    return out;
  }
  return bail();
}

/** A plain scalar resolved as the core schema does, when it is a word or a plain number; else not plain. */
function plainScalar(text: string): unknown {
  if (WORDS.has(text)) return WORDS.get(text);
  if (WORD.test(text)) return text;
  if (INT.test(text)) return parseInt(text, 10);
  if (DECIMAL.test(text)) return parseFloat(text);
  return bail();
}
