// Named connectors to the outside world (policies/connectors.yaml). A step names one
// (`connector: enrichment` + `path`) or, in the seed's form, gives a full `endpoint` URL and the
// connector is the one whose baseUrl is a prefix of it.
//
// mode `live` calls the network; mode `recorded` answers from a file in the repository, so the
// sample runbooks run with no network. `recordedFile` may name a run input, `${params.NAME}` or
// `${params.NAME:-default}`, so one connector serves the full and the partial sample:
//   recordedFile: runbooks/data/enrichment/${params.enrichmentSource:-full}.json
// A recorded file is a lookup table (key → value, e.g. id → email): a request body that is a list
// of objects gets back, in request order, `{<key>: k, <value>: table[k]}` for every k the table
// knows (`lookup: {key: id, value: email}`).
//
// Header values may reference secrets as `${env:NAME}`; such headers are sent but never recorded.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDuration } from '../model/duration.ts';
import { readYamlSource } from '../model/yaml-source.ts';
import type { RetryPolicy } from '../model/runbook.ts';
import { PcqError, PcqErrors, type PcqIssue } from '../base/errors.ts';
import { registerSecret } from '../base/secrets.ts';

export interface Connector {
  name: string;
  baseUrl: string; // no trailing slash
  mode: 'live' | 'recorded';
  recordedFile?: string; // relative to the repository root; may hold ${params.X[:-default]}
  lookup: { key: string; value: string };
  timeoutMs: number;
  retry: RetryPolicy;
  headers: Record<string, string>; // as written; ${env:NAME} resolved at call time
  allowHosts: string[]; // hosts besides baseUrl's that a full `url` may reach
  /** How live calls authenticate (runtime/connector-auth/): a bearer token from CONNECTOR_<NAME>_TOKEN, or the challenge flow. */
  auth?: ConnectorAuth;
}

export type ConnectorAuth = { type: 'bearer' } | { type: 'challenge'; url: string; credentialEnv: string; cacheFile?: string };

export const CONNECTORS_FILE = 'policies/connectors.yaml';

/** The embedded default, identical to the shipped policies/connectors.yaml. */
export const DEFAULT_CONNECTORS_YAML = `# Named connectors for external_api steps (engine/runtime/connectors.ts).
connectors:
  - name: enrichment
    baseUrl: https://api.example.com
    mode: recorded
    recordedFile: runbooks/data/enrichment/\${params.enrichmentSource:-full}.json
    lookup: { key: id, value: email }
    timeout: 10s
    retry: { attempts: 3, backoff: [1s, 2s, 4s] }
`;

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CONNECTOR_RETRY: RetryPolicy = { attempts: 3, backoffMs: [1000, 2000, 4000] };
const PARAM_REF = /\$\{params\.([A-Za-z_][A-Za-z0-9_]*)(?::-([A-Za-z0-9_.-]*))?\}/g;
const ENV_REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;
/** Headers that carry a credential even when written literally in connectors.yaml. */
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|x-api-key|api-key|x-auth-token|.*-(token|secret|key))$/i;
const SAFE_PARAM_VALUE = /^[A-Za-z0-9_-]{1,64}$/;

