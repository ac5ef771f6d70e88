// timeAnchor.* (engine/FORMATS.md "Time anchor"): which RFC 3161 time-stamping authority stamps
// sealed manifests and which CA certificates a TSA must chain to. PCQ_TSA_* variables > the config
// file's `timeAnchor:` > defaults (no TSA: manifests are sealed unanchored and verify says so).
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { PcqError } from '../base/errors.ts';
import type { ConfigFileValues } from './config-file.ts';
import type { Pick } from './config.ts';

export interface TimeAnchorSettings {
  /** PCQ_TSA_URL: where TimeStampReqs are POSTed; absent: no anchor is requested. */
  tsaUrl?: string;
  /** PCQ_TSA_TRUST: a PEM file of the CA certificate(s) a TSA must chain to (absolute). */
  trustFile?: string;
  /** PCQ_TSA_REQUIRED: verify fails a manifest without a trusted anchor; a run whose TSA fails exits 75. */
  required: boolean;
  /** PCQ_TSA_TIMEOUT_MS: how long the seal waits for the TSA. */
  timeoutMs: number;
}

export const TIME_ANCHOR_DEFAULTS = { required: false, timeoutMs: 10_000 };

export function resolveTimeAnchor(
  pick: Pick,
  bad: (message: string, hint: string) => void,
  root: string,
  file: NonNullable<ConfigFileValues['timeAnchor']>,
): TimeAnchorSettings {
  const get = (key: keyof typeof file, env: string, fallback: string): string =>
    String(pick(`timeAnchor.${key}`, undefined, env, file[key], fallback).value).trim();
  const url = get('tsaUrl', 'PCQ_TSA_URL', '');
  const trust = get('trust', 'PCQ_TSA_TRUST', '');
  const required = get('required', 'PCQ_TSA_REQUIRED', String(TIME_ANCHOR_DEFAULTS.required)).toLowerCase();
  const timeout = get('timeoutMs', 'PCQ_TSA_TIMEOUT_MS', String(TIME_ANCHOR_DEFAULTS.timeoutMs));
  if (url !== '' && !/^https?:\/\/[^\s/]+/i.test(url))
    bad(`PCQ_TSA_URL: "${url}" is not an http(s) URL.`, 'E.g. http://timestamp.example.org/tsr (RFC 3161 over HTTP, §3.4).');
  // A reply is only kept after its chain was checked, so a TSA without trust could never anchor anything.
  if (url !== '' && trust === '')
    bad('timeAnchor.tsaUrl is set but timeAnchor.trust is not.', "Set PCQ_TSA_TRUST (timeAnchor.trust) to a PEM file with the TSA's CA certificate.");
  if (!/^(true|false|1|0|yes|no|on|off)$/.test(required)) bad(`PCQ_TSA_REQUIRED: "${required}" is not a boolean.`, 'Use true or false.');
  if (!/^\d{1,6}$/.test(timeout) || Number(timeout) < 100)
    bad(`PCQ_TSA_TIMEOUT_MS: "${timeout}" is not a whole number of milliseconds from 100.`, 'E.g. 10000.');
  return {
    ...(url !== '' ? { tsaUrl: url } : {}),
    ...(trust !== '' ? { trustFile: isAbsolute(trust) ? trust : resolve(root, trust) } : {}),
    required: /^(true|1|yes|on)$/.test(required),
    timeoutMs: Number(timeout),
  };
}

/** The DER certificates of timeAnchor.trust, checked to parse; PCQ_CONFIG_INVALID otherwise. */
export async function loadTsaTrust(trustFile: string): Promise<Uint8Array[]> {
  const fail = (why: string): PcqError =>
    new PcqError({
      code: 'PCQ_CONFIG_INVALID',
      message: `timeAnchor.trust ${trustFile}: ${why}`,
      hint: 'Point PCQ_TSA_TRUST (timeAnchor.trust) at a PEM file holding the TSA CA certificate(s).',
    });
  let text: string;
  try {
    text = await readFile(trustFile, 'utf8');
  } catch (err) {
    throw fail(`cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (text.length > 1024 * 1024) throw fail('is larger than 1 MiB');
  // pkijs is loaded only where a TSA is configured: `pcq verify` of any other setup never pays for it.
  const { pemCertificates, parseTrustCertificates } = await import('../proof/rfc3161.ts');
  const certs = pemCertificates(text);
  if (certs.length === 0) throw fail('holds no PEM certificate');
  const parsed = parseTrustCertificates(certs);
  if (typeof parsed === 'string') throw fail(parsed);
  return certs;
}
