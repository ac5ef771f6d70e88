// Untrusted YAML (and JSON, which YAML 1.2 reads too) → a plain JS value plus a locator that maps a
// path in that value back to file:line:col. Every hostile shape is refused within YAML_LIMITS with
// its own code, and none of them can blow the JS stack or memory:
//   - size is checked on the text before anything else;
//   - nesting depth is watched while the parser runs (its token stack, iterative), so a megabyte of
//     `[` never reaches yaml's recursive composer;
//   - aliases are expanded by our own walk with a node budget (billion laughs) and an ancestor set
//     (circular aliases), instead of yaml's toJS;
//   - tags outside the YAML 1.2 core schema (`!!js/function`, `!foo`) are refused, never resolved.
// One pass builds the value; locations are computed only for nodes that have an issue.
import { Composer, CST, Lexer, isAlias, isMap, isScalar, isSeq, LineCounter, Parser, type Document, type Node, type Pair } from 'yaml';
import type { PcqIssue, SourceLocation } from '../base/errors.ts';
import { YAML_LIMITS } from './yaml-limits.ts';
import { readPlainYaml } from './yaml-plain.ts';

type Token = CST.Token;

export type PathSegment = string | number;

export interface YamlSource {
  /** The document as plain JSON-like data; undefined when the YAML itself is broken or refused. */
  value: unknown;
  issues: PcqIssue[];
  /** file:line:col of the node at `path` (or of its key), falling back to the nearest ancestor. */
  locate(path: readonly PathSegment[], at?: 'key' | 'value'): SourceLocation;
}

// YAML 1.2 core schema tags (explicit `!!str` etc. are harmless); anything else is refused.
const CORE_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));
// The parser's token stack sits a couple of entries above the data's nesting depth; this margin lets
// the precise per-node depth check report moderate excess while the parser stops the extreme cases.
const PARSER_STACK_LIMIT = YAML_LIMITS.maxDepth + 16;

const MAX_SYNTAX_ISSUES = 20;

/**
 * The CST tokens of `text`, exactly as `new Parser(onNewLine).parse(text)` yields them (without its
 * initial onNewLine(0)), or the offset where the parser's stack first grew past `maxStack`.
 */
export function parseTokens(text: string, onNewLine: ((offset: number) => void) | undefined, maxStack: number): Token[] | { tooDeepAt: number } {
  const parser = new Parser(onNewLine);
  const tokens: Token[] = [];
  for (const lexeme of new Lexer().lex(text, false)) {
    for (const token of parser.next(lexeme)) tokens.push(token);
    if (parser.stack.length > maxStack) return { tooDeepAt: parser.offset };
  }
  for (const token of parser.end()) tokens.push(token);
  return tokens;
}

class Refused extends Error {}

export function readYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(Math.max(0, offset));
    return { file, line, col };
  };
  const refused = (issue: PcqIssue): YamlSource => refusal(file, issue);

  lineCounter.addNewLine(0);
  // Size first: checked on the text before parsing.
  if (text.length > YAML_LIMITS.maxBytes || Buffer.byteLength(text, 'utf8') > YAML_LIMITS.maxBytes) {
    return refused({
      code: 'PCQ_YAML_TOO_LARGE',
      message: `file is ${Buffer.byteLength(text, 'utf8')} bytes; runbooks are limited to ${YAML_LIMITS.maxBytes} bytes`,
      hint: 'Split the runbook, or move bulk data into runbooks/data/ where it is loaded as a dataset.',
      location: { file, line: 1, col: 1 },
    });
  }

  // The plain subset (simple and generated runbooks) is read without yaml's document tree; the
  // answer is yaml's own (yaml-plain.ts, differential test), else yaml reads the text below.
  const plain = readPlainYaml(text);
  if (plain !== undefined) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1);
    return { value: plain.value, issues: [], locate: (path, where = 'value') => at(plain.offsetOf(path, where)) };
  }
  return readWithYaml(text, file, lineCounter, at);
}