/** Parses connectors.yaml; every problem is reported (PcqErrors) with its file:line:col. */
export function parseConnectors(text: string, file = CONNECTORS_FILE): Connector[] {
  const source = readYamlSource(text, file);
  if (source.issues.length > 0) throw new PcqErrors(source.issues);
  const list = (source.value as { connectors?: unknown } | null)?.connectors;
  const issues: PcqIssue[] = [];
  const bad = (p: Array<string | number>, message: string, hint?: string): void => {
    issues.push({ code: 'PCQ_CONNECTOR_INVALID', message, location: source.locate(p), ...(hint ? { hint } : {}) });
  };
  if (!Array.isArray(list)) {
    bad(['connectors'], 'connectors.yaml needs a `connectors:` list');
    throw new PcqErrors(issues);
  }
  const out: Connector[] = [];
  const names = new Set<string>();
  list.forEach((raw: unknown, i) => {
    const c = (raw ?? {}) as Record<string, unknown>;
    const at = (k: string): Array<string | number> => ['connectors', i, k];
    const name = c['name'];
    if (typeof name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(name)) return bad(at('name'), `connector ${i + 1} needs a name (lowercase letters, digits, "-")`);
    if (names.has(name)) return bad(at('name'), `connector ${name} is defined twice`);
    names.add(name);
    let baseUrl: URL | undefined;
    try {
      baseUrl = new URL(String(c['baseUrl']));
    } catch {
      /* reported below */
    }
    if (!baseUrl || !/^https?:$/.test(baseUrl.protocol)) return bad(at('baseUrl'), `connector ${name}: baseUrl must be an http(s) URL`);
    const mode = c['mode'] ?? 'live';
    if (mode !== 'live' && mode !== 'recorded') return bad(at('mode'), `connector ${name}: mode must be live or recorded`);
    if (mode === 'recorded' && typeof c['recordedFile'] !== 'string') return bad(at('mode'), `connector ${name}: mode recorded needs recordedFile`);
    const timeoutMs = c['timeout'] === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(c['timeout']);
    if (timeoutMs === undefined || timeoutMs <= 0) return bad(at('timeout'), `connector ${name}: timeout must be a duration such as 10s`);
    const retry = parseRetry(c['retry']);
    if (!retry) return bad(at('retry'), `connector ${name}: retry must be {attempts: 1..10, backoff: [durations]}`);
    const headers = c['headers'] ?? {};
    if (typeof headers !== 'object' || Array.isArray(headers) || Object.values(headers as object).some((v) => typeof v !== 'string')) {
      return bad(at('headers'), `connector ${name}: headers must map names to strings`);
    }
    const lookup = (c['lookup'] ?? { key: 'id', value: 'email' }) as Record<string, unknown>;
    if (typeof lookup['key'] !== 'string' || typeof lookup['value'] !== 'string') return bad(at('lookup'), `connector ${name}: lookup needs {key, value}`);
    const allowHosts = c['allowHosts'] ?? [];
    if (!Array.isArray(allowHosts) || allowHosts.some((h) => typeof h !== 'string'))
      return bad(at('allowHosts'), `connector ${name}: allowHosts must be a list of host names`);
    const connector: Connector = {
      name,
      baseUrl: baseUrl.href.replace(/\/+$/, ''),
      mode,
      timeoutMs,
      retry,
      headers: headers as Record<string, string>,
      allowHosts: allowHosts as string[],
      lookup: { key: lookup['key'], value: lookup['value'] },
    };
    if (typeof c['recordedFile'] === 'string') connector.recordedFile = c['recordedFile'];
    if (c['auth'] !== undefined) {
      const auth = parseAuth(c['auth']);
      if (!auth)
        return bad(
          at('auth'),
          `connector ${name}: auth must be {type: bearer} or {type: challenge, url: http(s)://…, credentialEnv: NAME, cacheFile?: path}`,
          'The bearer token comes from CONNECTOR_<NAME>_TOKEN; a challenge credential from the variable credentialEnv names.',
        );
      connector.auth = auth;
    }
    out.push(connector);
  });
  if (issues.length > 0) throw new PcqErrors(issues);
  return out;
}

function parseAuth(value: unknown): ConnectorAuth | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const a = value as Record<string, unknown>;
  if (a['type'] === 'bearer' && Object.keys(a).length === 1) return { type: 'bearer' };
  if (a['type'] !== 'challenge' || typeof a['url'] !== 'string' || !URL.canParse(a['url']) || !/^https?:/.test(a['url'])) return undefined;
  if (typeof a['credentialEnv'] !== 'string' || !/^[A-Z_][A-Z0-9_]*$/.test(a['credentialEnv'])) return undefined;
  if (Object.keys(a).some((k) => !['type', 'url', 'credentialEnv', 'cacheFile'].includes(k))) return undefined;
  const auth: ConnectorAuth = { type: 'challenge', url: a['url'], credentialEnv: a['credentialEnv'] };
  if (typeof a['cacheFile'] === 'string') auth.cacheFile = a['cacheFile'];
  return auth;
}

function parseRetry(value: unknown): RetryPolicy | undefined {
  if (value === undefined) return DEFAULT_CONNECTOR_RETRY;
  if (typeof value !== 'object' || value === null) return undefined;
  const { attempts, backoff } = value as Record<string, unknown>;
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 1 || attempts > 10) return undefined;
  const backoffMs = (Array.isArray(backoff) ? backoff : []).map(parseDuration);
  if (backoffMs.some((ms) => ms === undefined)) return undefined;
  return { attempts, backoffMs: backoffMs.length > 0 ? (backoffMs as number[]) : [0] };
}

