// The HttpPort: every call an external_api step makes, live or recorded, comes back with a
// Recording (the evidence that lets the run replay offline, docs/design.md §5 Determinism). The recording
// key is sha256 of the RFC 8785 canonical request {connector, method, path, body}: what was asked,
// never who asked or with which secret. Secrets (auth headers, `${env:…}` values) are never
// recorded. In replay mode the port answers from recordings by key and never touches the network.
// Every response (status line aside: body and kept headers) and every request body is redacted here,
// where the untrusted bytes enter (base/secrets.ts): a service that echoes its credential gets
// `[REDACTED]` recorded, signed and handed to the step, and the recording counts the masks
// (`redactions`) so a replay of the redacted recording signs the same predicate.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { digestOfJson } from '../proof/digest.ts';
import type { HttpPort, Recording } from '../base/step-ports.ts';
import { systemClock } from './clock.ts';
import type { Clock } from '../base/clock.ts';
import { PcqError } from '../base/errors.ts';
import type { Signer } from '../base/signer.ts';
import { connectorAuthorization, type TokenEvent } from './connector-auth/connector-token.ts';
import { registerSecret, secretRegistry } from '../base/secrets.ts';
import {
  DEFAULT_CONNECTORS_YAML,
  parseConnectors,
  registerConnectorSecrets,
  resolveConnector,
  resolveHeaders,
  resolveRecordedFile,
  type Connector,
} from './connectors.ts';

export interface HttpPortOptions {
  mode: 'live' | 'replay';
  connectors?: Connector[]; // default: the embedded connectors.yaml
  recordings?: Recording[]; // replay: the run's recordings.json
  rootDir?: string; // where recordedFile paths resolve; default cwd
  params?: Record<string, unknown>; // run inputs, for `${params.X}` in recordedFile
  env?: Record<string, string | undefined>; // for `${env:X}` in headers
  clock?: Pick<Clock, 'sleep'>; // backoff waits (tests pass a fake)
  fetch?: typeof fetch;
  /** Signs connector auth challenges (the runner's signer); needed by `auth: {type: challenge}` connectors. */
  signer?: Signer;
  /** Token events of connectors that authenticate (authenticated, token refreshed, …). */
  onTokenEvent?: (event: TokenEvent) => void;
}

