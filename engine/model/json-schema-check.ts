// Checks a JSON value against a JSON Schema with @cfworker/json-schema, which interprets the schema
// (engine/README.md "Security core": model/ builds no code from text, so no ajv here). Used for
// spell.yaml itself (spell.schema.json, draft-07) and for the inputs and outputs schemas a spell
// declares (draft 2020-12), whose problems are reported by JSON Pointer into the value.
import { Validator, type Schema } from '@cfworker/json-schema';

export interface SchemaProblem {
  /** Path into the checked value (decoded JSON Pointer segments). */
  path: Array<string | number>;
  message: string;
}

// Units that only say "something below failed"; the units below them carry the problem.
const WRAPPERS = new Set([
  '$ref',
  'properties',
  'patternProperties',
  'items',
  'prefixItems',
  'additionalItems',
  'allOf',
  'if',
  'then',
  'else',
  'contains',
  'dependentSchemas',
  'unevaluatedProperties',
  'unevaluatedItems',
  '$dynamicRef',
]);

/** A schema that can be checked: an object, not one that points outside itself. */
export function schemaShapeProblem(schema: unknown): string | undefined {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return 'must be a JSON Schema object';
  try {
    new Validator(schema as Schema, '2020-12', false).validate(null);
    return undefined;
  } catch (err) {
    return `is not a usable JSON Schema: ${(err as Error).message}`;
  }
}

/** Every violation of `schema` by `value` (empty when it conforms). */
export function jsonSchemaProblems(schema: unknown, value: unknown, draft: '7' | '2020-12' = '2020-12'): SchemaProblem[] {
  const validator = new Validator(schema as Schema, draft, false);
  const result = validator.validate(value);
  if (result.valid) return [];
  const out: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const unit of result.errors) {
    if (WRAPPERS.has(unit.keyword) || /\/(anyOf|oneOf)\/\d+(\/|$)/.test(unit.keywordLocation)) continue;
    const path = pointerPath(unit.instanceLocation);
    const message = unit.error.replace(/^Instance\s*/, '').trim();
    const key = `${path.join('/')}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path, message });
  }
  return out;
}

function pointerPath(pointer: string): Array<string | number> {
  return pointer
    .replace(/^#\/?/, '')
    .split('/')
    .filter((s) => s !== '')
    .map((raw) => {
      let text = raw;
      try {
        text = decodeURIComponent(raw);
      } catch {
        /* a literal % stays */
      }
      text = text.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^(0|[1-9][0-9]*)$/.test(text) ? Number(text) : text;
    });
}

export function describeValuePath(path: ReadonlyArray<string | number>): string {
  return path.length === 0
    ? '(the value)'
    : path
        .map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`))
        .join('')
        .replace(/^\./, '');
}
