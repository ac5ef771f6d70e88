// Plain runbook value → the typed Runbook every other module reads (engine/model/runbook.ts).
// Pure. It fills in what FORMATS.md leaves implicit: `needs` (absent → the step listed before;
// `[]` → a root; the first step is a root), retry and timeout defaults (step over `defaults` over
// DEFAULT_RETRY / DEFAULT_TIMEOUT_MS), each step's privacy (private-steps.ts), prover specs keyed
// by id with their phase.
// It is lenient on purpose: it also runs on values that failed the schema, so that `pcq validate`
// can report graph problems (cycles, dangling needs) in the same pass as field problems.
import { DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, type InputSpec, type ProverSpec, type RetryPolicy, type Runbook, type Step } from './runbook.ts';
import type { PcqIssue, SourceLocation } from '../base/errors.ts';
import { parseDuration } from './duration.ts';
import type { PathSegment } from './yaml-source.ts';
import { resolvePrivacy } from './private-steps.ts';

type Locate = (path: readonly PathSegment[], at?: 'key' | 'value') => SourceLocation;
type Obj = Record<string, unknown>;

/** Fields every step has; everything else is the kind's `config`. */
export const COMMON_STEP_FIELDS: ReadonlySet<string> = new Set([
  'stepId',
  'type',
  'description',
  'needs',
  'preconditions',
  'postconditions',
  'retry',
  'timeout',
  'private',
  'when',
]);

export interface NormaliseResult {
  runbook?: Runbook;
  issues: PcqIssue[];
}

export function normaliseRunbook(value: unknown, source: { file: string; digest: string }, locate: Locate): NormaliseResult {
  if (!isObj(value)) return { issues: [] }; // the schema has already said what is wrong
  const issues: PcqIssue[] = [];
  const defaults = isObj(value.defaults) ? value.defaults : {};
  const defaultRetry = retryPolicy(defaults.retry, DEFAULT_RETRY);
  const defaultTimeout = parseDuration(defaults.timeout) ?? DEFAULT_TIMEOUT_MS;

  const steps: Step[] = [];
  const rawSteps = Array.isArray(value.steps) ? value.steps : [];
  let previous: string | undefined;
  rawSteps.forEach((raw, index) => {
    if (!isObj(raw) || typeof raw.stepId !== 'string') {
      previous = undefined;
      return;
    }
    const needsExplicit = Array.isArray(raw.needs);
    const config: Obj = {};
    for (const key of Object.keys(raw)) if (!COMMON_STEP_FIELDS.has(key)) config[key] = raw[key];
    const step: Step = {
      stepId: raw.stepId,
      type: typeof raw.type === 'string' ? raw.type : '',
      needs: needsExplicit ? strings(raw.needs) : previous !== undefined ? [previous] : [],
      needsExplicit,
      preconditions: strings(raw.preconditions),
      postconditions: strings(raw.postconditions),
      retry: retryPolicy(raw.retry, defaultRetry),
      timeoutMs: parseDuration(raw.timeout) ?? defaultTimeout,
      private: false, // resolved below, once every step's needs are known (private-steps.ts)
      config,
      location: locate(['steps', index]),
    };
    if (typeof raw.description === 'string') step.description = raw.description;
    if (typeof raw.private === 'boolean') step.privateDeclared = raw.private;
    if (typeof raw.when === 'string') step.when = raw.when;
    defineLazyFieldLocations(step, raw, index, locate);
    steps.push(step);
    previous = raw.stepId;
  });

  resolvePrivacy(steps);

  const provers: Record<string, ProverSpec> = {};
  const rawProvers = isObj(value.provers) ? value.provers : {};
  for (const [phaseKey, phase] of [
    ['preconditions', 'precondition'],
    ['postconditions', 'postcondition'],
  ] as const) {
    const table = rawProvers[phaseKey];
    if (!isObj(table)) continue;
    for (const [id, spec] of Object.entries(table)) {
      const location = locate(['provers', phaseKey, id], 'key');
      const existing = provers[id];
      if (existing) {
        issues.push({
          code: 'PCQ_DUPLICATE_PROVER_ID',
          message: `prover "${id}" is declared both as a precondition and as a postcondition`,
          hint: 'Give each prover its own id; a step names it under preconditions or postconditions.',
          location,
        });
        continue;
      }
      const { type, ...config } = isObj(spec) ? spec : {};
      provers[id] = { id, phase, type: typeof type === 'string' ? type : '', config, location };
      // Kept off the enumerable fields: a spec is copied into plans and records as it is.
      const fields = Object.fromEntries(Object.keys(config).map((f) => [f, locate(['provers', phaseKey, id, f])]));
      Object.defineProperty(provers[id], 'fieldLocations', { value: fields, enumerable: false, configurable: true, writable: true });
    }
  }

  const inputs: Record<string, InputSpec> = {};
  if (isObj(value.inputs)) for (const [name, spec] of Object.entries(value.inputs)) if (isObj(spec)) inputs[name] = spec as unknown as InputSpec;

  const runbook: Runbook = {
    runbookId: String(value.runbookId ?? ''),
    name: String(value.name ?? ''),
    version: String(value.version ?? ''),
    inputs,
    steps,
    provers,
    source,
    location: locate([]),
  };
  if (typeof value.description === 'string') runbook.description = value.description;
  if (typeof value.dataset === 'string') runbook.dataset = value.dataset;
  return { runbook, issues };
}

