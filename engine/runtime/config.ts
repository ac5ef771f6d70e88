// Runtime configuration with one precedence for every field (seed 001 "Config Loader": file < env
// < overrides): command-line flags > environment (PCQ_*) > the machine's .env.runner (git-ignored,
// seed 002) > policies/config.yaml > embedded defaults. Every resolved value keeps where it came
// from (`entries`), which `pcq config show --sources` prints, secrets as ***.
// The mode (dev | staging | prod, seed 002) comes from --mode, PCQ_MODE or .env.runner, never from
// the committed file: it describes where pcq runs, not the repository. In staging and prod every
// required secret must be present and every dev-only switch off before anything starts: all of
// them are named at once (PCQ_SECRET_MISSING / PCQ_DEV_OVERRIDE_FORBIDDEN, never a value).
import { readFile } from 'node:fs/promises';
import { homedir, totalmem, userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { PcqErrors, type PcqIssue } from '../base/errors.ts';
import { parseLogLevel, type LogLevel } from './logger.ts';
import { readConfigFile, type ConfigFileValues } from './config-file.ts';
import { ENV_FILE, mergeEnv, readEnvFile, type EnvFile } from './env-file.ts';
import { resolveSigner, type SignerSettings } from './config-signer.ts';
import { resolveTimeAnchor, type TimeAnchorSettings } from './config-time-anchor.ts';

import type { Mode } from './mode.ts';
export type { Mode } from './mode.ts';
export type Env = Record<string, string | undefined>;

/** Structurally the graph-store port's GraphConfig (engine/graph/open-graph-store.ts). */
export type GraphSettings = { backend: 'kuzu' } | { backend: 'neo4j'; uri: string; user: string; passwordEnv: string; database?: string };

export interface PcqConfig {
  root: string; // absolute
  mode: Mode;
  concurrency: number;
  graph: GraphSettings;
  attestationsDir: string; // absolute
  outboxDir: string; // absolute
  actor: string; // who asked for the run (docs/design.md §5): flag, PCQ_ACTOR, GITHUB_ACTOR, OS user
  logLevel: LogLevel;
  /** Environment variables holding secrets: the signer's key plus `secrets.required` from the file. */
  secrets: { signingKeyEnv: string; required: string[] };
  vault: VaultSettings;
  /** Where each field's value came from, for `--debug` and error messages. */
  sources: Record<string, ConfigSource>;
  /** Every resolved setting, its value as text (secrets never held here) and its origin, for `pcq config show`. */
  entries: Record<string, ConfigEntry>;
  /** The environment commands read: .env.runner under the process environment. */
  env: Env;
  /** How the runner key signs (env seed, key file, PKCS#11 token, remote service). */
  signer: SignerSettings;
  /** PCQ_POLICY_HASH: the policies digest a run must match (run/policy-pin.ts). */
  policyHash?: string;
  /** PCQ_DEBUG=1 or --debug: debug logging (secrets still redacted). */
  debug: boolean;
  /** The run's memory ceiling in bytes (PCQ_MEMORY_LIMIT, --memory-limit, `memoryLimit`): graph process and CEL evaluation. */
  memoryLimitBytes: number;
  configFile?: string; // absolute path, when one was read
  envFile?: string; // absolute path, when one was read
  /** Where installed spells live (<home>/spells/<id_key>/<version>/): PCQ_HOME, default ~/.pcq (seed 004 §1). */
  home: string;
  /** PCQ_FORCE_REQUIRE_SIGNATURE=true: every spell needs a verified signature; --allow-unsigned cannot lift it (seed 004 §11). */
  forceRequireSignature: boolean;
  /** Spell execution log retention (seed 004 §10): PCQ_LOG_RETENTION_DAYS / PCQ_LOG_MAX_FILES > file logRetention > 14 days, 500 files. */
  logRetention: { days: number; maxFiles: number };
  /** The RFC 3161 time anchor: TSA URL, TSA trust, required (runtime/config-time-anchor.ts). */
  timeAnchor: TimeAnchorSettings;
}

export type ConfigSource = 'flag' | 'env' | 'env-file' | 'file' | 'default';

export interface ConfigEntry {
  value: string;
  source: ConfigSource;
  /** e.g. `--concurrency`, `PCQ_CONCURRENCY`, `.env.runner PCQ_CONCURRENCY`, `policies/config.yaml concurrency`. */
  origin: string;
  secret?: boolean;
}

/**
 * The PrepaidVault backend (contracts/README.md): the embedded ledger (default, no network) or a
 * Soroban contract. Environment names follow the runner playbook (RUNNER_*); finalizeOnError:
 * a failed run finalizes with zero usage (default true).
 */
export interface VaultSettings {
  backend: 'embedded' | 'soroban';
  rpcUrl: string;
  networkPassphrase: string;
  contractId: string | undefined;
  agentRegistryId: string | undefined;
  finalizeOnError: boolean;
  /** RUNNER_POLL_INTERVAL_MS: how often getTransaction is polled after sendTransaction. */
  pollIntervalMs: number;
}

export interface ConfigFlags {
  root?: string;
  config?: string;
  mode?: string;
  concurrency?: string | number;
  graph?: string; // backend
  attestationsDir?: string;
  outboxDir?: string;
  actor?: string;
  logLevel?: string;
  debug?: boolean;
  signer?: string;
  memoryLimit?: string;
}

export const DEFAULTS = {
  concurrency: 4,
  attestationsDir: 'attestations',
  outboxDir: '.pcq/outbox',
  logLevel: 'info' as LogLevel,
  signingKeyEnv: 'RUNNER_SECRET',
  neo4j: { uri: 'bolt://localhost:7687', user: 'neo4j', passwordEnv: 'NEO4J_PASSWORD' },
  configFile: 'policies/config.yaml',
  vault: {
    backend: 'embedded' as const,
    rpcUrl: 'http://localhost:8000/rpc',
    networkPassphrase: 'Standalone Network ; February 2017',
    finalizeOnError: true,
    pollIntervalMs: 1000,
  },
  /** A quarter of the machine's memory, at most 2 GiB: a runner shares its machine (docs/SECURITY-MODEL.md). */
  memoryLimitBytes: Math.min(2 * 1024 ** 3, Math.floor(totalmem() / 4)),
  logRetention: { days: 14, maxFiles: 500 },
};

/** parseArgs options every command can spread in; pair with configFlagsFromArgs. */
export const CONFIG_FLAG_OPTIONS = {
  root: { type: 'string' },
  config: { type: 'string' },
  mode: { type: 'string' },
  concurrency: { type: 'string' },
  graph: { type: 'string' },
  actor: { type: 'string' },
  'log-level': { type: 'string' },
  debug: { type: 'boolean' },
  signer: { type: 'string' },
  'memory-limit': { type: 'string' },
} as const;

export function configFlagsFromArgs(values: Record<string, unknown>): ConfigFlags {
  const flags: ConfigFlags = {};
  const pick = (key: string): string | undefined => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  const set = <K extends keyof ConfigFlags>(k: K, v: ConfigFlags[K] | undefined): void => {
    if (v !== undefined) flags[k] = v;
  };
  set('root', pick('root'));
  set('config', pick('config'));
  set('mode', pick('mode'));
  set('concurrency', pick('concurrency'));
  set('graph', pick('graph'));
  set('actor', pick('actor'));
  set('logLevel', pick('log-level'));
  set('signer', pick('signer'));
  set('memoryLimit', pick('memory-limit'));
  if (values.debug === true) flags.debug = true;
  return flags;
}

/** Reads the config file (if any) and resolves. Side effects: one file read and the OS user name. */
export async function loadConfig(input: { flags?: ConfigFlags; env: Env; cwd: string; osUser?: string }): Promise<PcqConfig> {
  const flags = input.flags ?? {};
  const root = resolve(input.cwd, flags.root ?? input.env.PCQ_ROOT ?? '.');
  const explicit = flags.config ?? input.env.PCQ_CONFIG;
  const path = explicit !== undefined ? resolve(root, explicit) : join(root, DEFAULTS.configFile);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || explicit !== undefined) {
      throw new PcqErrors([
        {
          code: 'PCQ_CONFIG_INVALID',
          message: `cannot read the config file ${path}: ${(err as Error).message}`,
          hint: 'Check --config / PCQ_CONFIG, or remove it to use policies/config.yaml and the embedded defaults.',
        },
      ]);
    }
  }
  const envIssues: PcqIssue[] = [];
  const envFile = await readEnvFile(root, envIssues);
  if (envIssues.length > 0) throw new PcqErrors(envIssues);
  return resolveConfig({ ...input, flags, file: text === undefined ? undefined : { path, text }, envFile, osUser: input.osUser ?? currentOsUser() });
}

