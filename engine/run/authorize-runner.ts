// The edge of runner authorization (docs/design.md §7): load the runner key and the trust store for the
// mode, ask proof/authorization.ts, and refuse with its code before anything else happens. Called
// first by `pcq run` / the Action (run-runbook.ts) and `pcq replay` (replay-run.ts), before any
// service opens and before any write (in dev, the local key and its overlay entry are created on
// first use, as before). The granted record is signed into the manifest.
import type { PcqConfig } from '../runtime/config.ts';
import { PcqError, type PcqIssue } from '../base/errors.ts';
import { loadRunnerSigner } from '../runtime/keys.ts';
import { loadTrust } from '../runtime/trust-store.ts';
import { authorizeRunner, type RunnerAuthorization } from '../proof/authorization.ts';
import type { Signer } from '../base/signer.ts';
import type { TrustStore } from '../proof/trust.ts';

export interface AuthorizedRunner {
  signer: Signer;
  signerOrigin: string;
  authorization: RunnerAuthorization;
  /** The trust store the runner was checked against: the vault's agent registry. */
  trust: TrustStore;
  /** Overlay entries the trust loader ignored (coded warnings, for the caller to show). */
  warnings: PcqIssue[];
}

export async function authorizeRunnerAtStart(input: {
  config: PcqConfig;
  env: Record<string, string | undefined>;
  asOf: string;
  now: Date;
}): Promise<AuthorizedRunner> {
  const { config } = input;
  const { signer, origin } = await loadRunnerSigner({ env: input.env, root: config.root, mode: config.mode, now: () => input.now, signer: config.signer });
  const { trust, warnings } = await loadTrust({ root: config.root, includeLocal: config.mode === 'dev' });
  const result = authorizeRunner(trust, { keyid: signer.keyid, asOf: input.asOf, mode: config.mode, purpose: 'start', now: input.now.getTime() });
  if (!result.ok) {
    throw new PcqError({
      code: result.code,
      message: `refused before any step started: ${result.message}`,
      hint: result.hint,
      details: { keyid: signer.keyid, mode: config.mode, asOf: input.asOf },
    });
  }
  return { signer, signerOrigin: origin, authorization: result.authorization, trust, warnings };
}
