// Validates a runbook value against runbook.schema.json (JSON Schema draft-07) and turns the
// validator's output units into coded issues that point at the offending YAML node. The validator
// is @cfworker/json-schema, which interprets the schema: engine/model/ may build no code from text
// (engine/README.md "Security core"), and ajv compiles schemas with `new Function`. Locations are
// looked up only for values that failed (the happy path pays nothing).
import { Validator, type Schema } from '@cfworker/json-schema';
import type { PcqCode, PcqIssue, SourceLocation } from '../base/errors.ts';
import { STEP_TYPES } from './step-types.ts';
import type { PathSegment } from './yaml-source.ts';
import schema from './runbook.schema.json' with { type: 'json' };

export const RUNBOOK_SCHEMA: Readonly<Record<string, unknown>> = schema;

type Locate = (path: readonly PathSegment[], at?: 'key' | 'value') => SourceLocation;

// shortCircuit false: validation reports every problem at once (docs/design.md §4).
// Draft '7' matches the schema's "$schema" (draft-07: a $ref's siblings are ignored).
let validator: Validator | undefined;

/** Keywords whose unit only says "something below failed"; the units below it carry the problem. */
const WRAPPERS = new Set([
  '$ref',
  'properties',
  'patternProperties',
  'items',
  'additionalItems',
  'allOf',
  'if',
  'contains',
  'dependencies',
  'dependentSchemas',
]);