/** Pure: merges flags > env > file > defaults, validates, and enforces secrets for staging/prod. */
export function resolveConfig(input: {
  flags?: ConfigFlags;
  env: Env;
  cwd: string;
  file?: { path: string; text: string } | undefined;
  envFile?: EnvFile | undefined;
  osUser?: string;
}): PcqConfig {
  const flags = input.flags ?? {};
  const env = mergeEnv(input.envFile, input.env);
  const fromEnvFile = (name: string): boolean => input.envFile?.values[name] !== undefined && (input.env[name] === undefined || input.env[name] === '');
  const issues: PcqIssue[] = [];
  const sources: Record<string, ConfigSource> = {};
  const entries: Record<string, ConfigEntry> = {};
  const fileValues: ConfigFileValues = input.file ? readConfigFile(input.file.path, input.file.text, issues) : {};
  const fileLabel = input.file ? (isAbsolute(input.file.path) ? relativeTo(input.cwd, input.file.path) : input.file.path) : DEFAULTS.configFile;

  /** The first defined of flag, env (process, then .env.runner), file, default, remembering which one won. */
  const pick = <V>(
    field: string,
    flag: V | undefined,
    envName: string | undefined,
    file: V | undefined,
    fallback: V,
  ): { value: V | string; source: ConfigSource; label: string } => {
    const envValue = envName !== undefined ? env[envName] : undefined;
    const chosen: [V | string, ConfigSource, string] =
      flag !== undefined
        ? [flag, 'flag', `--${flagName(field)}`]
        : envValue !== undefined && envValue !== ''
          ? fromEnvFile(envName!)
            ? [envValue, 'env-file', `${ENV_FILE} ${envName!}`]
            : [envValue, 'env', envName!]
          : file !== undefined
            ? [file, 'file', `${fileLabel} ${field}`]
            : [fallback, 'default', `default ${field}`];
    sources[field] = chosen[1];
    entries[field] = { value: typeof chosen[0] === 'string' ? chosen[0] : JSON.stringify(chosen[0]), source: chosen[1], origin: chosen[2] };
    return { value: chosen[0], source: chosen[1], label: chosen[2] };
  };
  const bad = (message: string, hint: string): void => {
    issues.push({ code: 'PCQ_CONFIG_INVALID', message, hint });
  };

  const root = resolve(input.cwd, String(pick('root', flags.root, 'PCQ_ROOT', undefined, '.').value));

  const modeRaw = pick('mode', flags.mode, 'PCQ_MODE', undefined, 'dev');
  const mode = parseMode(String(modeRaw.value));
  if (mode === undefined)
    bad(`${modeRaw.label}: unknown mode "${String(modeRaw.value)}".`, 'Use dev, staging or prod (development and production are accepted too).');

  const conc = pick('concurrency', flags.concurrency, 'PCQ_CONCURRENCY', fileValues.concurrency, DEFAULTS.concurrency);
  const concurrency = typeof conc.value === 'number' ? conc.value : /^\s*\d+\s*$/.test(conc.value) ? Number(conc.value) : NaN;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)
    bad(`${conc.label}: concurrency must be a whole number from 1 to 256, got "${String(conc.value)}".`, 'Set it to how many steps may run at once, e.g. 4.');

  const backendRaw = String(pick('graph.backend', flags.graph, 'PCQ_GRAPH_BACKEND', fileValues.graph?.backend, 'kuzu').value);
  let graph: GraphSettings = { backend: 'kuzu' };
  if (backendRaw === 'neo4j') {
    const g = fileValues.graph ?? {};
    graph = {
      backend: 'neo4j',
      uri: String(pick('graph.uri', undefined, 'PCQ_GRAPH_URI', g.uri, DEFAULTS.neo4j.uri).value),
      user: String(pick('graph.user', undefined, 'PCQ_GRAPH_USER', g.user, DEFAULTS.neo4j.user).value),
      passwordEnv: String(pick('graph.passwordEnv', undefined, 'PCQ_GRAPH_PASSWORD_ENV', g.passwordEnv, DEFAULTS.neo4j.passwordEnv).value),
    };
    if (g.database !== undefined) graph.database = g.database;
  } else if (backendRaw !== 'kuzu') {
    bad(`graph backend "${backendRaw}" is not known.`, 'Use kuzu (embedded, the default) or neo4j.');
  }

  const dir = (field: 'attestationsDir' | 'outboxDir', envName: string, fallback: string): string =>
    absolute(root, String(pick(field, flags[field], envName, fileValues[field], fallback).value));
  const attestationsDir = dir('attestationsDir', 'PCQ_ATTESTATIONS_DIR', DEFAULTS.attestationsDir);
  const outboxDir = dir('outboxDir', 'PCQ_OUTBOX_DIR', DEFAULTS.outboxDir);

  const actorEnv = env.PCQ_ACTOR || env.GITHUB_ACTOR || undefined;
  // The CLI user is `local:<OS user>` so that policies can tell a local run from a GitHub login (logins cannot contain ':').
  const actor = flags.actor ?? actorEnv ?? `local:${input.osUser ?? 'unknown'}`;
  sources.actor =
    flags.actor !== undefined ? 'flag' : actorEnv !== undefined ? (fromEnvFile(env.PCQ_ACTOR ? 'PCQ_ACTOR' : 'GITHUB_ACTOR') ? 'env-file' : 'env') : 'default';
  entries.actor = {
    value: actor,
    source: sources.actor,
    origin:
      sources.actor === 'flag'
        ? '--actor'
        : sources.actor === 'default'
          ? 'default actor (local:<OS user>)'
          : `${sources.actor === 'env-file' ? ENV_FILE + ' ' : ''}${env.PCQ_ACTOR ? 'PCQ_ACTOR' : 'GITHUB_ACTOR'}`,
  };

  const debugRaw = pick('debug', flags.debug === true ? 'true' : undefined, 'PCQ_DEBUG', undefined, 'false');
  const debug = /^(1|true|yes|on)$/i.test(String(debugRaw.value));
  const level = pick('logLevel', flags.logLevel, 'PCQ_LOG_LEVEL', fileValues.logLevel, DEFAULTS.logLevel);
  let logLevel: LogLevel = DEFAULTS.logLevel;
  try {
    logLevel = parseLogLevel(String(level.value), level.label);
  } catch (err) {
    issues.push({ code: 'PCQ_CONFIG_INVALID', message: (err as Error).message, hint: 'Use debug, info, warn or error.' });
  }
  // PCQ_DEBUG=1 means debug lines, unless --log-level says otherwise on this very command.
  if (debug && level.source !== 'flag') logLevel = 'debug';

  const vault = resolveVault(pick, bad, fileValues.vault ?? {});
  const timeAnchor = resolveTimeAnchor(pick, bad, root, fileValues.timeAnchor ?? {});

  const signingKeyEnv = fileValues.secrets?.signingKeyEnv ?? DEFAULTS.signingKeyEnv;
  const signer = resolveSigner({ flag: flags.signer, file: fileValues.signer, signingKeyEnv, pick, issues });
  const memoryRaw = pick('memoryLimit', flags.memoryLimit, 'PCQ_MEMORY_LIMIT', fileValues.memoryLimit, String(DEFAULTS.memoryLimitBytes));
  const memoryLimitBytes = parseByteSize(String(memoryRaw.value));
  if (memoryLimitBytes === undefined || memoryLimitBytes < 64 * 1024 ** 2)
    bad(
      `${memoryRaw.label}: memory limit must be a size of at least 64M (e.g. 1536M, 2G), got "${String(memoryRaw.value)}".`,
      "Set the run's memory ceiling in bytes or with a K/M/G suffix.",
    );
  const policyHash = pick('policyHash', undefined, 'PCQ_POLICY_HASH', undefined, '');
  const required = [
    ...new Set([...signer.requiredSecrets, ...(graph.backend === 'neo4j' ? [graph.passwordEnv] : []), ...(fileValues.secrets?.required ?? [])]),
  ];
  if (mode === 'staging' || mode === 'prod') issues.push(...productionChecks(mode, required, env));

  const home = absolute(root, String(pick('home', undefined, 'PCQ_HOME', undefined, join(homedir(), '.pcq')).value));
  // A switch that can only be turned on: no flag, file or other variable turns it off.
  pick('forceRequireSignature', undefined, 'PCQ_FORCE_REQUIRE_SIGNATURE', undefined, 'false');
  const forceRaw = env.PCQ_FORCE_REQUIRE_SIGNATURE;
  const forceRequireSignature = forceRaw !== undefined && /^(1|true|yes|on)$/i.test(forceRaw.trim());
  if (forceRaw !== undefined && forceRaw !== '' && !forceRequireSignature && !/^(0|false|no|off)$/i.test(forceRaw.trim()))
    bad(`PCQ_FORCE_REQUIRE_SIGNATURE must be true or false, got "${forceRaw}".`, 'Set it to true to require a verified signature on every spell.');
  const count = (field: 'days' | 'maxFiles', envName: string): number => {
    const got = pick(`logRetention.${field}`, undefined, envName, fileValues.logRetention?.[field], DEFAULTS.logRetention[field]);
    const n = typeof got.value === 'number' ? got.value : /^\s*\d+\s*$/.test(got.value) ? Number(got.value) : NaN;
    if (!Number.isInteger(n) || n < 0) bad(`${got.label}: must be a whole number from 0, got "${String(got.value)}".`, 'E.g. 14 days, 500 files.');
    return n;
  };
  const logRetention = { days: count('days', 'PCQ_LOG_RETENTION_DAYS'), maxFiles: count('maxFiles', 'PCQ_LOG_MAX_FILES') };

  if (issues.length > 0) throw new PcqErrors(issues);
  for (const name of required) {
    const set = env[name] !== undefined && env[name] !== '';
    entries[`secret ${name}`] = {
      value: set ? '***' : '(not set)',
      source: set ? (fromEnvFile(name) ? 'env-file' : 'env') : 'default',
      origin: set ? (fromEnvFile(name) ? `${ENV_FILE} ${name}` : name) : 'unset',
      secret: true,
    };
  }
  const config: PcqConfig = {
    root,
    mode: mode!,
    concurrency,
    graph,
    attestationsDir,
    outboxDir,
    actor,
    logLevel,
    secrets: { signingKeyEnv, required },
    vault,
    sources,
    entries,
    env,
    signer,
    debug,
    memoryLimitBytes: memoryLimitBytes ?? DEFAULTS.memoryLimitBytes,
    home,
    forceRequireSignature,
    logRetention,
    timeAnchor,
  };
  if (String(policyHash.value) !== '') config.policyHash = String(policyHash.value);
  if (input.file) config.configFile = input.file.path;
  if (input.envFile) config.envFile = resolve(root, input.envFile.path);
  return config;
}

