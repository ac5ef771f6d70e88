// Reads policies/config.yaml into typed values, strictly: unknown keys (typos) and wrong types are
// PCQ_CONFIG_INVALID issues with file:line:col, all of them collected, none thrown from here.
import { LineCounter, parseDocument, isMap, type Node } from 'yaml';
import type { PcqIssue, SourceLocation } from '../base/errors.ts';

export interface ConfigFileValues {
  concurrency?: number;
  memoryLimit?: string;
  graph?: { backend?: string; uri?: string; user?: string; passwordEnv?: string; database?: string };
  attestationsDir?: string;
  outboxDir?: string;
  logLevel?: string;
  secrets?: { signingKeyEnv?: string; required?: string[] };
  signer?: { kind?: string; keyFile?: string; module?: string; token?: string; key?: string; pinEnv?: string; url?: string; tokenEnv?: string };
  /** Retention of spell execution logs (seed 004 §10): age in days and number of files. */
  logRetention?: { days?: number; maxFiles?: number };
  /** The PrepaidVault (contracts/README.md "Configuration"); RUNNER_* variables override each key. */
  vault?: Partial<Record<(typeof VAULT_KEYS)[number], string>>;
  /** The RFC 3161 time anchor (engine/FORMATS.md "Time anchor"); PCQ_TSA_* variables override each key. */
  timeAnchor?: Partial<Record<(typeof TIME_ANCHOR_KEYS)[number], string>>;
}

const TOP = new Set([
  'concurrency',
  'memoryLimit',
  'graph',
  'attestationsDir',
  'outboxDir',
  'logLevel',
  'secrets',
  'signer',
  'logRetention',
  'vault',
  'timeAnchor',
]);
const TIME_ANCHOR_KEYS = ['tsaUrl', 'trust', 'required', 'timeoutMs'] as const;
const VAULT_KEYS = ['backend', 'rpcUrl', 'networkPassphrase', 'contractId', 'agentRegistryId', 'finalizeOnError', 'pollIntervalMs'] as const;
const SIGNER = new Set(['kind', 'keyFile', 'module', 'token', 'key', 'pinEnv', 'url', 'tokenEnv']);
const RETENTION = new Set(['days', 'maxFiles']);
const GRAPH = new Set(['backend', 'uri', 'user', 'passwordEnv', 'database']);
const SECRETS = new Set(['signingKeyEnv', 'required']);
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