/** Reads `<root>/policies/connectors.yaml`, or the embedded default when the file is absent. */
export async function loadConnectors(rootDir: string): Promise<Connector[]> {
  let text: string;
  try {
    text = await readFile(path.join(rootDir, CONNECTORS_FILE), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return parseConnectors(DEFAULT_CONNECTORS_YAML, '<embedded connectors.yaml>');
  }
  return parseConnectors(text, CONNECTORS_FILE);
}

/** Finds the connector by name, or (seed form) by the baseUrl that prefixes a full URL. */
export function resolveConnector(connectors: Connector[], ref: { connector?: string; url?: string }): { connector: Connector; path: string } {
  if (ref.connector !== undefined) {
    const connector = connectors.find((c) => c.name === ref.connector);
    if (!connector) throw unknownConnector(`no connector named "${ref.connector}"`, connectors);
    return { connector, path: '' };
  }
  const url = ref.url ?? '';
  const connector = connectors
    .filter((c) => url === c.baseUrl || url.startsWith(c.baseUrl + '/') || url.startsWith(c.baseUrl + '?'))
    .sort((a, b) => b.baseUrl.length - a.baseUrl.length)[0];
  if (!connector) throw unknownConnector(`no connector has a baseUrl that the endpoint ${url} starts with`, connectors);
  return { connector, path: url.slice(connector.baseUrl.length) || '/' };
}

function unknownConnector(what: string, connectors: Connector[]): PcqError {
  return new PcqError({
    code: 'PCQ_CONNECTOR_UNKNOWN',
    message: `${what} (known: ${connectors.map((c) => `${c.name} ${c.baseUrl}`).join(', ') || 'none'})`,
    hint: `Declare the connector in ${CONNECTORS_FILE}.`,
  });
}

/** The recorded file's repository path with `${params.X}` filled in; a param cannot escape its folder. */
export function resolveRecordedFile(connector: Connector, params: Record<string, unknown>): string {
  const template = connector.recordedFile ?? '';
  return template.replace(PARAM_REF, (_m, name: string, fallback: string | undefined) => {
    const value = params[name] ?? fallback;
    if (value === undefined) {
      throw new PcqError({
        code: 'PCQ_CONNECTOR_PARAM',
        message: `connector ${connector.name} reads the run input ${name}, which is not set`,
        hint: `Pass it (--param ${name}=…) or give a default: \${params.${name}:-full}.`,
      });
    }
    if (!SAFE_PARAM_VALUE.test(String(value))) {
      throw new PcqError({
        code: 'PCQ_CONNECTOR_PARAM',
        message: `connector ${connector.name}: input ${name}=${JSON.stringify(value)} is not a plain name`,
        hint: 'Use letters, digits, "_" and "-" only.',
      });
    }
    return String(value);
  });
}

/**
 * Registers, before any call, every credential the connectors will send: the values of the
 * `${env:NAME}` their headers name, and literal values of credential headers (base/secrets.ts).
 */
export function registerConnectorSecrets(connectors: readonly Connector[], env: Record<string, string | undefined>): void {
  for (const c of connectors) {
    for (const [name, template] of Object.entries(c.headers)) {
      for (const m of template.matchAll(ENV_REF)) registerSecret(env[m[1]!], `env ${m[1]} (connector ${c.name})`);
      if (SECRET_HEADER.test(name) && !ENV_REF.test(template)) registerSecret(template, `connector ${c.name} header ${name}`);
      ENV_REF.lastIndex = 0;
    }
  }
}

/** Resolves `${env:NAME}` in header values. Returns the headers to send and the names never to record. */
export function resolveHeaders(connector: Connector, env: Record<string, string | undefined>): { headers: Record<string, string>; secret: Set<string> } {
  const headers: Record<string, string> = {};
  const secret = new Set<string>();
  for (const [name, template] of Object.entries(connector.headers)) {
    let usesSecret = false;
    headers[name] = template.replace(ENV_REF, (_m, v: string) => {
      usesSecret = true;
      const value = env[v];
      if (value === undefined || value === '') {
        throw new PcqError({
          code: 'PCQ_SECRET_MISSING',
          message: `connector ${connector.name} needs the environment variable ${v} (header ${name})`,
          hint: `Set ${v} in the environment (a repository secret in GitHub Actions).`,
        });
      }
      // The value and the header built from it (`Bearer <token>`) are secrets from now on, in every encoding.
      registerSecret(value, `env ${v} (connector ${connector.name})`);
      return value;
    });
    if (usesSecret || SECRET_HEADER.test(name)) {
      secret.add(name.toLowerCase());
      registerSecret(headers[name], `connector ${connector.name} header ${name}`);
      const credential = /^\s*\S+\s+(\S{4,})\s*$/.exec(headers[name])?.[1]; // the part after `Bearer`/`Basic`/`token`
      registerSecret(credential, `connector ${connector.name} header ${name}`);
    }
  }
  return { headers, secret };
}