export type Pick = <V>(
  field: string,
  flag: V | undefined,
  envName: string | undefined,
  file: V | undefined,
  fallback: V,
) => { value: V | string; source: ConfigSource; label: string };

/** The flag that sets a field: logLevel → log-level, graph.backend → graph. */
function flagName(field: string): string {
  return field === 'graph.backend' ? 'graph' : field === 'signer.kind' ? 'signer' : field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function relativeTo(cwd: string, path: string): string {
  const rel = path.startsWith(cwd.endsWith('/') ? cwd : cwd + '/') ? path.slice(cwd.length).replace(/^\/+/, '') : path;
  return rel || path;
}

/** `2G`, `1536M`, `512m`, `1048576`: bytes, or K/M/G (binary) suffixed; undefined when not a size. */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+)\s*([kmg])?i?b?\s*$/i.exec(text);
  if (!m) return undefined;
  const scale = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  return Number(m[1]) * scale;
}

/**
 * Development-only switches (seed 002: DEV_ALLOW_XPLAN, ALLOW_FREE_DEFAULT): every PCQ_DEV_*
 * variable, plus these names, must be off outside dev.
 */
export const DEV_SWITCHES = ['PCQ_DEV_TRUST_LOCAL_KEYS', 'PCQ_ALLOW_INSECURE_HTTP'] as const;

