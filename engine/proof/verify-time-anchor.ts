// The manifest's time anchor, checked (FORMATS.md "Time anchor"): called from verifyManifest, so
// `pcq verify` and the browser verifier give the same verdict. The anchor is an RFC 3161
// TimeStampToken over the SHA-256 of the manifest file as sealed (anchoredManifestText); it shows
// the manifest existed at the TSA's genTime, which the runner cannot choose. So `executedAt` (the
// run's asOf, which the runner does choose) may not be later than genTime.
//
// Outcomes, each a check `time-anchor`:
// - no anchor: a passing check coded PCQ_TIME_ANCHOR_MISSING ("not anchored", a warning), or a
//   failure with that code when the verifier requires an anchor (timeAnchor.required);
// - a token that does not parse, stamps other bytes, lacks the timeStamping EKU or the ESS
//   certificate, or whose signature fails: PCQ_TIME_ANCHOR_INVALID;
// - a chain that does not lead to the configured TSA trust: PCQ_TIME_ANCHOR_UNTRUSTED; no TSA trust
//   configured: a passing check coded PCQ_TIME_ANCHOR_UNCHECKED (a warning), or a failure when required;
// - executedAt later than genTime: PCQ_AS_OF_AFTER_ANCHOR.
import type { PcqCode } from '../base/error-catalogue.ts';
import { fromBase64, utf8 } from './bytes.ts';
import { anchoredManifestText } from './manifest.ts';

type Raw = Record<string, unknown>;
type Fail = (code: PcqCode, check: string, message: string) => void;
type Pass = (code: PcqCode, check: string, message: string) => void;

export interface TimeAnchorOptions {
  /** DER certificates a TSA must chain to (timeAnchor.trust); absent: the chain is not checked. */
  trust?: readonly Uint8Array[];
  /** A manifest without a trusted anchor fails (timeAnchor.required). */
  required?: boolean;
}

const CHECK = 'time-anchor';

/** The TSA's name and genTime, as reported: what a reader compares with executedAt. */
function described(facts: { genTime: Date; tsaName: string }): string {
  return `stamped by ${facts.tsaName} at ${facts.genTime.toISOString()}`;
}

/** `anchoredText`: anchoredManifestText of the whole manifest when `m` lacks its steps (the streaming verifier). */
export async function checkTimeAnchor(m: Raw, options: TimeAnchorOptions, fail: Fail, pass: Pass, anchoredText?: string): Promise<void> {
  const anchor = m.timeAnchor as { format: string; token: string } | undefined;
  if (anchor === undefined) {
    const message = "not anchored: no RFC 3161 time anchor, so executedAt is the runner's own claim";
    if (options.required) return fail('PCQ_TIME_ANCHOR_MISSING', CHECK, `${message}; this verifier requires one (timeAnchor.required)`);
    return pass('PCQ_TIME_ANCHOR_MISSING', CHECK, message);
  }
  // The schema shape pinned format and a bounded base64 token; decode, then let rfc3161.ts distrust the DER.
  const token = fromBase64(anchor.token);
  if (!token) return fail('PCQ_TIME_ANCHOR_INVALID', CHECK, 'timeAnchor.token is not base64');
  // pkijs is loaded only for anchored manifests: verifying any other manifest never pays for it.
  const { checkTimeStampToken } = await import('./rfc3161.ts');
  const data = utf8(anchoredText ?? anchoredManifestText(m));
  const result = await checkTimeStampToken(token, { data, ...(options.trust ? { trust: options.trust } : {}) });
  if (!result.ok) {
    const who = result.facts ? ` (${described(result.facts)})` : '';
    return fail(result.untrusted ? 'PCQ_TIME_ANCHOR_UNTRUSTED' : 'PCQ_TIME_ANCHOR_INVALID', CHECK, `${result.reason}${who}`);
  }
  const genTime = result.facts.genTime.getTime();
  const asOf = Date.parse(String(m.executedAt));
  if (!(asOf <= genTime)) {
    return fail(
      'PCQ_AS_OF_AFTER_ANCHOR',
      CHECK,
      `executedAt ${String(m.executedAt)} is later than the time anchor's genTime ${result.facts.genTime.toISOString()} (${result.facts.tsaName}): the manifest existed before the time it claims`,
    );
  }
  if (!result.trusted) {
    const message = `${described(result.facts)} — signature and imprint hold, but no TSA trust is configured (timeAnchor.trust), so the TSA itself is not checked`;
    if (options.required) return fail('PCQ_TIME_ANCHOR_UNTRUSTED', CHECK, message);
    return pass('PCQ_TIME_ANCHOR_UNCHECKED', CHECK, message);
  }
  pass('PCQ_TIME_ANCHOR_INVALID', CHECK, `${described(result.facts)}: the sealed manifest existed then; executedAt ${String(m.executedAt)} is not later`);
}