export interface HttpRequest {
  method: string;
  path?: string;
  url?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

const RETRY_AFTER_CAP_MS = 60_000;

export function recordingKey(connector: string, method: string, requestPath: string, body: unknown): string {
  return digestOfJson({ connector, method: method.toUpperCase(), path: requestPath, body: body ?? null });
}

/**
 * What a step predicate signs for each exchange (`recordings`): sha256(JCS(recording)), request
 * AND response, so a replay can prove that recordings.json holds exactly the responses the run
 * saw (FORMATS.md). The key alone names only the request.
 */
export function recordingDigest(recording: Recording): string {
  return digestOfJson(recording);
}

export function createHttpPort(options: HttpPortOptions): HttpPort {
  const connectors = options.connectors ?? parseConnectors(DEFAULT_CONNECTORS_YAML, '<embedded connectors.yaml>');
  registerConnectorSecrets(connectors, options.env ?? {}); // before any request body is kept
  const byKey = new Map((options.recordings ?? []).map((r) => [r.key, r]));
  const tables = new Map<string, Promise<Record<string, unknown>>>();
  const auths = new Map<string, ReturnType<typeof connectorAuthorization>>();
  const clock = options.clock ?? systemClock;
  const doFetch = options.fetch ?? fetch;
  const rootDir = options.rootDir ?? process.cwd();

  function locate(name: string, request: HttpRequest): { connector: Connector; path: string } {
    if (request.url !== undefined) {
      const found = resolveConnector(connectors, { url: request.url });
      if (name && found.connector.name !== name) {
        throw new PcqError({ code: 'PCQ_CONNECTOR_UNKNOWN', message: `endpoint ${request.url} belongs to connector ${found.connector.name}, not ${name}` });
      }
      return found;
    }
    const found = resolveConnector(connectors, { connector: name });
    const p = request.path ?? '';
    return { connector: found.connector, path: p === '' || p.startsWith('/') ? p || '/' : `/${p}` };
  }

  function table(connector: Connector): Promise<Record<string, unknown>> {
    const rel = resolveRecordedFile(connector, options.params ?? {});
    let loaded = tables.get(rel);
    if (!loaded) {
      loaded = readTable(rootDir, rel, connector.name);
      tables.set(rel, loaded);
    }
    return loaded;
  }

  return {
    async call(name, request, signal) {
      const method = request.method.toUpperCase();
      const { connector, path: requestPath } = locate(name, request);
      // The key names the request as kept (redacted), so a replay asking the same thing finds it.
      const safe = secretRegistry.redactValue(request.body);
      request = safe.count === 0 ? request : { ...request, body: safe.value };
      const key = recordingKey(connector.name, method, requestPath, request.body);
      const url = connector.baseUrl + requestPath;

      if (options.mode === 'replay') {
        const recording = byKey.get(key);
        if (!recording) {
          throw new PcqError({
            code: 'PCQ_REPLAY_MISSING_RECORDING',
            message: `replay has no recorded response for ${method} ${url} (connector ${connector.name}, key ${key})`,
            hint: 'The replayed run asks something the original run did not; compare the step inputs with the recorded run.',
            details: { key, connector: connector.name },
          });
        }
        return { status: recording.response.status, body: recording.response.body, recording };
      }

      if (connector.mode === 'recorded') {
        const answer = secretRegistry.redactValue(answerFromTable(connector, await table(connector), request.body));
        const body = answer.value;
        const recording: Recording = {
          connector: connector.name,
          request: { method, url, ...(request.body !== undefined ? { body: request.body } : {}) },
          response: { status: 200, headers: { 'content-type': 'application/json' }, body },
          key,
          ...redactionCount(safe.count + answer.count),
        };
        return { status: 200, body, recording };
      }
      return callLive(connector, { method, url, key, body: request.body, headers: request.headers ?? {}, redactions: safe.count }, signal);
    },
  };

  function authFor(connector: Connector): ReturnType<typeof connectorAuthorization> {
    let a = auths.get(connector.name);
    if (!a) {
      a = connectorAuthorization(connector, {
        env: options.env ?? {},
        rootDir,
        ...(options.signer ? { signer: options.signer } : {}),
        ...(options.onTokenEvent ? { onEvent: options.onTokenEvent } : {}),
        fetch: doFetch,
      });
      auths.set(connector.name, a);
    }
    return a;
  }

  async function callLive(
    connector: Connector,
    req: { method: string; url: string; key: string; body: unknown; headers: Record<string, string>; redactions: number },
    signal: AbortSignal,
  ): Promise<{ status: number; body: unknown; recording: Recording }> {
    assertHostAllowed(connector, req.url);
    const { headers: connectorHeaders, secret } = resolveHeaders(connector, options.env ?? {});
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers, ...connectorHeaders };
    const auth = connector.auth ? authFor(connector) : undefined;
    // Every token a connector obtains (CONNECTOR_<NAME>_TOKEN, an exchanged or refreshed one) is a
    // registered secret before it is sent, so an echo of it is masked (base/secrets.ts).
    const bearer = async (): Promise<string> => {
      const token = await auth!.token();
      registerSecret(token, `connector ${connector.name} token`);
      return `Bearer ${token}`;
    };
    if (auth) headers.authorization = await bearer();
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    const kept = secretRegistry.redactValue(
      Object.fromEntries(
        Object.entries(headers).filter(([k]) => !secret.has(k.toLowerCase()) && !/^(authorization|proxy-authorization|cookie|x-api-key)$/i.test(k)),
      ),
    );
    const recordedHeaders = kept.value;
    const { attempts, backoffMs } = connector.retry;
    let lastFailure: PcqError | undefined;

    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (signal.aborted) throw signal.reason ?? new PcqError({ code: 'PCQ_ABORTED', message: 'The call was aborted.' });
      let waitMs = backoffMs[Math.min(attempt - 1, backoffMs.length - 1)] ?? 0;
      try {
        const response = await doFetch(req.url, {
          method: req.method,
          headers,
          ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
          signal: AbortSignal.any([signal, AbortSignal.timeout(connector.timeoutMs)]),
          redirect: 'error', // a redirect could leave the allowed hosts
        });
        if (response.status === 401 && auth?.renewable && attempt < attempts) {
          // The token expired or was ended server-side mid-run: renew once and try again.
          await response.arrayBuffer();
          await auth.invalidate();
          headers.authorization = await bearer();
          continue;
        }
        const received = secretRegistry.redactValue(await readBody(response));
        const contentType = secretRegistry.redactText(response.headers.get('content-type') ?? '');
        const body = received.value;
        // 429 means the request was not processed, so any method may try again; a 5xx may come
        // after the server acted, so only an idempotent request is repeated (RFC 9110 §9.2.2).
        const retryable = response.status === 429 || (response.status >= 500 && IDEMPOTENT_METHODS.has(req.method));
        if (!retryable || attempt === attempts) {
          const recording: Recording = {
            connector: connector.name,
            request: { method: req.method, url: req.url, headers: recordedHeaders, ...(req.body !== undefined ? { body: req.body } : {}) },
            response: { status: response.status, headers: { 'content-type': contentType.value }, body },
            key: req.key,
            ...redactionCount(req.redactions + kept.count + received.count + contentType.count),
          };
          return { status: response.status, body, recording };
        }
        waitMs = Math.max(waitMs, retryAfterMs(response.headers.get('retry-after')));
      } catch (err) {
        if (signal.aborted) throw signal.reason ?? err;
        lastFailure = transportError(connector, req, err);
        if (attempt === attempts) throw lastFailure;
      }
      await clock.sleep(waitMs, signal);
    }
    throw lastFailure ?? new PcqError({ code: 'PCQ_HTTP_UNREACHABLE', message: `${req.method} ${req.url} was never attempted` });
  }
}

