// What `pcq verify` hands the time-anchor check (proof/verify-time-anchor.ts): the TSA trust and
// whether an anchor is required, from the configuration's timeAnchor.* (PCQ_TSA_*), and the
// warnings the check's passing-but-weak outcomes become ("not anchored", "TSA not checked").
import { loadConfig, type Env } from '../runtime/config.ts';
import { loadTsaTrust } from '../runtime/config-time-anchor.ts';
import type { PcqIssue } from '../base/errors.ts';
import type { TimeAnchorOptions } from '../proof/verify-time-anchor.ts';
import type { VerifyCheck } from '../proof/verify-manifest.ts';
import { ERROR_CATALOGUE } from '../base/error-catalogue.ts';

/** timeAnchor.trust and timeAnchor.required; the mode is left out (verify needs no runner secret). */
export async function timeAnchorOptions(cwd: string, env: Env): Promise<TimeAnchorOptions> {
  const config = await loadConfig({ env: { ...env, PCQ_MODE: 'dev' }, cwd });
  const settings = config.timeAnchor;
  return {
    ...(settings.trustFile !== undefined ? { trust: await loadTsaTrust(settings.trustFile) } : {}),
    required: settings.required,
  };
}

const WARNED = new Set(['PCQ_TIME_ANCHOR_MISSING', 'PCQ_TIME_ANCHOR_UNCHECKED']);

/** A passing time-anchor check that says "not anchored" or "TSA not checked" is a warning. */
export function timeAnchorWarnings(checks: readonly VerifyCheck[]): PcqIssue[] {
  return checks
    .filter((c) => c.check === 'time-anchor' && c.ok && WARNED.has(c.code))
    .map((c) => ({ code: c.code, severity: 'warning' as const, message: c.message, hint: ERROR_CATALOGUE[c.code].hint }));
}