function refusal(file: string, issue: PcqIssue): YamlSource {
  return { value: undefined, issues: [issue], locate: () => ({ file, line: 1, col: 1 }) };
}

/** readYamlSource's reading with `yaml` (the size already checked): every document, every issue. */
export function readYamlSourceWithYaml(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  lineCounter.addNewLine(0);
  return readWithYaml(text, file, lineCounter, (offset) => ({ file, ...lineCounter.linePos(Math.max(0, offset)) }));
}

function readWithYaml(text: string, file: string, lineCounter: LineCounter, at: (offset: number) => SourceLocation): YamlSource {
  const issues: PcqIssue[] = [];
  // Parse to CST tokens, watching the parser's stack so deep nesting stops early.
  // Driven lexeme by lexeme (what Parser.parse does inside) so the stack is checked as it grows:
  // parse() itself yields only finished documents, far too late for a megabyte of `[`.
  const tokens = parseTokens(text, lineCounter.addNewLine, PARSER_STACK_LIMIT);
  if (!Array.isArray(tokens)) return refusal(file, tooDeep(at(tokens.tooDeepAt)));
  const composer = new Composer({ version: '1.2', schema: 'core', uniqueKeys: true, intAsBigInt: false });
  const docs: Document.Parsed[] = [];
  for (const doc of composer.compose(tokens, true, text.length)) docs.push(doc);
  const doc = docs[0];
  if (!doc) return { value: undefined, issues: [], locate: () => ({ file, line: 1, col: 1 }) };
  if (docs.length > 1) {
    issues.push({
      code: 'PCQ_YAML_SYNTAX',
      message: 'file contains more than one YAML document',
      hint: 'Keep one runbook per file; remove the extra `---` document.',
      location: at(docs[1]!.range[0]),
    });
  }
  // A broken file can yield thousands of follow-on errors; the first few locate the problem.
  for (const err of doc.errors.slice(0, MAX_SYNTAX_ISSUES)) {
    const duplicate = err.code === 'DUPLICATE_KEY';
    issues.push({
      code: duplicate ? 'PCQ_YAML_DUPLICATE_KEY' : 'PCQ_YAML_SYNTAX',
      message: duplicate ? 'duplicate key in a mapping (YAML keeps only one of them)' : firstLine(err.message),
      hint: duplicate ? 'Remove or rename the second occurrence of the key.' : 'Fix the YAML syntax at this position.',
      location: at(err.pos[0]),
    });
  }

  if (doc.errors.length > MAX_SYNTAX_ISSUES) {
    issues.push({
      code: 'PCQ_YAML_SYNTAX',
      message: `${doc.errors.length - MAX_SYNTAX_ISSUES} more YAML errors not shown`,
      hint: 'Fix the first errors; the rest often follow from them.',
      location: at(doc.errors[MAX_SYNTAX_ISSUES]!.pos[0]),
    });
  }
  const walk = new Walk(doc, at);
  let value: unknown;
  try {
    value = walk.toValue(doc.contents, 0, false);
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
  }
  issues.push(...walk.issues);
  const locate = (path: readonly PathSegment[], where: 'key' | 'value' = 'value') => at(offsetOf(doc, path, where));
  return { value: issues.length === 0 ? value : undefined, issues, locate };
}

