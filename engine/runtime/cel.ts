// CEL for steps and provers (docs/design.md §5 "Policies": compile once, evaluate many; monotonic).
//
// Why @bufbuild/cel and not @marcbachmann/cel-js (the faster one): bufbuild returns a CelError
// *value* for a missing field instead of throwing, and we only ever treat the literal `true` as
// allow (`=== true`), so a missing fact can never turn deny into allow; it is maintained by Buf
// alongside their protovalidate CEL work. cel-js throws on a missing key, which makes the
// "missing fact" path an exception path in every caller.
//
// Values: JSON numbers go in as CEL doubles (FORMATS.md), so the seed's `complete / total >= 0.95`
// divides as doubles even with integer counts. Results come back as plain JSON (bigint → number,
// CelMap → object, CelList → array).
import { celEnv, isCelError, isCelList, isCelMap, isCelUint, parse, plan, type CelEnv, type CelResult } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { PcqError } from '../base/errors.ts';
import type { CelEngine } from '../base/step-ports.ts';

type Program = (vars: Record<string, unknown>) => CelResult;
type Parsed = ReturnType<typeof parse>;

/** Past this many distinct expressions the parse memo starts over (a bound on what it holds). */
const MAX_PARSED = 100_000;
const parsedExpressions = new Map<string, Parsed | Error>();

/**
 * `parse(expr)`, once per distinct expression in this thread: the preflight check, the bounded-cost
 * test (cel-bounded.ts) and the program each parsed every expression again, three parses a step
 * (issue 16, "a runner that scales"). The syntax tree is a pure function of the text and nothing
 * reads it but to plan or inspect it (@bufbuild/cel's plan does not change it); a parse error is
 * kept and thrown again, the same error.
 */
export function parseCel(expr: string): Parsed {
  let hit = parsedExpressions.get(expr);
  if (hit === undefined) {
    try {
      hit = parse(expr);
    } catch (err) {
      hit = err instanceof Error ? err : new Error(String(err));
    }
    if (parsedExpressions.size >= MAX_PARSED) parsedExpressions.clear();
    parsedExpressions.set(expr, hit);
  }
  if (hit instanceof Error) throw hit;
  return hit;
}

let sharedEnv: CelEnv | undefined;
const programs = new Map<string, Program | { compileError: string }>();

/**
 * The planned program of `expr` (or why it does not compile), once per distinct expression in this
 * thread, like parseCel: the preflight check and the run's engine each planned every expression
 * again (issue 16). Every engine plans in the same environment (the strings extension), and a plan
 * is a pure function of its vars, so engines may share it.
 */
function compile(expr: string): Program | { compileError: string } {
  const cached = programs.get(expr);
  if (cached) return cached;
  let compiled: Program | { compileError: string };
  try {
    const planned = plan((sharedEnv ??= celEnv({ funcs: strings })), parseCel(expr));
    compiled = (vars) => planned(vars as never);
  } catch (err) {
    compiled = { compileError: (err as Error).message };
  }
  if (programs.size >= MAX_PARSED) programs.clear();
  programs.set(expr, compiled);
  return compiled;
}

export function createCelEngine(): CelEngine {
  return {
    evaluate(expr, vars) {
      const program = compile(expr);
      if (typeof program !== 'function') {
        throw new PcqError({
          code: 'PCQ_CEL_COMPILE',
          message: `CEL expression \`${expr}\` does not compile: ${program.compileError}`,
          hint: 'Fix the expression; `pcq validate` reports every expression that does not compile.',
          details: { expr },
        });
      }
      let result: CelResult;
      try {
        result = program(vars);
      } catch (err) {
        throw evalError(expr, (err as Error).message);
      }
      if (isCelError(result)) throw evalError(expr, result.message);
      return celToJson(result);
    },
    check(expr) {
      if (typeof expr !== 'string' || expr.trim() === '') return 'expression is empty';
      const program = compile(expr);
      return typeof program === 'function' ? undefined : program.compileError;
    },
  };
}

function evalError(expr: string, why: string): PcqError {
  const mixed = /no matching overload .*\(double, int\)|\(int, double\)/.test(why);
  return new PcqError({
    code: 'PCQ_CEL_EVAL',
    message: `CEL expression \`${expr}\` failed: ${why}`,
    hint: mixed
      ? 'JSON numbers are CEL doubles: write number literals with a decimal point (1.0, not 1), or convert with double(...).'
      : 'Check the names the expression reads (params, steps, asOf, row/rows/input); use has(x.f) for optional fields.',
    details: { expr, error: why },
  });
}

/** Converts a CEL result into plain JSON. Integers outside the safe range keep their digits as strings. */
export function celToJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return bigintToJson(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (isCelUint(value)) return bigintToJson(value.value);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (isCelList(value)) return Array.from(value, celToJson);
  if (isCelMap(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) out[typeof k === 'object' ? String((k as { value: bigint }).value) : String(k)] = celToJson(v);
    return out;
  }
  if (Array.isArray(value)) return value.map(celToJson);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = celToJson(v);
    return out;
  }
  return String(value);
}

function bigintToJson(v: bigint): number | string {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/**
 * A boolean rule: only the literal `true` is true. An evaluation error (missing fact, type
 * mismatch) is false with the reason, never an exception, so a rule can only fail closed; only an
 * evaluation stopped by its limits (PCQ_CEL_LIMIT) is thrown, so the step says why it stopped.
 */
export function evaluateBoolean(cel: CelEngine, expr: string, vars: Record<string, unknown>): { value: boolean; error?: string } {
  try {
    const result = cel.evaluate(expr, vars);
    if (result === true) return { value: true };
    if (result === false) return { value: false };
    return { value: false, error: `expected a bool, got ${JSON.stringify(result)}` };
  } catch (err) {
    // A stopped evaluation (time or memory, cel-sandbox.ts) is not an answer: the step fails with it.
    if (err instanceof PcqError && err.code === 'PCQ_CEL_LIMIT') throw err;
    return { value: false, error: err instanceof Error ? err.message : String(err) };
  }
}

const PLACEHOLDER = /\{\{([\s\S]*?)\}\}/g;

/** The `{{ CEL }}` expressions inside a template, in order (for static checks). */
export function templateExpressions(template: string): string[] {
  return Array.from(template.matchAll(PLACEHOLDER), (m) => (m[1] ?? '').trim());
}

/** Replaces each `{{ CEL }}` with its value: strings as is, everything else as JSON. */
export function renderCelTemplate(cel: CelEngine, template: string, vars: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (_m, expr: string) => {
    const value = cel.evaluate(expr.trim(), vars);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}