export function readConfigFile(path: string, text: string, issues: PcqIssue[]): ConfigFileValues {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const at = (node: Node | null | undefined, offset?: number): SourceLocation => {
    const pos = lines.linePos(offset ?? node?.range?.[0] ?? 0);
    return { file: path, line: pos.line, col: pos.col };
  };
  const problem = (message: string, hint: string, location: SourceLocation): void => {
    issues.push({ code: 'PCQ_CONFIG_INVALID', message, hint, location });
  };
  for (const err of doc.errors) problem(`YAML syntax: ${err.message.split('\n')[0]}`, 'Fix the YAML syntax at this position.', at(null, err.pos[0]));
  if (doc.errors.length > 0) return {};
  if (doc.contents === null) return {};
  if (!isMap(doc.contents)) {
    problem('the config file must be a mapping of settings.', 'See the comments in policies/config.yaml for the accepted keys.', at(doc.contents));
    return {};
  }

  const out: ConfigFileValues = {};
  const node = (path: string[]): Node | undefined => doc.getIn(path, true) as Node | undefined;
  const checkKeys = (path: string[], allowed: Set<string>): void => {
    const map = path.length === 0 ? doc.contents : node(path);
    if (!isMap(map)) return;
    for (const pair of map.items) {
      const key = String((pair.key as { value?: unknown })?.value ?? pair.key);
      if (!allowed.has(key)) {
        const hint =
          key === 'mode' ? 'The mode comes from PCQ_MODE or --mode, never from a committed file.' : `Accepted keys here: ${[...allowed].join(', ')}.`;
        problem(`unknown setting "${[...path, key].join('.')}".`, hint, at(pair.key as Node));
      }
    }
  };
  const js = doc.toJS() as Record<string, unknown>;
  const value = (path: string[]): unknown =>
    path.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), js);
  const str = (path: string[], envName = false): string | undefined => {
    const v = value(path);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v === '' || (envName && !ENV_NAME.test(v))) {
      problem(
        `${path.join('.')} must be ${envName ? 'an environment variable name (A-Z, 0-9, _)' : 'a non-empty string'}, got ${JSON.stringify(v)}.`,
        'Correct the value or remove the line to use the default.',
        at(node(path)),
      );
      return undefined;
    }
    return v;
  };

  /** A mapping of single values (vault-like sections): each value as text, anything else a problem. */
  const scalarSection = <K extends string>(section: string, keys: readonly K[], see: string): Partial<Record<K, string>> | undefined => {
    if (value([section]) === undefined || value([section]) === null) return undefined;
    if (!isMap(node([section]))) return void problem(`${section} must be a mapping.`, `See ${see}.`, at(node([section])));
    checkKeys([section], new Set(keys));
    const result: Partial<Record<K, string>> = {};
    for (const key of keys) {
      const v = value([section, key]);
      if (v === undefined || v === null) continue;
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') result[key] = String(v);
      else problem(`${section}.${key} must be a single value, got ${JSON.stringify(v)}.`, `See ${see}.`, at(node([section, key])));
    }
    return result;
  };

  checkKeys([], TOP);
  const conc = value(['concurrency']);
  if (conc !== undefined && conc !== null) {
    if (typeof conc === 'number' && Number.isInteger(conc) && conc >= 1 && conc <= 256) out.concurrency = conc;
    else
      problem(
        `concurrency must be a whole number from 1 to 256, got ${JSON.stringify(conc)}.`,
        'Set it to how many steps may run at once, e.g. 4.',
        at(node(['concurrency'])),
      );
  }
  const memory = value(['memoryLimit']);
  if (typeof memory === 'string' || typeof memory === 'number') out.memoryLimit = String(memory);
  for (const key of ['attestationsDir', 'outboxDir', 'logLevel'] as const) {
    const v = str([key]);
    if (v !== undefined) out[key] = v;
  }
  if (value(['graph']) !== undefined && value(['graph']) !== null) {
    if (!isMap(node(['graph']))) problem('graph must be a mapping, e.g. {backend: kuzu}.', 'See policies/config.yaml.', at(node(['graph'])));
    else {
      checkKeys(['graph'], GRAPH);
      const graph: NonNullable<ConfigFileValues['graph']> = {};
      for (const key of ['backend', 'uri', 'user', 'database'] as const) {
        const v = str(['graph', key]);
        if (v !== undefined) graph[key] = v;
      }
      const passwordEnv = str(['graph', 'passwordEnv'], true);
      if (passwordEnv !== undefined) graph.passwordEnv = passwordEnv;
      out.graph = graph;
    }
  }
  if (value(['secrets']) !== undefined && value(['secrets']) !== null) {
    if (!isMap(node(['secrets']))) problem('secrets must be a mapping, e.g. {required: [SMTP_PASSWORD]}.', 'See policies/config.yaml.', at(node(['secrets'])));
    else {
      checkKeys(['secrets'], SECRETS);
      const secrets: NonNullable<ConfigFileValues['secrets']> = {};
      const signingKeyEnv = str(['secrets', 'signingKeyEnv'], true);
      if (signingKeyEnv !== undefined) secrets.signingKeyEnv = signingKeyEnv;
      const required = value(['secrets', 'required']);
      if (required !== undefined && required !== null) {
        if (Array.isArray(required) && required.every((r) => typeof r === 'string' && ENV_NAME.test(r))) secrets.required = required as string[];
        else
          problem('secrets.required must be a list of environment variable names.', 'Write e.g. required: [SMTP_PASSWORD].', at(node(['secrets', 'required'])));
      }
      out.secrets = secrets;
    }
  }
  if (value(['signer']) !== undefined && value(['signer']) !== null) {
    if (!isMap(node(['signer']))) problem('signer must be a mapping, e.g. {kind: pkcs11, module: …}.', 'See policies/config.yaml.', at(node(['signer'])));
    else {
      checkKeys(['signer'], SIGNER);
      const signer: NonNullable<ConfigFileValues['signer']> = {};
      for (const key of ['kind', 'keyFile', 'module', 'token', 'key', 'url'] as const) {
        const v = str(['signer', key]);
        if (v !== undefined) signer[key] = v;
      }
      for (const key of ['pinEnv', 'tokenEnv'] as const) {
        const v = str(['signer', key], true);
        if (v !== undefined) signer[key] = v;
      }
      out.signer = signer;
    }
  }
  if (value(['logRetention']) !== undefined && value(['logRetention']) !== null) {
    if (!isMap(node(['logRetention'])))
      problem('logRetention must be a mapping, e.g. {days: 14, maxFiles: 500}.', 'See policies/config.yaml.', at(node(['logRetention'])));
    else {
      checkKeys(['logRetention'], RETENTION);
      const retention: NonNullable<ConfigFileValues['logRetention']> = {};
      for (const key of ['days', 'maxFiles'] as const) {
        const v = value(['logRetention', key]);
        if (v === undefined || v === null) continue;
        if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 1_000_000) retention[key] = v;
        else
          problem(
            `logRetention.${key} must be a whole number from 0, got ${JSON.stringify(v)}.`,
            'Correct the value or remove the line to use the default.',
            at(node(['logRetention', key])),
          );
      }
      out.logRetention = retention;
    }
  }
  if (value(['vault']) !== undefined && value(['vault']) !== null) {
    if (!isMap(node(['vault'])))
      problem('vault must be a mapping, e.g. {backend: soroban, contractId: C…}.', 'See contracts/README.md "Configuration".', at(node(['vault'])));
    else {
      checkKeys(['vault'], new Set(VAULT_KEYS));
      const vault: NonNullable<ConfigFileValues['vault']> = {};
      for (const key of VAULT_KEYS) {
        const v = value(['vault', key]);
        if (v === undefined || v === null) continue;
        if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') vault[key] = String(v);
        else problem(`vault.${key} must be a single value, got ${JSON.stringify(v)}.`, 'See contracts/README.md "Configuration".', at(node(['vault', key])));
      }
      out.vault = vault;
    }
  }
  const timeAnchor = scalarSection('timeAnchor', TIME_ANCHOR_KEYS, 'engine/FORMATS.md "Time anchor"');
  if (timeAnchor) out.timeAnchor = timeAnchor;
  return out;
}
