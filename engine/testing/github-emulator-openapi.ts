// Validates HTTP traffic against GitHub's published OpenAPI description (@octokit/openapi,
// OpenAPI 3.0.3), so the emulator cannot drift from the real API: a request pcq sends that GitHub
// would reject, or a response the emulator invents that GitHub would never send, fails the test.
// Only `generated/api.github.com.json` is read (the package index parses ten 13 MB files); it is
// parsed once per process and each operation's schemas are compiled on first use.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under ESM its default export may arrive wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv) => Ajv;

type Json = Record<string, unknown>;

export interface OpenApiOperation {
  operationId: string;
  method: string; // lower case
  pathTemplate: string; // e.g. /repos/{owner}/{repo}/pulls/{pull_number}
}

export interface ValidationProblem {
  where: string; // "path param owner", "query per_page", "request body", "response 200"
  errors: Array<Pick<ErrorObject, 'instancePath' | 'message' | 'params'>>;
}

const SPEC_ID = 'https://api.github.com/openapi.json';
let cached: { doc: Json; bodyAjv: Ajv; paramAjv: Ajv } | undefined;

function spec() {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Json;
  // Only paths + component schemas are needed for $ref resolution; the examples stay out of ajv.
  const components = doc.components as Json;
  const forAjv = openApiNullableToJsonSchema({
    $id: SPEC_ID,
    paths: doc.paths,
    components: { schemas: components.schemas, parameters: components.parameters, responses: components.responses },
  });
  const make = (coerceTypes: boolean) => {
    const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes, validateSchema: false, formats: { 'repo.nwo': true } });
    addFormats(ajv);
    ajv.addSchema(forAjv);
    return ajv;
  };
  cached = { doc, bodyAjv: make(false), paramAjv: make(true) };
  return cached;
}

/**
 * OpenAPI 3.0 `nullable: true` is an ajv keyword only beside `type`; where GitHub writes it beside
 * `oneOf`/`allOf`, rewrite it as the JSON Schema it means: "this schema, or null".
 */
function openApiNullableToJsonSchema<T>(node: T): T {
  if (Array.isArray(node)) return node.map(openApiNullableToJsonSchema) as T;
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) out[k] = openApiNullableToJsonSchema(v);
  if (out.nullable === true && out.type === undefined) {
    const { nullable: _dropped, ...rest } = out;
    return { anyOf: [rest, { type: 'null' }] } as T;
  }
  return out as T;
}

