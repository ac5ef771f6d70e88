// external_api (FORMATS.md): calls a named connector (`connector` + `path`) or, in the seed's form,
// a full `endpoint` URL whose connector is found by base URL (runtime/connectors.ts). The request
// body is `body` (CEL) or, by default, the single dependency's output. The response body is the
// step's output; the exchange is returned as a Recording so the run replays offline.
import type { StepKind } from './step-kind.ts';
import { celVars, checkExpression, sourceValue, stepError, stepIssue } from './step-helpers.ts';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export const externalApiStep: StepKind = {
  type: 'external_api',

  check(step, _runbook, cel) {
    const { connector, endpoint, path, method, body } = step.config;
    const issues = [];
    if (connector === undefined && endpoint === undefined) {
      issues.push(
        stepIssue(step, undefined, 'PCQ_STEP_CONFIG', 'needs `connector` (+ `path`) or `endpoint`', 'Name a connector from policies/connectors.yaml.'),
      );
    }
    if (connector !== undefined && typeof connector !== 'string')
      issues.push(stepIssue(step, 'connector', 'PCQ_STEP_CONFIG', '`connector` must be a connector name'));
    if (endpoint !== undefined && (typeof endpoint !== 'string' || !URL.canParse(endpoint)))
      issues.push(stepIssue(step, 'endpoint', 'PCQ_STEP_CONFIG', '`endpoint` must be a full URL'));
    if (path !== undefined && typeof path !== 'string') issues.push(stepIssue(step, 'path', 'PCQ_STEP_CONFIG', '`path` must be a string'));
    if (method !== undefined && !METHODS.includes(String(method).toUpperCase()))
      issues.push(stepIssue(step, 'method', 'PCQ_STEP_CONFIG', `\`method\` must be one of ${METHODS.join(', ')}`));
    if (body !== undefined) issues.push(...checkExpression(cel, step, 'body', body));
    return issues;
  },

  async run(ctx) {
    const { connector, endpoint, path, method, body } = ctx.step.config;
    const verb = String(method ?? 'POST').toUpperCase();
    const requestBody =
      typeof body === 'string'
        ? ctx.ports.cel.evaluate(body, celVars(ctx, { input: onlyUpstream(ctx.upstream) }))
        : verb === 'GET' || verb === 'DELETE'
          ? undefined
          : sourceValue(ctx);
    const request = {
      method: verb,
      ...(typeof endpoint === 'string' ? { url: endpoint } : { path: typeof path === 'string' ? path : '/' }),
      ...(requestBody !== undefined ? { body: requestBody } : {}),
    };
    const { status, body: response, recording } = await ctx.ports.http.call(typeof connector === 'string' ? connector : '', request, ctx.signal);
    if (status < 200 || status > 299) {
      throw stepError(
        ctx.step,
        typeof endpoint === 'string' ? 'endpoint' : 'connector',
        'PCQ_EXTERNAL_API_STATUS',
        `${verb} ${recording.request.url} answered HTTP ${status}`,
        'Check the request and the service; 429, and 5xx on idempotent methods, were already retried per the connector.',
        { status, body: boundedBody(response) },
      );
    }
    return { output: response, inputs: requestBody ?? null, recordings: [recording] };
  },
};

/** A response body kept in error details: already redacted by the HTTP port, cut to ERROR_BODY_CHARS of JSON. */
export const ERROR_BODY_CHARS = 2048;

function boundedBody(body: unknown): unknown {
  const text = typeof body === 'string' ? body : (JSON.stringify(body) ?? '');
  if (text.length <= ERROR_BODY_CHARS) return body;
  return `${text.slice(0, ERROR_BODY_CHARS)}… (${text.length - ERROR_BODY_CHARS} more characters)`;
}

function onlyUpstream(upstream: Record<string, unknown>): unknown {
  const values = Object.values(upstream);
  return values.length === 1 ? values[0] : upstream;
}
