// The manifest's `retryOf` (FORMATS.md "Retries"): a run started by `pcq retry` signs the failed
// execution it re-runs and the digest of that run's manifest file. From the manifest alone
// (browser and `pcq verify` alike): the link names another execution. Whether that manifest is the
// one the digest names needs the store: `pcq verify` checks it at its edge (vault/retry-link.ts).
import type { PcqCode } from '../base/error-catalogue.ts';

type Raw = Record<string, unknown>;
type Report = (code: PcqCode, check: string, message: string) => void;

/** Silent for a run that is not a retry. */
export function checkRetryLink(m: Raw, fail: Report, pass: Report): void {
  const link = m.retryOf as Raw | undefined;
  if (link === undefined) return;
  if (link.executionId === m.executionId) return void fail('PCQ_RETRY_LINK_MISMATCH', 'retry-of', 'the run names itself as the run it retries');
  pass('PCQ_RETRY_LINK_MISMATCH', 'retry-of', `retry of execution ${String(link.executionId)} (its manifest ${String(link.manifestDigest)})`);
}