/** vault.*: PCQ_VAULT_BACKEND and the runner playbook's RUNNER_* variables > the config file's `vault:` > defaults. */
function resolveVault(pick: Pick, bad: (message: string, hint: string) => void, file: NonNullable<ConfigFileValues['vault']>): VaultSettings {
  const d = DEFAULTS.vault;
  const get = (key: keyof typeof file, env: string, fallback: string): string => String(pick(`vault.${key}`, undefined, env, file[key], fallback).value);
  const backend = get('backend', 'PCQ_VAULT_BACKEND', d.backend);
  if (backend !== 'embedded' && backend !== 'soroban') bad(`vault backend "${backend}" is not known.`, 'Use embedded (the default, no network) or soroban.');
  const optional = (key: 'contractId' | 'agentRegistryId', env: string): string | undefined => {
    const v = get(key, env, '');
    return v === '' ? undefined : v;
  };
  const foe = get('finalizeOnError', 'RUNNER_FINALIZE_ON_ERROR', String(d.finalizeOnError)).trim().toLowerCase();
  if (!/^(true|false|1|0|yes|no|on|off)$/.test(foe)) bad(`RUNNER_FINALIZE_ON_ERROR: "${foe}" is not a boolean.`, 'Use true or false.');
  const poll = get('pollIntervalMs', 'RUNNER_POLL_INTERVAL_MS', String(d.pollIntervalMs)).trim();
  if (!/^\d{1,6}$/.test(poll) || Number(poll) < 1) bad(`RUNNER_POLL_INTERVAL_MS: "${poll}" is not a whole number of milliseconds from 1.`, 'E.g. 1000.');
  const settings: VaultSettings = {
    backend: backend === 'soroban' ? 'soroban' : 'embedded',
    rpcUrl: get('rpcUrl', 'RUNNER_RPC_URL', d.rpcUrl),
    networkPassphrase: get('networkPassphrase', 'RUNNER_NETWORK_PASSPHRASE', d.networkPassphrase),
    contractId: optional('contractId', 'RUNNER_CONTRACT_ID'),
    agentRegistryId: optional('agentRegistryId', 'RUNNER_AGENT_REGISTRY_ID'),
    finalizeOnError: /^(true|1|yes|on)$/.test(foe),
    pollIntervalMs: Number(poll),
  };
  if (settings.backend === 'soroban' && settings.contractId === undefined)
    bad('vault backend soroban needs RUNNER_CONTRACT_ID.', 'Set RUNNER_CONTRACT_ID to the PrepaidVault contract id (contracts/networks/<network>.json).');
  return settings;
}

