// What a verifier hands the time-anchor check (proof/verify-time-anchor.ts): the TSA trust and
// whether an anchor is required, from the configuration's timeAnchor.* (PCQ_TSA_*), as `pcq verify`
// and the site's browser verifier (embedded at build time) both read it, so their verdicts agree.
import { loadConfig, type Env } from './config.ts';
import { loadTsaTrust } from './config-time-anchor.ts';
import type { TimeAnchorOptions } from '../proof/verify-time-anchor.ts';

/** timeAnchor.trust and timeAnchor.required; the mode is left out (a verifier needs no runner secret). */
export async function timeAnchorOptions(cwd: string, env: Env): Promise<TimeAnchorOptions> {
  const config = await loadConfig({ env: { ...env, PCQ_MODE: 'dev' }, cwd });
  const settings = config.timeAnchor;
  return {
    ...(settings.trustFile !== undefined ? { trust: await loadTsaTrust(settings.trustFile) } : {}),
    required: settings.required,
  };
}