function redactionCount(count: number): { redactions?: number } {
  return count > 0 ? { redactions: count } : {};
}

/** Methods a client may repeat without a second effect (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

function assertHostAllowed(connector: Connector, url: string): void {
  const host = new URL(url).host;
  const allowed = [new URL(connector.baseUrl).host, ...connector.allowHosts];
  if (!allowed.includes(host)) {
    throw new PcqError({
      code: 'PCQ_HOST_NOT_ALLOWED',
      message: `connector ${connector.name} may not call ${host}`,
      hint: `Add ${host} to the connector's allowHosts if it is meant to.`,
    });
  }
}

function transportError(connector: Connector, req: { method: string; url: string }, err: unknown): PcqError {
  const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
  const cause = secretRegistry.redact(err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err));
  return new PcqError(
    timedOut
      ? {
          code: 'PCQ_HTTP_TIMEOUT',
          message: `${req.method} ${req.url} took longer than ${connector.timeoutMs} ms (connector ${connector.name})`,
          hint: 'Raise the connector timeout in policies/connectors.yaml or check the service.',
        }
      : {
          code: 'PCQ_HTTP_UNREACHABLE',
          message: `${req.method} ${req.url} failed: ${cause} (connector ${connector.name})`,
          hint: 'Check the service is reachable, or switch the connector to mode: recorded.',
        },
    { cause: err }, // kept for a debug log and for callers' guards (runtime/boundary-errors.ts)
  );
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (/json/i.test(response.headers.get('content-type') ?? '') && text !== '') {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** Retry-After in seconds (RFC 9110 §10.2.3); HTTP dates are ignored rather than read from the wall clock. */
function retryAfterMs(value: string | null): number {
  if (value === null || !/^\d+$/.test(value.trim())) return 0;
  return Math.min(Number(value) * 1000, RETRY_AFTER_CAP_MS);
}

async function readTable(rootDir: string, rel: string, connector: string): Promise<Record<string, unknown>> {
  const full = path.resolve(rootDir, rel);
  if (path.relative(rootDir, full).startsWith('..')) {
    throw new PcqError({ code: 'PCQ_CONNECTOR_PARAM', message: `connector ${connector}: recorded file ${rel} is outside the repository` });
  }
  let text: string;
  try {
    text = await readFile(full, 'utf8');
  } catch {
    throw new PcqError({
      code: 'PCQ_RECORDED_FILE_MISSING',
      message: `connector ${connector}: recorded file ${rel} cannot be read`,
      hint: 'Check the file exists, or the run input that names it.',
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PcqError({ code: 'PCQ_RECORDED_FILE_INVALID', message: `connector ${connector}: ${rel} is not JSON: ${(err as Error).message}` });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PcqError({ code: 'PCQ_RECORDED_FILE_INVALID', message: `connector ${connector}: ${rel} must be an object mapping keys to values` });
  }
  return value as Record<string, unknown>;
}

function answerFromTable(connector: Connector, table: Record<string, unknown>, body: unknown): unknown[] {
  if (!Array.isArray(body)) {
    throw new PcqError({
      code: 'PCQ_EXTERNAL_API_REQUEST',
      message: `connector ${connector.name} (recorded) expects a list of {${connector.lookup.key}, …} as the request body`,
    });
  }
  const { key, value } = connector.lookup;
  const out: unknown[] = [];
  for (const item of body) {
    const k = (item as Record<string, unknown> | null)?.[key];
    if ((typeof k === 'string' || typeof k === 'number') && Object.hasOwn(table, String(k))) out.push({ [key]: k, [value]: table[String(k)] });
  }
  return out;
}
