// Splits a CEL assertion such as `complete / total >= 0.95` at its single top-level comparison, so
// the metric prover can report the measured value ("0.913 < 0.95") and not only "false". Purely
// cosmetic: the verdict always comes from evaluating the whole assertion.

export interface Comparison {
  left: string;
  op: '>=' | '<=' | '==' | '!=' | '>' | '<';
  right: string;
}

const OPS = ['>=', '<=', '==', '!=', '>', '<'] as const;

/** Returns undefined unless the expression is exactly `<left> <op> <right>` at depth 0 with no
 *  top-level `&&`, `||` or `?:` (where a single measured value would mislead). */
export function splitComparison(expr: string): Comparison | undefined {
  let depth = 0;
  let quote: string | undefined;
  const found: Array<{ at: number; op: Comparison['op'] }> = [];
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0) {
      const two = expr.slice(i, i + 2);
      if (two === '&&' || two === '||' || c === '?') return undefined;
      const op = OPS.find((o) => expr.startsWith(o, i));
      if (op) {
        found.push({ at: i, op });
        i += op.length - 1;
      }
    }
  }
  if (found.length !== 1) return undefined;
  const { at, op } = found[0]!;
  const left = expr.slice(0, at).trim();
  const right = expr.slice(at + op.length).trim();
  if (left === '' || right === '') return undefined;
  return { left, op, right };
}

const SHOWN: Record<Comparison['op'], string> = { '>=': '≥', '<=': '≤', '==': '=', '!=': '≠', '>': '>', '<': '<' };
const NEGATED: Record<Comparison['op'], string> = { '>=': '<', '<=': '>', '==': '≠', '!=': '=', '>': '≤', '<': '≥' };

/** The operator as a reader expects to see it when the assertion held (or did not). */
export function shownOperator(op: Comparison['op'], held: boolean): string {
  return held ? SHOWN[op] : NEGATED[op];
}
