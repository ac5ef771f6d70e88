// Validates a runbook value against runbook.schema.json (JSON Schema draft-07) and turns ajv's
// errors into coded issues that point at the offending YAML node. The validator is compiled once per
// process; locations are looked up only for values that failed (the happy path pays nothing).
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import * as ajvFormats from 'ajv-formats';
import type { PcqIssue, SourceLocation } from '../base/errors.ts';
import { STEP_TYPES } from './step-types.ts';
import type { PathSegment } from './yaml-source.ts';
import schema from './runbook.schema.json' with { type: 'json' };

export const RUNBOOK_SCHEMA: Readonly<Record<string, unknown>> = schema;

type Locate = (path: readonly PathSegment[], at?: 'key' | 'value') => SourceLocation;

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  // allErrors: validation reports every problem at once (docs/DESIGN.md §4). verbose: errors carry their
  // parentSchema, which names the fields that are allowed where an unknown one was found.
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
  const addFormats = (ajvFormats as unknown as { default: (a: Ajv) => Ajv }).default;
  addFormats(ajv);
  compiled = ajv.compile(schema);
  return compiled;
}

/** Coded issues for every schema violation in `value` (empty when it conforms). */
export function schemaIssues(value: unknown, locate: Locate): PcqIssue[] {
  const validate = validator();
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  const issues: PcqIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    // `if` failures only say which `then` applied; anyOf/oneOf branches are summarised by their parent.
    if (error.keyword === 'if' || /\/(anyOf|oneOf)\/\d+\//.test(error.schemaPath)) continue;
    const issue = toIssue(error, value, locate);
    const key = `${issue.code}|${issue.location?.line}:${issue.location?.col}|${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function toIssue(error: ErrorObject, root: unknown, locate: Locate): PcqIssue {
  const path = pointerToPath(error.instancePath, root);
  const where = describePath(path, root);
  const params = error.params as Record<string, unknown>;
  const data = error.data;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return {
        code: 'PCQ_SCHEMA',
        message: `${where}: unknown field "${field}"`,
        hint: allowed.length ? `Check the spelling; fields allowed here: ${allowed.join(', ')}.` : 'Remove the field.',
        location: locate([...path, field], 'key'),
      };
    }
    case 'required':
      return {
        code: 'PCQ_SCHEMA',
        message: `${where}: missing required field "${String(params.missingProperty)}"`,
        hint: 'Add the field (engine/FORMATS.md "Runbook files" lists the fields of each step type).',
        location: locate(path),
      };
    case 'enum':
      if (path.length === 3 && path[0] === 'steps' && path[2] === 'type') {
        return {
          code: 'PCQ_UNKNOWN_STEP_TYPE',
          message: `${where}: unknown step type ${JSON.stringify(data)}`,
          hint: `Use one of: ${STEP_TYPES.join(', ')}.`,
          location: locate(path),
        };
      }
      return {
        code: 'PCQ_SCHEMA',
        message: `${where}: ${JSON.stringify(data)} is not one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
        hint: 'Use one of the listed values.',
        location: locate(path),
      };
    case 'type':
      if (path.length === 1 && path[0] === 'version' && typeof data === 'number') {
        return {
          code: 'PCQ_SCHEMA',
          message: `version must be a string, but YAML read the number ${data}`,
          hint: 'Quote it, e.g. version: "1.0" (unquoted 1.0 is the number 1, and the ".0" is lost).',
          location: locate(path),
        };
      }
      break;
    case 'oneOf':
      if (error.schemaPath.startsWith('#/definitions/duration/')) {
        return {
          code: 'PCQ_SCHEMA',
          message: `${where}: ${JSON.stringify(data)} is not a duration`,
          hint: 'Write a duration like "500ms", "2s", "1m", "1h", or a whole number of milliseconds.',
          location: locate(path),
        };
      }
      break;
    case 'anyOf':
      if (error.schemaPath.includes('/allOf/')) {
        return {
          code: 'PCQ_SCHEMA',
          message: `${where}: an external_api step needs "connector" (a name from policies/connectors.yaml) or "endpoint" + "method"`,
          hint: 'Add connector: <name>, or endpoint: https://… with method: GET|POST|PUT|PATCH|DELETE.',
          location: locate(path),
        };
      }
      break;
    case 'propertyNames':
      return {
        code: 'PCQ_SCHEMA',
        message: `${where}: invalid name ${JSON.stringify(params.propertyName)}`,
        hint: 'Names start with a letter or underscore and use letters, digits and underscores.',
        location: locate([...path, String(params.propertyName)], 'key'),
      };
  }
  return {
    code: 'PCQ_SCHEMA',
    message: `${where}: ${error.message ?? 'is invalid'}`,
    hint: 'See engine/model/runbook.schema.json (or engine/FORMATS.md "Runbook files") for the expected shape.',
    location: locate(path),
  };
}

/** JSON Pointer (RFC 6901) → path segments; indexes into arrays become numbers. */
export function pointerToPath(pointer: string, root: unknown): PathSegment[] {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
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
