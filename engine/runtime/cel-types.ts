// A small static type check of one CEL expression over declared variables, for `when:` conditions
// (run/conditions.ts). @bufbuild/cel ships a full checker but does not export it, and we may not
// reach into a dependency's private files, so this walks the parsed AST (the public `parse`) and
// infers the few types a condition can get wrong before it runs:
// - names: only the declared roots (params, steps, asOf, comprehension variables) may be read, and
//   a declared field list (params.<input>, steps.<ancestor>) is enforced;
// - the result: a condition must be a bool (dyn is allowed: it is checked again at run time);
// - arithmetic mixing a double (every JSON number, FORMATS.md) with an int literal, which bufbuild
//   refuses at run time ("no matching overload ... (double, int)"), and comparisons of a string
//   with a number, which are always false.
// Each problem carries the character offset in the expression, so the caller can point at it.
import { parse } from '@bufbuild/cel';

export type CelType = 'bool' | 'int' | 'uint' | 'double' | 'string' | 'bytes' | 'null' | 'list' | 'map' | 'dyn';

/** A root variable: either a scalar type or a map whose allowed fields (and their types) are known. */
export type VariableType = CelType | { fields: ReadonlyMap<string, CelType>; describe: (field: string) => string };

export interface TypeProblem {
  message: string;
  /** 0-based offset of the sub-expression in the expression text. */
  offset: number;
}

export interface TypeCheckResult {
  type: CelType;
  problems: TypeProblem[];
}

// The AST is protobuf-es messages; we read only the public shape below.
interface Expr {
  id: bigint;
  exprKind: { case: string | undefined; value: unknown };
}
interface Call {
  function: string;
  target?: Expr;
  args: Expr[];
}
interface Select {
  operand?: Expr;
  field: string;
  testOnly: boolean;
}
interface Comprehension {
  iterVar: string;
  iterVar2?: string;
  accuVar: string;
  iterRange?: Expr;
  accuInit?: Expr;
  loopCondition?: Expr;
  loopStep?: Expr;
  result?: Expr;
}
interface Constant {
  constantKind: { case: string | undefined };
}

const NUMERIC: ReadonlySet<CelType> = new Set(['int', 'uint', 'double']);
const CONST_TYPES: Record<string, CelType> = {
  boolValue: 'bool',
  int64Value: 'int',
  uint64Value: 'uint',
  doubleValue: 'double',
  stringValue: 'string',
  bytesValue: 'bytes',
  nullValue: 'null',
};
const BOOL_FUNCTIONS: ReadonlySet<string> = new Set([
  '_==_',
  '_!=_',
  '_<_',
  '_<=_',
  '_>_',
  '_>=_',
  '@in',
  'contains',
  'startsWith',
  'endsWith',
  'matches',
  '!_',
  '_&&_',
  '_||_',
  '@not_strictly_false',
]);
const CONVERSIONS: Record<string, CelType> = { int: 'int', uint: 'uint', double: 'double', string: 'string', bool: 'bool', bytes: 'bytes', size: 'int' };

