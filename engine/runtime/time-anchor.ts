// Anchoring a sealed manifest in time (engine/FORMATS.md "Time anchor"): after the runner signed
// it, the configured TSA stamps the SHA-256 of the manifest file as sealed, and the checked token is
// added as the unsigned `timeAnchor` member before the store writes the file. Decisions:
// - No TSA configured: nothing is requested; `pcq verify` says "not anchored" (a warning).
// - The TSA fails at seal time (unreachable, refuses, answers a token that does not check): the
//   run's record is never thrown away for it — it is sealed WITHOUT an anchor and the run says so
//   loudly (a PCQ_TSA_UNAVAILABLE / PCQ_TIME_ANCHOR_* warning); with timeAnchor.required the command
//   then exits 75. With timeAnchor.required the TSA is also probed before the run starts
//   (probeTimeStampAuthority), so an unreachable TSA refuses the run before anything is written.
import type { PcqIssue } from '../base/errors.ts';
import { PcqError } from '../base/errors.ts';
import type { Manifest } from '../base/signed-records.ts';
import { toBase64, utf8 } from '../proof/bytes.ts';
import { anchoredManifestText, rememberSignedText, signedTextOf } from '../proof/manifest.ts';
import type { TimeAnchorSettings } from './config-time-anchor.ts';
import { loadTsaTrust } from './config-time-anchor.ts';
import { requestTimeStamp } from './tsa-client.ts';

export interface AnchorReport {
  /** The TSA's genTime (RFC 3339) and name, when the manifest was anchored. */
  anchored?: { genTime: string; tsa: string; tsaUrl: string };
  /** Why the manifest was sealed without an anchor, or why its anchor will not verify. */
  issue?: PcqIssue;
}

/** A TSA the run will use: its URL, the trust its replies are checked against, and the settings. */
export interface TimeStampAuthority {
  url: string;
  trust: Uint8Array[];
  settings: TimeAnchorSettings;
  fetch?: typeof fetch;
}

/** Reads the TSA trust (before the run: a bad file refuses it with nothing written); undefined without a TSA. */
export async function prepareTimeStampAuthority(settings: TimeAnchorSettings): Promise<TimeStampAuthority | undefined> {
  if (settings.tsaUrl === undefined || settings.trustFile === undefined) return undefined;
  return { url: settings.tsaUrl, trust: await loadTsaTrust(settings.trustFile), settings };
}

/** timeAnchor.required: the TSA must answer a checked token now, or the run does not start. */
export async function probeTimeStampAuthority(tsa: TimeStampAuthority, probe: string): Promise<void> {
  await requestTimeStamp(utf8(`pcq tsa probe\n${probe}\n`), tsaOptions(tsa));
}

function tsaOptions(tsa: TimeStampAuthority): Parameters<typeof requestTimeStamp>[1] {
  return { url: tsa.url, trust: tsa.trust, timeoutMs: tsa.settings.timeoutMs, ...(tsa.fetch ? { fetch: tsa.fetch } : {}) };
}

/** The manifest with its time anchor, or unchanged with the reason it has none. Never throws for the TSA. */
export async function anchorManifest(manifest: Manifest, tsa: TimeStampAuthority | undefined): Promise<{ manifest: Manifest; report: AnchorReport }> {
  if (!tsa) return { manifest, report: {} };
  try {
    const stamped = await requestTimeStamp(utf8(anchoredManifestText(manifest)), tsaOptions(tsa));
    const genTime = stamped.facts.genTime.toISOString();
    const anchored: Manifest = { ...manifest, timeAnchor: { format: 'rfc3161', token: toBase64(stamped.token) } };
    // Same signed part (timeAnchor is outside it): the DSSE export keeps reusing the sealed text.
    const signed = signedTextOf(manifest);
    if (signed !== undefined) rememberSignedText(anchored, signed);
    const report: AnchorReport = { anchored: { genTime, tsa: stamped.facts.tsaName, tsaUrl: tsa.url } };
    // The token is the truth and is kept; but a verifier will fail this manifest: say so now.
    if (Date.parse(manifest.executedAt) > stamped.facts.genTime.getTime())
      report.issue = {
        code: 'PCQ_AS_OF_AFTER_ANCHOR',
        severity: 'warning',
        message: `the run's asOf ${manifest.executedAt} is later than the TSA's genTime ${genTime}: pcq verify will fail this manifest`,
        hint: 'Run with an --as-of that is not in the future when a TSA anchors the runs.',
      };
    return { manifest: anchored, report };
  } catch (err) {
    const e = err instanceof PcqError ? err : undefined;
    return {
      manifest,
      report: {
        issue: {
          code: e?.code ?? 'PCQ_TSA_UNAVAILABLE',
          severity: 'warning',
          message: `sealed WITHOUT a time anchor: ${e?.message ?? (err as Error).message}`,
          hint: e?.hint ?? 'Check timeAnchor.tsaUrl (PCQ_TSA_URL) and the network.',
        },
      },
    };
  }
}
