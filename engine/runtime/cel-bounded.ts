// Which CEL expressions may be evaluated in the thread that schedules steps instead of the CEL
// worker (cel-sandbox.ts). The worker exists for expressions whose cost has no bound: a
// comprehension over a range it builds, nested `replace('', …)`, a regex with catastrophic
// backtracking (issue 10). A round trip to it costs two thread wake-ups per evaluation, which made
// a run of trivial `assert:` steps cost ~15 times the step's attestation (issue 16). An expression
// is bounded when its syntax tree (the parse of @bufbuild/cel's published `parse`) has:
//   - no comprehension (the `all`, `exists`, `exists_one`, `map`, `filter` macros expand to one),
//   - only calls from BOUNDED_CALLS: comparisons, logic, arithmetic, indexing, `in`, `size` and the
//     scalar conversions — each linear in the values it reads, none producing more than it reads,
//   - at most MAX_ADDITIONS `+` (the one operator that concatenates lists and strings), so the
//     values it builds are at most MAX_ADDITIONS + 1 times the largest value the run already holds,
//   - at most MAX_NODES nodes.
// Its time is then linear in the size of the values it reads, which the step already holds in
// memory, and it allocates no more than a small multiple of them: it cannot run away. Anything
// else (including every function of the strings extension and `matches`) goes to the worker.
import { parseCel } from './cel.ts';

const BOUNDED_CALLS = new Set([
  '_&&_',
  '_||_',
  '!_',
  '_?_:_',
  '_==_',
  '_!=_',
  '_<_',
  '_<=_',
  '_>_',
  '_>=_',
  '-_',
  '_-_',
  '_*_',
  '_/_',
  '_%_',
  '_+_',
  '_[_]',
  '@in',
  'size',
  'int',
  'uint',
  'double',
  'string',
  'bool',
]);
const MAX_NODES = 256;
const MAX_ADDITIONS = 2;

interface ExprNode {
  exprKind: { case: string | undefined; value?: unknown };
}

/** True when `expr` parses and its cost is bounded as the header says; false for anything else. */
export function isBoundedExpression(expr: string): boolean {
  let root: ExprNode;
  try {
    root = parseCel(expr).expr as unknown as ExprNode;
  } catch {
    return false;
  }
  const stack: ExprNode[] = [root];
  let nodes = 0;
  let additions = 0;
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (++nodes > MAX_NODES) return false;
    const { case: kind, value } = node.exprKind;
    switch (kind) {
      case 'constExpr':
      case 'identExpr':
        break;
      case 'selectExpr':
        stack.push((value as { operand: ExprNode }).operand);
        break;
      case 'callExpr': {
        const call = value as { function: string; target?: ExprNode; args: ExprNode[] };
        if (!BOUNDED_CALLS.has(call.function)) return false;
        if (call.function === '_+_' && ++additions > MAX_ADDITIONS) return false;
        if (call.target !== undefined) stack.push(call.target);
        stack.push(...call.args);
        break;
      }
      case 'listExpr':
        stack.push(...(value as { elements: ExprNode[] }).elements);
        break;
      case 'structExpr':
        for (const entry of (value as { entries: Array<{ keyKind: { case: string | undefined; value?: unknown }; value?: ExprNode }> }).entries) {
          if (entry.keyKind.case === 'mapKey') stack.push(entry.keyKind.value as ExprNode);
          if (entry.value !== undefined) stack.push(entry.value);
        }
        break;
      default:
        return false; // comprehensions, and any kind this reading does not know
    }
  }
  return true;
}