/** Coded issues for every schema violation in `value` (empty when it conforms). */
export function schemaIssues(value: unknown, locate: Locate): PcqIssue[] {
  if (conformsFast(value)) return [];
  validator ??= new Validator(schema as Schema, '7', false);
  const result = validator.validate(value);
  if (result.valid) return [];
  const units = result.errors;
  const issues: PcqIssue[] = [];
  const seen = new Set<string>();
  const add = (issue: PcqIssue): void => {
    const key = `${issue.code}|${issue.location?.line}:${issue.location?.col}|${issue.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    issues.push(issue);
  };
  for (let i = 0; i < units.length; i++) {
    const unit = units[i]!;
    // anyOf/oneOf branches are summarised by their parent's unit; propertyNames by the names' units.
    if (WRAPPERS.has(unit.keyword) || /\/(anyOf|oneOf)\/\d+(\/|$)/.test(unit.keywordLocation) || unit.keyword === 'propertyNames') continue;
    const at = resolveKeyword(unit.keywordLocation);
    const path = pointerToPath(unit.instanceLocation, value);
    if (unit.keyword === 'additionalProperties') {
      // The unit names the object; the unit right after it (the `false` schema's) names the field.
      if (at.parent.additionalProperties !== false) continue;
      const next = units[i + 1];
      if (next?.keyword === 'false') i++;
      const field = next ? pointerToPath(next.instanceLocation, value).at(-1) : undefined;
      if (field !== undefined) add(unknownField(path, String(field), at.parent, value, locate));
      continue;
    }
    if (/\/propertyNames\/[^/]+$/.test(unit.keywordLocation)) {
      add(badName(path, at.parent, value, locate));
      continue;
    }
    for (const issue of toIssues(unit.keyword, at, path, value, locate)) add(issue);
  }
  return issues;
}

type SchemaNode = Record<string, unknown>;

// ---- The conforming runbook, checked per step kind ------------------------------------------
// The step schema is an allOf of one `if: {type: const K} then: {…}` per step kind, so the
// interpreter tries every kind's `if` on every step: most of a large runbook's load (issue 16, a
// 10,000-step runbook). For a step of kind K only K's `then` can apply, so the step schema with
// allOf narrowed to that entry accepts exactly the steps of kind K the full schema accepts; entries
// of any other shape are kept for every kind (and K's `then` applies without its `if`, which holds). This path only answers "conforms": a runbook it
// does not accept is validated by the full schema, which finds and words its issues.

interface FastValidators {
  root: Validator;
  byKind: Map<string, Validator>;
}

let fast: FastValidators | undefined;

function isKindIf(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { if: cond, then, ...rest } = entry as SchemaNode;
  if (Object.keys(rest).length > 0 || typeof then !== 'object' || then === null || typeof cond !== 'object' || cond === null) return undefined;
  const { properties, required, ...condRest } = cond as SchemaNode;
  if (Object.keys(condRest).length > 0 || JSON.stringify(required) !== '["type"]') return undefined;
  const props = properties as SchemaNode | undefined;
  if (props === undefined || Object.keys(props).length !== 1) return undefined;
  const type = props.type as SchemaNode | undefined;
  if (type === undefined || Object.keys(type).length !== 1 || typeof type.const !== 'string') return undefined;
  return type.const;
}

function fastValidators(): FastValidators {
  if (fast) return fast;
  const full = schema as unknown as SchemaNode;
  const definitions = full.definitions as Record<string, SchemaNode>;
  const step = definitions.step!;
  const entries = (step.allOf as unknown[]) ?? [];
  const generic = entries.filter((e) => isKindIf(e) === undefined);
  const steps = (full.properties as Record<string, SchemaNode>).steps!;
  const root = { ...full, properties: { ...(full.properties as SchemaNode), steps: { ...steps, items: true } } };
  const byKind = new Map<string, Validator>();
  for (const entry of entries) {
    const kind = isKindIf(entry);
    if (kind === undefined || byKind.has(kind)) continue;
    // The step's type is K, so K's `if` holds: its `then` applies unconditionally.
    const narrowed = { ...step, allOf: [...generic, (entry as SchemaNode).then] };
    byKind.set(kind, new Validator({ $schema: full.$schema, $id: full.$id, definitions, ...narrowed } as Schema, '7', true));
  }
  fast = { root: new Validator(root as Schema, '7', true), byKind };
  return fast;
}

/** True when `value` certainly conforms (see above); false means "ask the full schema". */
function conformsFast(value: unknown): boolean {
  const steps = (value as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(steps) || (steps as unknown[]).some((s) => typeof (s as { type?: unknown } | null)?.type !== 'string')) return false;
  const { root, byKind } = fastValidators();
  if (!root.validate(value).valid) return false;
  for (const s of steps as Array<{ type: string }>) {
    const v = byKind.get(s.type);
    if (v === undefined || !v.validate(s).valid) return false;
  }
  return true;
}

/** Where a keyword sits: the schema object holding it, its value, and its path with every $ref followed (`#/definitions/duration/oneOf`). */
interface KeywordAt {
  parent: SchemaNode;
  value: unknown;
  canonical: string;
}

/** Follows a unit's keywordLocation (which runs through `$ref` segments) back into the schema. */
function resolveKeyword(keywordLocation: string): KeywordAt {
  const segments = keywordLocation
    .replace(/^#\/?/, '')
    .split('/')
    .filter((s) => s !== '')
    .map(decodeSegment);
  let node: unknown = schema;
  let canonical = '#';
  let parent: SchemaNode = {};
  for (const segment of segments) {
    parent = node !== null && typeof node === 'object' ? (node as SchemaNode) : {};
    if (segment === '$ref' && typeof parent.$ref === 'string') {
      canonical = parent.$ref;
      node = localRef(parent.$ref);
    } else {
      canonical += `/${segment}`;
      node = parent[segment];
    }
  }
  return { parent, value: node, canonical };
}

/** The schema a local `#/…` reference names (the runbook schema refers only into itself). */
function localRef(ref: string): unknown {
  let node: unknown = schema;
  for (const segment of ref
    .replace(/^#\/?/, '')
    .split('/')
    .filter((s) => s !== '')
    .map(decodeSegment)) {
    node = node !== null && typeof node === 'object' ? (node as SchemaNode)[segment] : undefined;
  }
  return node;
}

/** One JSON Pointer segment as the validator writes it: RFC 6901 escapes inside URI percent-encoding. */
function decodeSegment(raw: string): string {
  let text = raw;
  try {
    text = decodeURIComponent(raw);
  } catch {
    // A key with a literal "%" that is not an escape stays as written.
  }
  return text.replace(/~1/g, '/').replace(/~0/g, '~');
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let node = root;
  for (const segment of path) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
  return node;
}

function unknownField(path: PathSegment[], field: string, parent: SchemaNode, root: unknown, locate: Locate): PcqIssue {
  const allowed = Object.keys((parent.properties as object | undefined) ?? {});
  return {
    code: 'PCQ_SCHEMA',
    message: `${describePath(path, root)}: unknown field "${field}"`,
    hint: allowed.length ? `Check the spelling; fields allowed here: ${allowed.join(', ')}.` : 'Remove the field.',
    location: locate([...path, field], 'key'),
  };
}

/** A unit below `propertyNames`: its instanceLocation ends in the offending name. */
function badName(namePath: PathSegment[], rule: SchemaNode, root: unknown, locate: Locate): PcqIssue {
  const path = namePath.slice(0, -1);
  const name = String(namePath.at(-1));
  return {
    code: 'PCQ_SCHEMA',
    message: `${describePath(path, root)}: invalid name ${JSON.stringify(name)}`,
    hint:
      typeof rule.pattern !== 'string'
        ? `Names here are ${String(rule.minLength ?? 0)} to ${String(rule.maxLength ?? 'any number of')} characters long.`
        : 'Names start with a letter or underscore and use letters, digits and underscores.',
    location: locate(namePath, 'key'),
  };
}

const GENERIC_HINT = 'See engine/model/runbook.schema.json (or engine/FORMATS.md "Runbook files") for the expected shape.';

function toIssues(keyword: string, at: KeywordAt, path: PathSegment[], root: unknown, locate: Locate): PcqIssue[] {
  const where = describePath(path, root);
  const data = valueAt(root, path);
  const issue = (message: string, hint: string, code: PcqCode = 'PCQ_SCHEMA'): PcqIssue[] => [
    { code, message: `${where}: ${message}`, hint, location: locate(path) },
  ];
  switch (keyword) {
    case 'required': {
      const present = data !== null && typeof data === 'object' ? data : {};
      const missing = ((at.value as string[] | undefined) ?? []).filter((field) => !Object.hasOwn(present, field));
      return missing.flatMap((field) =>
        issue(`missing required field "${field}"`, 'Add the field (engine/FORMATS.md "Runbook files" lists the fields of each step type).'),
      );
    }
    case 'enum':
      if (path.length === 3 && path[0] === 'steps' && path[2] === 'type') {
        return issue(`unknown step type ${JSON.stringify(data)}`, `Use one of: ${STEP_TYPES.join(', ')}.`, 'PCQ_UNKNOWN_STEP_TYPE');
      }
      return issue(
        `${JSON.stringify(data)} is not one of ${((at.value as unknown[] | undefined) ?? []).map((v) => JSON.stringify(v)).join(', ')}`,
        'Use one of the listed values.',
      );
    case 'const':
      return issue(`must be ${JSON.stringify(at.value)}, not ${JSON.stringify(data)}`, `Write ${JSON.stringify(at.value)}.`);
    case 'type': {
      if (path.length === 1 && path[0] === 'version' && typeof data === 'number') {
        return [
          {
            code: 'PCQ_SCHEMA',
            message: `version must be a string, but YAML read the number ${data}`,
            hint: 'Quote it, e.g. version: "1.0" (unquoted 1.0 is the number 1, and the ".0" is lost).',
            location: locate(path),
          },
        ];
      }
      const expected = ([] as unknown[]).concat(at.value).join(' or ');
      return issue(`must be ${expected}, not ${kindOf(data)}`, `Write a ${expected} here.`);
    }
    case 'oneOf':
      if (at.canonical.startsWith('#/definitions/duration/')) {
        return issue(`${JSON.stringify(data)} is not a duration`, 'Write a duration like "500ms", "2s", "1m", "1h", or a whole number of milliseconds.');
      }
      break;
    case 'anyOf':
      if (at.canonical.includes('/allOf/')) {
        return issue(
          'an external_api step needs "connector" (a name from policies/connectors.yaml) or "endpoint" + "method"',
          'Add connector: <name>, or endpoint: https://… with method: GET|POST|PUT|PATCH|DELETE.',
        );
      }
      break;
    case 'false':
      return issue('is not allowed here', 'Remove it.');
  }
  return issue(limitMessage(keyword, at.value, data), GENERIC_HINT);
}

/** What a violated limit keyword asks for, in words. */
function limitMessage(keyword: string, limit: unknown, data: unknown): string {
  const n = String(limit);
  switch (keyword) {
    case 'minLength':
      return `must be at least ${n} character${limit === 1 ? '' : 's'} long`;
    case 'maxLength':
      return `must be at most ${n} characters long`;
    case 'pattern':
      return `${JSON.stringify(data)} must match the pattern ${n}`;
    case 'format':
      return `${JSON.stringify(data)} is not a valid ${n}`;
    case 'minimum':
      return `must be at least ${n}, not ${String(data)}`;
    case 'maximum':
      return `must be at most ${n}, not ${String(data)}`;
    case 'exclusiveMinimum':
      return `must be more than ${n}, not ${String(data)}`;
    case 'exclusiveMaximum':
      return `must be less than ${n}, not ${String(data)}`;
    case 'multipleOf':
      return `must be a multiple of ${n}`;
    case 'minItems':
      return `must list at least ${n} item${limit === 1 ? '' : 's'}`;
    case 'maxItems':
      return `must list at most ${n} items`;
    case 'uniqueItems':
      return 'must not list the same item twice';
    case 'minProperties':
      return `must have at least ${n} field${limit === 1 ? '' : 's'}`;
    case 'maxProperties':
      return `must have at most ${n} fields`;
    case 'not':
      return 'matches a shape that is not allowed here';
    case 'anyOf':
      return 'matches none of the allowed shapes';
    case 'oneOf':
      return 'must match exactly one of the allowed shapes';
    default:
      return `is invalid (${keyword})`;
  }
}

const kindOf = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value);

/** An instanceLocation (`#` + RFC 6901 JSON Pointer, percent-encoded) → path segments; indexes into arrays become numbers. */
export function pointerToPath(pointer: string, root: unknown): PathSegment[] {
  const bare = pointer.replace(/^#/, '');
  if (bare === '') return [];
  const path: PathSegment[] = [];
  let node: unknown = root;
  for (const raw of bare.slice(1).split('/')) {
    const segment = decodeSegment(raw);
    if (Array.isArray(node)) {
      const index = Number(segment);
      path.push(index);
      node = node[index];
    } else {
      path.push(segment);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

/** A readable name for a path: `steps[2] ("update-entities").retry.attempts`. */
export function describePath(path: readonly PathSegment[], root: unknown): string {
  if (path.length === 0) return 'runbook';
  const parts: string[] = [];
  let node: unknown = root;
  for (const segment of path) {
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    if (typeof segment !== 'number') {
      parts.push(segment);
      continue;
    }
    const stepId = parts.length === 1 && parts[0] === 'steps' ? (node as { stepId?: unknown } | undefined)?.stepId : undefined;
    parts.push(`${parts.pop() ?? ''}[${segment}]${typeof stepId === 'string' ? ` (${JSON.stringify(stepId)})` : ''}`);
  }
  return parts.join('.');
}
