// The Cypher allow-list (issue 10, docs/SECURITY-MODEL.md "Containment"): runbook and prover Cypher
// may read and write the run's graph and nothing else. Parsed on tokens (cypher-lexer.ts), never
// grepped, and default-deny at the clause level: every statement, and every `CALL { }` /
// `EXISTS { }` / `COUNT { }` / `COLLECT { }` subquery, is a sequence of clauses each of which must
// start with an allowed keyword; anything else (LOAD, COPY, EXPORT/IMPORT DATABASE, ATTACH, USE,
// INSTALL, procedure CALLs and YIELD, CREATE/DROP/ALTER of tables, macros, indexes, transactions,
// SHOW, admin commands, GQL clauses this list does not know) is refused. Inside expressions, the
// words that only ever start such a clause are refused wherever they stand outside names, and
// namespaced functions (`apoc.*`, `db.*`, `dbms.*`, `gds.*`) and the few bare functions that read
// the host (`file()`, `linenumber()`) are refused too. pcq's own dataset loader (COPY FROM) calls
// the database directly and never goes through this check.
import { PcqError } from '../base/errors.ts';
import { lexCypher, type Token } from './cypher-lexer.ts';

export interface CypherViolation {
  offset: number;
  length: number;
  message: string;
}

/** Clauses that may start a statement part (with the second word some of them need). */
const SIMPLE_CLAUSES = new Set(['MATCH', 'WITH', 'UNWIND', 'RETURN', 'SET', 'DELETE', 'REMOVE', 'SKIP', 'LIMIT', 'FOREACH', 'WHERE']);
/** Words that end the clause before them (at the clause's own nesting level). */
const BOUNDARIES = new Set([
  ...SIMPLE_CLAUSES,
  'OPTIONAL',
  'ORDER',
  'CREATE',
  'MERGE',
  'DETACH',
  'UNION',
  'CALL',
  'YIELD',
  'EXPLAIN',
  'PROFILE',
  'START',
  'STOP',
  'FINISH',
  'LET',
  'FILTER',
  'INSERT',
  'NEXT',
  'ENABLE',
  'DEALLOCATE',
  'REALLOCATE',
  'DRYRUN',
  'RENAME',
  'PROJECT',
]);
/** Words that only ever begin something outside the graph: refused wherever they are code. */
const FORBIDDEN = new Set([
  'LOAD',
  'COPY',
  'EXPORT',
  'IMPORT',
  'ATTACH',
  'USE',
  'INSTALL',
  'UNINSTALL',
  'DROP',
  'ALTER',
  'CHECKPOINT',
  'BEGIN',
  'COMMIT',
  'ROLLBACK',
  'TRANSACTION',
  'TRANSACTIONS',
  'GRANT',
  'DENY',
  'REVOKE',
  'SHOW',
  'TERMINATE',
  'PERIODIC',
  'DATABASE',
  'DATABASES',
  'EXTENSION',
  'MACRO',
  'DBMS',
  'APOC',
  'CSV',
]);
for (const w of FORBIDDEN) BOUNDARIES.add(w);
/** Bare functions that reach the host (Neo4j LOAD CSV helpers; kuzu exposes none as scalars). */
const FORBIDDEN_FUNCTIONS = new Set(['FILE', 'LINENUMBER', 'CURRENT_SETTING']);
const SUBQUERY_EXPRESSIONS = new Set(['EXISTS', 'COUNT', 'COLLECT']);
const CLOSE: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

const WHY =
  "runbook and prover Cypher may only read and write the run's graph (no files, extensions, other databases, procedures, schema or transaction commands)";

/** Every reason `cypher` is refused; empty when the query only reads and writes the graph. */
export function cypherViolations(cypher: string): CypherViolation[] {
  const { tokens, problem } = lexCypher(cypher);
  if (problem) return [problem];
  const guard = new Guard(tokens);
  guard.block(undefined);
  if (guard.pos < tokens.length && guard.out.length === 0) guard.refuse(tokens[guard.pos] as Token, 'unbalanced `}`');
  if (tokens.length === 0) return [{ offset: 0, length: 0, message: 'the query is empty' }];
  return guard.out;
}