/** A step's retry policy: its own fields over the runbook's defaults over DEFAULT_RETRY. */
function retryPolicy(raw: unknown, base: RetryPolicy): RetryPolicy {
  if (!isObj(raw)) return base;
  const attempts = Number.isInteger(raw.attempts) && (raw.attempts as number) >= 1 ? (raw.attempts as number) : base.attempts;
  const parsed = Array.isArray(raw.backoff) ? raw.backoff.map(parseDuration) : [];
  const backoffMs = parsed.length > 0 && parsed.every((ms) => ms !== undefined) ? (parsed as number[]) : base.backoffMs;
  return { attempts, backoffMs };
}

/**
 * `fieldLocations` is computed on first read: most runs never need it, and a 1,000-step runbook
 * would otherwise pay a node lookup per field on every load (bench/model.bench.ts). Keys are the
 * field names, plus `needs.<i>`, `preconditions.<i>` and `postconditions.<i>` for list entries, so
 * the planner can point at the exact entry at fault.
 * It stays an own enumerable property (spreads and JSON see it), but every step shares one
 * getter/setter pair and keeps its inputs in a WeakMap: per-step closures were a measurable part
 * of the load (two functions and a context per step, and under tsx a `__name` define for each).
 */
function defineLazyFieldLocations(step: Step, raw: Obj, index: number, locate: Locate): void {
  LAZY_FIELD_LOCATIONS.set(step, { raw, index, locate, cached: undefined });
  Object.defineProperty(step, 'fieldLocations', FIELD_LOCATIONS_PROPERTY);
}

interface LazyFieldLocations {
  raw: Obj;
  index: number;
  locate: Locate;
  cached: Record<string, SourceLocation> | undefined;
}

const LAZY_FIELD_LOCATIONS = new WeakMap<Step, LazyFieldLocations>();

const FIELD_LOCATIONS_PROPERTY: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: Step): Record<string, SourceLocation> {
    const lazy = LAZY_FIELD_LOCATIONS.get(this)!;
    return (lazy.cached ??= computeFieldLocations(lazy));
  },
  set(this: Step, value: Record<string, SourceLocation>): void {
    LAZY_FIELD_LOCATIONS.get(this)!.cached = value;
  },
};

function computeFieldLocations({ raw, index, locate }: LazyFieldLocations): Record<string, SourceLocation> {
  const out: Record<string, SourceLocation> = {};
  for (const field of Object.keys(raw)) {
    out[field] = locate(['steps', index, field]);
    const list = raw[field];
    if (LIST_FIELDS.has(field) && Array.isArray(list))
      list.forEach((_, i) => {
        out[`${field}.${i}`] = locate(['steps', index, field, i]);
      });
  }
  return out;
}

const LIST_FIELDS: ReadonlySet<string> = new Set(['needs', 'preconditions', 'postconditions']);

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function isObj(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
