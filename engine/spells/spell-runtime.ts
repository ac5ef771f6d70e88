// The port both spell runtimes implement (seed 004 §4: host and docker execution), and what they
// share: the clean environment, the bounded output, the private execution log.
//
// Protocol between pcq and a spell entry (engine/FORMATS.md "Spells"): the entry reads its input
// JSON from the file named by PCQ_SPELL_INPUT and writes its output JSON to PCQ_SPELL_OUTPUT;
// stdout and stderr are its log (kept private, redacted, summarised in the step's outputs).
// Environment: only PATH, HOME, LANG, TZ, the four PCQ_SPELL_* variables and
// CONNECTOR_<NAME>_TOKEN for each connector the spell declares — nothing else of the runner's
// environment (so no RUNNER_SECRET, no other connector's token).
import { PcqError } from '../base/errors.ts';
import type { SpellManifest } from '../model/spell-manifest.ts';
import type { BundleFile } from './bundle.ts';

export const MAX_LOG_BYTES = 256 * 1024;
export const MAX_OUTPUT_BYTES = 8 * 1024 * 1024;

export interface SpellRunRequest {
  manifest: SpellManifest;
  files: readonly BundleFile[];
  input: unknown;
  /** The caller's environment: only declared connector tokens are taken from it. */
  env: Record<string, string | undefined>;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface SpellRunResult {
  output: unknown;
  exitCode: number;
  durationMs: number;
  /** stdout/stderr, already redacted, each bounded to MAX_LOG_BYTES. */
  log: { stdout: string; stderr: string; truncated: boolean };
  /** What confined the child, for the step's outputs and the docs. */
  confinement: string[];
  /** Connector token variables passed in (names only). */
  tokens: string[];
}

export interface SpellRuntimePort {
  readonly kind: 'host' | 'docker';
  run(req: SpellRunRequest): Promise<SpellRunResult>;
}

export function connectorTokenName(connector: string): string {
  return `CONNECTOR_${connector.toUpperCase()}_TOKEN`;
}

/** The declared connectors' tokens, or PCQ_SPELL_CONNECTOR_TOKEN_MISSING naming the variable (never a value). */
export function connectorTokens(manifest: SpellManifest, env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of manifest.connectors) {
    const name = connectorTokenName(c);
    const value = env[name];
    if (value === undefined || value === '') {
      throw new PcqError({
        code: 'PCQ_SPELL_CONNECTOR_TOKEN_MISSING',
        message: `spell ${manifest.id}@${manifest.version} declares connector ${c} and ${name} is not set`,
        hint: `Provide ${name} (a repository or environment secret in GitHub Actions).`,
        details: { variable: name },
      });
    }
    out[name] = value;
  }
  return out;
}

/** Collects a stream into at most `limit` bytes, counting (and dropping) the rest. */
export class BoundedSink {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  dropped = 0;
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  push(chunk: Buffer): void {
    const room = this.limit - this.size;
    if (room <= 0) {
      this.dropped += chunk.length;
      return;
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(part);
    this.size += part.length;
    this.dropped += chunk.length - part.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