/** The run-time wall: throws PCQ_CYPHER_REFUSED before a refused query reaches the database. */
export function assertCypherAllowed(cypher: string): void {
  const [first] = cypherViolations(cypher);
  if (first === undefined) return;
  throw new PcqError({
    code: 'PCQ_CYPHER_REFUSED',
    message: `Cypher refused at offset ${first.offset}: ${first.message}`,
    hint: "Runbook Cypher may only MATCH/CREATE/MERGE/SET/DELETE the run's graph; datasets are loaded by pcq itself from `dataset:`.",
    details: { cypher, offset: first.offset },
  });
}

class Guard {
  pos = 0;
  readonly out: CypherViolation[] = [];
  readonly #t: Token[];

  constructor(tokens: Token[]) {
    this.#t = tokens;
  }

  refuse(t: Token, message: string): void {
    this.out.push({ offset: t.start, length: t.end - t.start, message });
  }

  #peek(k = 0): Token | undefined {
    return this.#t[this.pos + k];
  }

  #isWord(t: Token | undefined, ...words: string[]): boolean {
    return t !== undefined && t.kind === 'word' && words.includes(t.upper);
  }

  #isPunct(t: Token | undefined, p: string): boolean {
    return t !== undefined && t.kind === 'punct' && t.text === p;
  }

  /** Statements (separated by `;`) up to `}` (a subquery) or the end; the caller consumes the `}`. */
  block(close: string | undefined): void {
    let clauses = 0;
    while (this.pos < this.#t.length && this.out.length === 0) {
      const t = this.#peek() as Token;
      if (close !== undefined && this.#isPunct(t, close)) {
        if (clauses === 0) this.refuse(t, 'empty subquery');
        return;
      }
      if (this.#isPunct(t, ';')) {
        this.pos++;
        continue;
      }
      this.#clause();
      clauses++;
    }
  }

  /** One clause: its keyword(s), checked against the allow-list, then its body. */
  #clause(): void {
    const t = this.#peek() as Token;
    if (t.kind !== 'word') return this.refuse(t, `expected a clause (MATCH, RETURN, CREATE, ...), found \`${t.text}\``);
    const u = t.upper;
    this.pos++;
    if (SIMPLE_CLAUSES.has(u)) return this.#body();
    if (u === 'OPTIONAL' || u === 'ORDER' || u === 'DETACH') {
      const need = { OPTIONAL: 'MATCH', ORDER: 'BY', DETACH: 'DELETE' }[u];
      if (!this.#isWord(this.#peek(), need)) return this.refuse(t, `\`${t.text}\` must be followed by ${need}`);
      this.pos++;
      return this.#body();
    }
    if (u === 'UNION') {
      if (this.#isWord(this.#peek(), 'ALL', 'DISTINCT')) this.pos++;
      return;
    }
    if (u === 'CREATE' || u === 'MERGE') {
      if (!this.#startsPattern()) return this.refuse(t, `\`${t.text} ${this.#peek()?.text ?? ''}\` is not a graph pattern: ${WHY}`);
      return this.#body();
    }
    if (u === 'CALL') return this.#callSubquery(t);
    return this.refuse(t, `clause \`${t.text}\` is not allowed: ${WHY}`);
  }

  /** CREATE/MERGE take a pattern: `(`, or a path variable `p = (`. */
  #startsPattern(): boolean {
    const next = this.#peek();
    if (this.#isPunct(next, '(')) return true;
    return (next?.kind === 'word' || next?.kind === 'name') && this.#isPunct(this.#peek(1), '=');
  }

  /** `CALL { subquery }` or Neo4j's `CALL (a, b) { subquery }`; a procedure call is refused. */
  #callSubquery(call: Token): void {
    if (this.#isPunct(this.#peek(), '(')) {
      let k = 1;
      while (this.#peek(k) && !this.#isPunct(this.#peek(k), ')')) {
        const v = this.#peek(k) as Token;
        if (!(v.kind === 'word' || v.kind === 'name' || this.#isPunct(v, ',') || this.#isPunct(v, '*'))) break;
        k++;
      }
      if (this.#isPunct(this.#peek(k), ')') && this.#isPunct(this.#peek(k + 1), '{')) this.pos += k + 1;
    }
    if (!this.#isPunct(this.#peek(), '{')) {
      return this.refuse(call, `\`CALL ${this.#peek()?.text ?? ''}\` calls a procedure: only \`CALL { subquery }\` is allowed; ${WHY}`);
    }
    this.#subquery(this.#peek() as Token);
  }

  /** At `{`: the subquery's statements and its closing `}`. */
  #subquery(open: Token): void {
    this.pos++;
    this.block('}');
    if (this.out.length > 0) return;
    if (!this.#isPunct(this.#peek(), '}')) return this.refuse(open, 'unclosed `{`');
    this.pos++;
  }

  /** A clause body: expressions and patterns up to the next clause keyword at this level. */
  #body(): void {
    const stack: string[] = [];
    while (this.pos < this.#t.length && this.out.length === 0) {
      const t = this.#peek() as Token;
      if (t.kind === 'punct') {
        if (stack.length === 0 && (t.text === ';' || t.text === '}')) return;
        if (t.text === '{' && this.#opensSubquery()) {
          this.#subquery(t);
          continue;
        }
        if (t.text in CLOSE) stack.push(CLOSE[t.text] as string);
        else if (t.text === ')' || t.text === ']' || t.text === '}') {
          if (stack.pop() !== t.text) return this.refuse(t, `unbalanced \`${t.text}\``);
        }
        this.pos++;
        continue;
      }
      if (t.kind === 'word' && !this.#isName()) {
        if (stack.length === 0 && BOUNDARIES.has(t.upper) && !this.#mergeAction()) return;
        this.#expressionWord(t);
        if (this.out.length > 0) return;
      }
      this.pos++;
    }
    if (stack.length > 0 && this.out.length === 0) this.refuse(this.#t[this.#t.length - 1] as Token, 'unclosed bracket');
  }

  /** `ON CREATE SET` / `ON MATCH SET` belong to MERGE: skip ON and its CREATE/MATCH. */
  #mergeAction(): boolean {
    const t = this.#peek() as Token;
    const prev = this.#t[this.pos - 1];
    if ((t.upper === 'CREATE' || t.upper === 'MATCH') && this.#isWord(prev, 'ON')) return true;
    return false;
  }

  /** A `{` after EXISTS/COUNT/COLLECT, or one whose first word is a clause, holds a subquery. */
  #opensSubquery(): boolean {
    const prev = this.#t[this.pos - 1];
    const first = this.#peek(1);
    const clauseFirst = first?.kind === 'word' && BOUNDARIES.has(first.upper) && !this.#isPunct(this.#peek(2), ':');
    return clauseFirst || (prev?.kind === 'word' && SUBQUERY_EXPRESSIONS.has(prev.upper) && first?.kind === 'word' && BOUNDARIES.has(first.upper));
  }

  /** A word used as a property key, label, relationship type or map key is a name, not code. */
  #isName(): boolean {
    const prev = this.#t[this.pos - 1];
    const next = this.#peek(1);
    if (this.#isPunct(prev, '.') || this.#isPunct(prev, ':')) return !this.#isPunct(next, '(');
    return this.#isPunct(next, ':') && !this.#isPunct(prev, '(') && !this.#isPunct(prev, '[');
  }

  /** Checks a word that stands inside an expression or pattern. */
  #expressionWord(t: Token): void {
    const next = this.#peek(1);
    const prev = this.#t[this.pos - 1];
    if (FORBIDDEN.has(t.upper)) return this.refuse(t, `\`${t.text}\` is not allowed: ${WHY}`);
    if (this.#isPunct(next, '(') && this.#isPunct(prev, '.')) return this.refuse(t, `namespaced function or procedure \`…${t.text}\` is not allowed: ${WHY}`);
    if (this.#isPunct(next, '.') && this.#namespacedCall()) return this.refuse(t, `namespaced function \`${t.text}.…\` is not allowed: ${WHY}`);
    if (this.#isPunct(next, '(') && FORBIDDEN_FUNCTIONS.has(t.upper)) return this.refuse(t, `function \`${t.text}()\` reads the host: ${WHY}`);
    if (t.upper === 'CALL') return this.refuse(t, `\`CALL\` inside an expression is not allowed: ${WHY}`);
    if ((t.upper === 'CREATE' || t.upper === 'MERGE') && !this.#isWord(prev, 'ON')) {
      this.pos++;
      const ok = this.#startsPattern();
      this.pos--;
      if (!ok) this.refuse(t, `\`${t.text} ${next?.text ?? ''}\` is not a graph pattern: ${WHY}`);
    }
  }

  /** `a.b.c(`: a dotted name ending in a call (a function namespace, not a property access). */
  #namespacedCall(): boolean {
    let k = 1;
    while (this.#isPunct(this.#peek(k), '.') && (this.#peek(k + 1)?.kind === 'word' || this.#peek(k + 1)?.kind === 'name')) k += 2;
    return this.#isPunct(this.#peek(k), '(');
  }
}