/** Throws the parser's message when the expression does not parse (callers compile it first). */
export function typeCheck(expr: string, variables: ReadonlyMap<string, VariableType>): TypeCheckResult {
  const parsed = parse(expr);
  const positions = (parsed.sourceInfo?.positions ?? {}) as Record<string, number>;
  const problems: TypeProblem[] = [];
  const at = (e: Expr): number => positions[String(e.id)] ?? 0;
  const scopes: Array<Set<string>> = [];

  const infer = (e: Expr | undefined): CelType => {
    if (!e) return 'dyn';
    const { case: kind, value } = e.exprKind;
    switch (kind) {
      case 'constExpr':
        return CONST_TYPES[(value as Constant).constantKind.case ?? ''] ?? 'dyn';
      case 'identExpr':
        return ident((value as { name: string }).name, e);
      case 'selectExpr':
        return select(value as Select, e);
      case 'callExpr':
        return call(value as Call, e);
      case 'listExpr':
        for (const el of (value as { elements: Expr[] }).elements) infer(el);
        return 'list';
      case 'structExpr':
        for (const entry of (value as { entries: Array<{ value?: Expr; keyKind: { case: string | undefined; value: unknown } }> }).entries) {
          if (entry.keyKind.case === 'mapKey') infer(entry.keyKind.value as Expr);
          infer(entry.value);
        }
        return 'map';
      case 'comprehensionExpr':
        return comprehension(value as Comprehension);
      default:
        return 'dyn';
    }
  };

  const ident = (name: string, e: Expr): CelType => {
    if (scopes.some((s) => s.has(name))) return 'dyn';
    const declared = variables.get(name);
    if (declared === undefined) {
      problems.push({ message: `\`${name}\` is not a name a condition can read (only ${[...variables.keys()].join(', ')})`, offset: at(e) });
      return 'dyn';
    }
    return typeof declared === 'string' ? declared : 'map';
  };

  const select = (s: Select, e: Expr): CelType => {
    const operand = s.operand;
    const root = operand?.exprKind.case === 'identExpr' ? (operand.exprKind.value as { name: string }).name : undefined;
    const declared = root !== undefined && !scopes.some((sc) => sc.has(root)) ? variables.get(root) : undefined;
    if (declared !== undefined && typeof declared !== 'string') {
      const fieldType = declared.fields.get(s.field);
      if (fieldType === undefined) problems.push({ message: declared.describe(s.field), offset: operand ? at(operand) : at(e) });
      return s.testOnly ? 'bool' : (fieldType ?? 'dyn');
    }
    const operandType = infer(operand);
    if (operandType !== 'dyn' && operandType !== 'map') problems.push({ message: `\`.${s.field}\` reads a field of a ${operandType}`, offset: at(e) });
    return s.testOnly ? 'bool' : 'dyn';
  };

  const call = (c: Call, e: Expr): CelType => {
    if (c.function === '_[_]' && c.args.length === 2) {
      const keyed = indexField(c.args[0]!, c.args[1]!, e);
      if (keyed !== undefined) return keyed;
    }
    const target = c.target ? infer(c.target) : undefined; // infer also checks the names it reads
    const args = c.args.map((a) => infer(a));
    const fn = c.function;
    if (fn === '_&&_' || fn === '_||_' || fn === '!_') {
      args.forEach((t, i) => {
        if (t !== 'bool' && t !== 'dyn') problems.push({ message: `\`${opName(fn)}\` needs bool operands, got ${t}`, offset: at(c.args[i]!) });
      });
      return 'bool';
    }
    if (['_==_', '_!=_', '_<_', '_<=_', '_>_', '_>=_'].includes(fn)) {
      const [a, b] = args as [CelType, CelType];
      if ((a === 'string' && NUMERIC.has(b)) || (b === 'string' && NUMERIC.has(a))) {
        problems.push({ message: `\`${opName(fn)}\` compares a ${a} with a ${b}: it is never true`, offset: at(e) });
      }
      return 'bool';
    }
    if (['_+_', '_-_', '_*_', '_/_', '_%_'].includes(fn)) {
      const [a, b] = args as [CelType, CelType];
      if (NUMERIC.has(a) && NUMERIC.has(b) && a !== b) {
        problems.push({
          message: `\`${opName(fn)}\` mixes ${a} and ${b}; JSON numbers are doubles: write 1.0, not 1, or convert with double(...)`,
          offset: at(e),
        });
      }
      if (a === b) return a;
      return a === 'dyn' ? b : b === 'dyn' ? a : 'dyn';
    }
    if (fn === '_?_:_') {
      const [cond, a, b] = args as [CelType, CelType, CelType];
      if (cond !== 'bool' && cond !== 'dyn') problems.push({ message: `the condition of \`? :\` must be a bool, got ${cond}`, offset: at(c.args[0]!) });
      return a === b ? a : 'dyn';
    }
    if (BOOL_FUNCTIONS.has(fn)) return 'bool';
    if (fn === 'size' && target === undefined && args.length === 1) return 'int';
    return CONVERSIONS[fn] ?? 'dyn';
  };

  /** `steps['some-id']`: a constant key into a declared map is checked like `steps.some_id`. */
  const indexField = (operand: Expr, key: Expr, e: Expr): CelType | undefined => {
    if (operand.exprKind.case !== 'identExpr' || key.exprKind.case !== 'constExpr') return undefined;
    const root = (operand.exprKind.value as { name: string }).name;
    const constant = key.exprKind.value as { constantKind: { case: string | undefined; value: unknown } };
    if (constant.constantKind.case !== 'stringValue' || scopes.some((sc) => sc.has(root))) return undefined;
    const declared = variables.get(root);
    if (declared === undefined || typeof declared === 'string') return undefined;
    return select({ operand, field: constant.constantKind.value as string, testOnly: false }, e);
  };

  const comprehension = (c: Comprehension): CelType => {
    infer(c.iterRange);
    const init = infer(c.accuInit);
    scopes.push(new Set([c.iterVar, c.accuVar, ...(c.iterVar2 ? [c.iterVar2] : [])]));
    infer(c.loopCondition);
    infer(c.loopStep);
    const result = infer(c.result);
    scopes.pop();
    // The macros return their accumulator (all/exists: a bool, map/filter: a list) or, for
    // exists_one, a comparison on it.
    const returnsAccumulator = c.result?.exprKind.case === 'identExpr' && (c.result.exprKind.value as { name: string }).name === c.accuVar;
    return returnsAccumulator ? init : result;
  };

  const type = infer(parsed.expr as unknown as Expr);
  return { type, problems };
}

function opName(fn: string): string {
  return fn.replace(/^@/, '').replace(/_/g, '').trim() || fn;
}