/** Staging/prod: every required secret set, and no dev-only override switched on (seed 002). */
function productionChecks(mode: Mode, required: string[], env: Env): PcqIssue[] {
  const issues: PcqIssue[] = [];
  for (const name of required) {
    if (env[name] === undefined || env[name] === '') {
      issues.push({
        code: 'PCQ_SECRET_MISSING',
        message: `PCQ_MODE=${mode} needs the secret ${name}, which is not set.`,
        hint: `Provide ${name} from your secret store (in GitHub Actions, a repository or environment secret); PCQ_MODE=dev runs without it.`,
        details: { variable: name },
      });
    }
  }
  for (const [name, value] of Object.entries(env)) {
    if ((name.startsWith('PCQ_DEV_') || (DEV_SWITCHES as readonly string[]).includes(name)) && value !== undefined && /^(1|true|yes|on)$/i.test(value)) {
      issues.push({
        code: 'PCQ_DEV_OVERRIDE_FORBIDDEN',
        message: `${name} is a development-only switch and is on while PCQ_MODE=${mode}.`,
        hint: `Unset ${name}, or run with PCQ_MODE=dev.`,
        details: { variable: name },
      });
    }
  }
  return issues;
}

import { parseMode } from './mode.ts';
export { parseMode };

function absolute(root: string, path: string): string {
  return isAbsolute(path) ? path : resolve(root, path);
}

function currentOsUser(): string | undefined {
  try {
    return userInfo().username || undefined;
  } catch {
    return undefined; // no passwd entry (some containers)
  }
}