function tooDeep(location: SourceLocation): PcqIssue {
  return {
    code: 'PCQ_YAML_TOO_DEEP',
    message: `nesting deeper than ${YAML_LIMITS.maxDepth} levels`,
    hint: 'Runbooks need only a few levels of nesting; flatten this structure.',
    location,
  };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** Builds the plain value from yaml's node tree: one pass, bounded depth, budgeted aliases. */
class Walk {
  readonly issues: PcqIssue[] = [];
  private expanded = 0;
  private readonly ancestors = new Set<unknown>();
  private readonly doc: Document.Parsed;
  private readonly at: (offset: number) => SourceLocation;

  constructor(doc: Document.Parsed, at: (offset: number) => SourceLocation) {
    this.doc = doc;
    this.at = at;
  }

  toValue(node: unknown, depth: number, inAlias: boolean): unknown {
    if (node === null || node === undefined) return null;
    if (inAlias && ++this.expanded > YAML_LIMITS.maxAliasExpansion) {
      this.issues.push({
        code: 'PCQ_YAML_ALIASES',
        message: `aliases expand to more than ${YAML_LIMITS.maxAliasExpansion} nodes (an alias bomb?)`,
        hint: 'Write the repeated content out, or alias smaller pieces.',
        location: this.at(rangeStart(node)),
      });
      throw new Refused();
    }
    // Scalars first: they are most of the nodes, and the cheapest answer.
    if (isScalar(node)) return node.tag === undefined || CORE_TAGS.has(node.tag) ? node.value : this.unknownTag(node);
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (target === undefined) return null; // yaml already reported the unknown anchor
      if (this.ancestors.has(target)) {
        this.issues.push({
          code: 'PCQ_YAML_CIRCULAR_ALIAS',
          message: `alias *${node.source} refers to a node that contains it`,
          hint: 'An alias may only repeat content defined outside itself; remove the self-reference.',
          location: this.at(rangeStart(node)),
        });
        return null;
      }
      return this.toValue(target, depth, true);
    }
    const seq = isSeq(node);
    if (!seq && !isMap(node)) return null;
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) return this.unknownTag(node);
    if (depth >= YAML_LIMITS.maxDepth) {
      this.issues.push(tooDeep(this.at(rangeStart(node))));
      throw new Refused();
    }
    // Only an anchored node can be an alias's target, so only those can close a cycle; the rest
    // need not be tracked as ancestors.
    const anchored = node.anchor !== undefined;
    if (anchored) this.ancestors.add(node);
    const out = seq ? this.seqValue(node.items, depth + 1, inAlias) : this.mapValue(node.items, depth + 1, inAlias);
    if (anchored) this.ancestors.delete(node);
    return out;
  }

  private seqValue(items: readonly unknown[], depth: number, inAlias: boolean): unknown[] {
    const out = new Array<unknown>(items.length);
    for (let i = 0; i < items.length; i++) out[i] = this.toValue(items[i], depth, inAlias);
    return out;
  }

  private mapValue(pairs: ReadonlyArray<Pair<unknown, unknown>>, depth: number, inAlias: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const pair of pairs) {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (key === undefined || (typeof key === 'object' && key !== null)) {
        this.issues.push({
          code: 'PCQ_YAML_SYNTAX',
          message: 'mapping keys must be plain scalars',
          hint: 'Use a plain string key.',
          location: this.at(rangeStart(pair.key)),
        });
        continue;
      }
      const name = typeof key === 'string' ? key : String(key);
      const value = this.toValue(pair.value, depth, inAlias);
      // `__proto__` as data, never as the object's prototype.
      if (name === '__proto__') Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      else out[name] = value;
    }
    return out;
  }

  private unknownTag(node: Node): null {
    this.issues.push({
      code: 'PCQ_YAML_UNKNOWN_TAG',
      message: `tag ${shortTag(node.tag!)} is not allowed`,
      hint: 'Runbooks use plain YAML 1.2 core values only; remove the tag.',
      location: this.at(rangeStart(node)),
    });
    return null;
  }
}

function shortTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

function rangeStart(node: unknown): number {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : 0;
}

/** Offset of the node at `path` (following aliases), or of the deepest ancestor that exists. */
function offsetOf(doc: Document.Parsed, path: readonly PathSegment[], where: 'key' | 'value'): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (let i = 0; i < path.length; i++) {
    if (isAlias(node)) node = node.resolve(doc);
    const segment = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return offset;
      if (last && where === 'key') return rangeStart(pair.key);
      node = pair.value;
      offset = pair.value ? rangeStart(pair.value) : rangeStart(pair.key);
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = node.items[segment];
      offset = rangeStart(node);
    } else {
      return offset;
    }
  }
  return offset;
}
