// A Cypher tokenizer for the allow-list (cypher-guard.ts): it only has to find where code is, so
// that a keyword inside a string literal, a comment or a backtick name is never taken for a clause
// and a clause in any letter case always is. Where it could disagree with the database it errs
// towards seeing *more* code: a line comment ends at any line terminator (kuzu itself runs a
// `//` comment on past U+2028), block comments do not nest (kuzu and Neo4j close at the first
// `*/`), and an unterminated string, comment or backtick name is reported, never skipped.
// Checked against kuzu 0.11.3: `'a\'b'` and `"a\"b"` are one string each; `` `we``ird` `` is one
// name; `'a''b'` is two strings (a syntax error there), which this lexer also reads as two.

export type TokenKind = 'word' | 'name' | 'string' | 'number' | 'param' | 'punct';

export interface Token {
  kind: TokenKind;
  /** The text as written (for `word`, compare `upper`). */
  text: string;
  upper: string;
  start: number;
  end: number;
}

export interface LexProblem {
  offset: number;
  length: number;
  message: string;
}

const LINE_END = /[\n\r\u2028\u2029\u0085]/;
const WORD_START = /[\p{L}_]/u;
const WORD_PART = /[\p{L}\p{N}_\p{Mn}\p{Mc}\p{Pc}]/u;
const SPACE = /\s/u;

export function lexCypher(text: string): { tokens: Token[]; problem?: LexProblem } {
  const tokens: Token[] = [];
  const push = (kind: TokenKind, start: number, end: number): void => {
    const t = text.slice(start, end);
    tokens.push({ kind, text: t, upper: kind === 'word' ? t.toUpperCase() : t, start, end });
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (SPACE.test(c)) {
      i++;
    } else if (c === '/' && next === '/') {
      i += 2;
      while (i < text.length && !LINE_END.test(text[i] as string)) i++;
    } else if (c === '/' && next === '*') {
      const close = text.indexOf('*/', i + 2);
      if (close < 0) return { tokens, problem: { offset: i, length: 2, message: 'unterminated /* comment' } };
      i = close + 2;
    } else if (c === "'" || c === '"') {
      const end = stringEnd(text, i, c);
      if (end < 0) return { tokens, problem: { offset: i, length: 1, message: 'unterminated string literal' } };
      push('string', i, end);
      i = end;
    } else if (c === '`') {
      const end = backtickEnd(text, i);
      if (end < 0) return { tokens, problem: { offset: i, length: 1, message: 'unterminated `name`' } };
      push('name', i, end);
      i = end;
    } else if (c === '$') {
      let end = i + 1;
      if (text[end] === '`') {
        end = backtickEnd(text, end);
        if (end < 0) return { tokens, problem: { offset: i, length: 1, message: 'unterminated `name`' } };
      } else while (end < text.length && WORD_PART.test(text[end] as string)) end++;
      push('param', i, end);
      i = end;
    } else if (WORD_START.test(c)) {
      let end = i + 1;
      while (end < text.length && WORD_PART.test(text[end] as string)) end++;
      push('word', i, end);
      i = end;
    } else if (c >= '0' && c <= '9') {
      let end = i + 1;
      while (end < text.length && /[0-9A-Za-z_.]/.test(text[end] as string) && !(text[end] === '.' && text[end + 1] === '.')) end++;
      push('number', i, end);
      i = end;
    } else {
      push('punct', i, i + 1);
      i++;
    }
  }
  return { tokens };
}

/** End (exclusive) of the string literal opening at `start`, honouring backslash escapes; -1 if open. */
function stringEnd(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === quote) return i + 1;
  }
  return -1;
}

/** End (exclusive) of a backtick name; a doubled backtick continues it (kuzu and Neo4j agree). */
function backtickEnd(text: string, start: number): number {
  let i = start;
  while (text[i] === '`') {
    const close = text.indexOf('`', i + 1);
    if (close < 0) return -1;
    i = close + 1;
  }
  return i;
}