const compiled = new Map<string, ValidateFunction>();
function compileRef(pointer: string, coerce = false): ValidateFunction {
  const key = `${coerce}:${pointer}`;
  let fn = compiled.get(key);
  if (!fn) {
    const { bodyAjv, paramAjv } = spec();
    fn = (coerce ? paramAjv : bodyAjv).compile({ $ref: `${SPEC_ID}#${pointer}` });
    compiled.set(key, fn);
  }
  return fn;
}

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function resolve(node: unknown): Json {
  let n = node as Json;
  while (n && typeof n.$ref === 'string') {
    const parts = (n.$ref as string)
      .replace(/^#\//, '')
      .split('/')
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let cur: unknown = spec().doc;
    for (const p of parts) cur = (cur as Json)[p];
    n = cur as Json;
  }
  return n;
}

/** The operation a method + template names; throws if GitHub has no such operation. */
export function operation(method: string, pathTemplate: string): OpenApiOperation & { raw: Json } {
  const paths = spec().doc.paths as Record<string, Json>;
  const raw = paths[pathTemplate]?.[method.toLowerCase()] as Json | undefined;
  if (!raw) throw new Error(`GitHub's OpenAPI description has no operation ${method.toUpperCase()} ${pathTemplate}`);
  return { operationId: String(raw.operationId), method: method.toLowerCase(), pathTemplate, raw };
}

function trim(errors: ErrorObject[] | null | undefined): ValidationProblem['errors'] {
  return (errors ?? []).slice(0, 20).map(({ instancePath, message, params }) => ({ instancePath, message, params }));
}

/** Path params, query and JSON body of a request, each checked against the operation's declaration. */
export function validateRequest(
  method: string,
  pathTemplate: string,
  pathParams: Record<string, string>,
  query: URLSearchParams,
  body: unknown,
): ValidationProblem[] {
  const op = operation(method, pathTemplate);
  const opPointer = `/paths/${escapePointer(pathTemplate)}/${op.method}`;
  const problems: ValidationProblem[] = [];
  const rawParams = (op.raw.parameters as Json[] | undefined) ?? [];
  const declared = rawParams.map(resolve);
  declared.forEach((p, idx) => {
    if (p.in !== 'path' && p.in !== 'query') return;
    const name = String(p.name);
    const value = p.in === 'path' ? pathParams[name] : (query.get(name) ?? undefined);
    if (value === undefined) {
      if (p.required) problems.push({ where: `${p.in} param ${name}`, errors: [{ instancePath: '', message: 'is required', params: {} }] });
      return;
    }
    const raw = rawParams[idx] as Json;
    const pointer = typeof raw.$ref === 'string' ? `${(raw.$ref as string).slice(1)}/schema` : `${opPointer}/parameters/${idx}/schema`;
    // Path and query values arrive as strings; coercion mirrors how GitHub reads `per_page=100`.
    const validate = compileRef(pointer, true);
    if (!validate(value)) problems.push({ where: `${p.in} param ${name}`, errors: trim(validate.errors) });
  });
  for (const name of query.keys()) {
    if (!declared.some((p) => p.in === 'query' && p.name === name))
      problems.push({ where: `query ${name}`, errors: [{ instancePath: '', message: 'is not a parameter of this operation', params: {} }] });
  }
  const requestBody = op.raw.requestBody ? resolve(op.raw.requestBody) : undefined;
  if (requestBody) {
    const hasJson = Boolean((requestBody.content as Json | undefined)?.['application/json']);
    if (body === undefined) {
      if (requestBody.required) problems.push({ where: 'request body', errors: [{ instancePath: '', message: 'is required', params: {} }] });
    } else if (hasJson) {
      const validate = compileRef(`${opPointer}/requestBody/content/application~1json/schema`);
      if (!validate(body)) problems.push({ where: 'request body', errors: trim(validate.errors) });
    }
  } else if (body !== undefined && method.toLowerCase() !== 'get') {
    problems.push({ where: 'request body', errors: [{ instancePath: '', message: 'this operation takes no body', params: {} }] });
  }
  return problems;
}

/** A response status + JSON body checked against the operation's declared responses. */
export function validateResponse(method: string, pathTemplate: string, status: number, body: unknown, allowUndeclaredErrors = false): ValidationProblem[] {
  const op = operation(method, pathTemplate);
  const responses = op.raw.responses as Json;
  const declared = responses[String(status)];
  if (!declared && allowUndeclaredErrors && status >= 400) {
    // GitHub answers 401/404/... on every operation but declares them on few; the body is still basic-error.
    const validate = compileRef('/components/schemas/basic-error');
    return validate(body) ? [] : [{ where: `response ${status}`, errors: trim(validate.errors) }];
  }
  if (!declared)
    return [{ where: `response ${status}`, errors: [{ instancePath: '', message: `status ${status} is not declared for ${op.operationId}`, params: {} }] }];
  const resolved = resolve(declared);
  const json = (resolved.content as Json | undefined)?.['application/json'];
  if (!json)
    return body === undefined || body === ''
      ? []
      : [{ where: `response ${status}`, errors: [{ instancePath: '', message: 'declares no JSON body', params: {} }] }];
  const base =
    typeof (declared as Json).$ref === 'string'
      ? ((declared as Json).$ref as string).slice(1)
      : `/paths/${escapePointer(pathTemplate)}/${op.method}/responses/${status}`;
  const validate = compileRef(`${base}/content/application~1json/schema`);
  return validate(body) ? [] : [{ where: `response ${status}`, errors: trim(validate.errors) }];
}

/** GitHub's own example response for an operation (a real-shaped template the emulator fills in). */
export function exampleResponse(method: string, pathTemplate: string, status: number, exampleName = 'default'): Json {
  const op = operation(method, pathTemplate);
  const declared = resolve((op.raw.responses as Json)[String(status)]);
  const json = (declared.content as Json)['application/json'] as Json;
  const examples = json.examples as Json;
  const value = resolve(examples[exampleName] ?? Object.values(examples)[0]).value;
  return structuredClone(value) as Json;
}
