// What `pcq verify` (and the browser verifier) says about trust (docs/design.md §7 "verify names its
// trust"): the runner key is re-checked with the very function that authorized the run
// (proof/authorization.ts), the signed `authorization` record must be the one for this manifest,
// and every key the verdict relied on is listed with the trust source that vouched for it, the dev
// overlay named as such, so a local key called "ci-runner" is never mistaken for the committed one.
import type { PcqCode } from '../base/errors.ts';
import { fromUtf8 } from './bytes.ts';
import { readEnvelope } from './dsse.ts';
import { authorizeRunner, type RunMode } from './authorization.ts';
import { describeSource, keyStatusAt, type KeyOrigin, type TrustStore, type TrustedKey } from './trust.ts';

type Raw = Record<string, unknown>;
type Fail = (code: PcqCode, check: string, message: string) => void;
type Pass = (code: PcqCode, check: string, message: string) => void;

/** A key the verdict relied on and who vouched for it (undefined source: not trusted). */
export interface KeyRelied {
  role: 'runner' | 'reviewer';
  keyid: string;
  trusted: boolean;
  name?: string;
  source?: string;
  devOverlay?: boolean;
  origin?: KeyOrigin;
  login?: string;
  /** Reviews: the reviewer the signed decision names. */
  reviewer?: string;
}

function relied(role: KeyRelied['role'], keyid: string, key: TrustedKey | undefined): KeyRelied {
  if (!key) return { role, keyid, trusted: false };
  return {
    role,
    keyid,
    trusted: true,
    name: key.name,
    source: key.source ?? 'trust store',
    devOverlay: key.devOverlay === true,
    ...(key.origin ? { origin: key.origin } : {}),
    ...(key.login !== undefined ? { login: key.login } : {}),
  };
}

/** The runner-key and authorization checks of a manifest whose schema shape holds. */
export function checkRunnerAuthorization(m: Raw, trust: TrustStore, options: { mode?: RunMode; now?: number }, fail: Fail, pass: Pass): void {
  const executedBy = m.executedBy as string;
  const executedAt = m.executedAt as string;
  const r = authorizeRunner(trust, {
    keyid: executedBy,
    asOf: executedAt,
    mode: options.mode ?? 'dev',
    purpose: 'verify',
    ...(options.now !== undefined ? { now: options.now } : {}),
  });
  if (r.ok)
    pass('PCQ_KEY_UNKNOWN', 'runner-key', `${executedBy} (${r.key.name}) is a trusted runner at ${executedAt}, vouched for by ${describeSource(r.key)}`);
  else fail(r.code, 'runner-key', r.message);

  const a = m.authorization as Raw; // shape-checked: every field present and typed
  const problems: string[] = [];
  if (a.keyid !== executedBy) problems.push(`it authorizes ${String(a.keyid)}, but the manifest is signed by ${executedBy}`);
  if (a.checkedAt !== executedAt) problems.push(`it was checked at ${String(a.checkedAt)}, but the run's time is ${executedAt}`);
  if (problems.length > 0)
    return void fail('PCQ_AUTHORIZATION_MISMATCH', 'authorization', `the signed runner authorization is not this run's: ${problems.join('; ')}`);
  const by = a.devOverlay === true ? `the DEV OVERLAY ${String(a.source)} of the machine that ran it (dev keys count on that machine only)` : String(a.source);
  pass(
    'PCQ_AUTHORIZATION_MISMATCH',
    'authorization',
    `before it started, the run was authorized in ${String(a.mode)} mode: ${String(a.keyName)} (${String(a.status)} runner, valid ${String(a.validFrom ?? 'from the beginning')} – ${String(a.validUntil ?? 'until further notice')}) listed in ${by}`,
  );
}

/** The runner key and each review's key, with the trust entry that vouched for it (if any). */
export function keysRelied(m: Raw, trust: TrustStore, mode: RunMode): KeyRelied[] {
  const executedBy = m.executedBy as string;
  const runner = authorizeRunner(trust, { keyid: executedBy, asOf: m.executedAt as string, mode, purpose: 'verify' });
  const out: KeyRelied[] = [relied('runner', executedBy, runner.ok ? runner.key : undefined)];
  for (const value of Array.isArray(m.reviews) ? m.reviews : []) {
    const env = readEnvelope(value);
    if (!env.ok || env.envelope.signatures.length !== 1) continue;
    let predicate: Raw | undefined;
    try {
      predicate = (JSON.parse(fromUtf8(env.payload) ?? '') as { predicate?: Raw }).predicate;
    } catch {
      continue; // reported by the review checks
    }
    const keyid = env.envelope.signatures[0]!.keyid;
    const at = typeof predicate?.at === 'string' ? predicate.at : '';
    const status = keyStatusAt(trust, keyid, at, 'reviewer');
    const counted = status.ok && (mode === 'dev' || !status.key.devOverlay) ? status.key : undefined;
    const row = relied('reviewer', keyid, counted);
    if (typeof predicate?.reviewer === 'string') row.reviewer = predicate.reviewer;
    out.push(row);
  }
  return out;
}

/** One line per key for people: "runner G… ci-runner — policies/trust.yaml". */
export function describeKeysRelied(keys: readonly KeyRelied[]): string[] {
  return keys.map((k) => {
    const who = k.role === 'reviewer' && k.reviewer !== undefined ? ` for ${k.reviewer}` : '';
    if (!k.trusted) return `${k.role}${who} ${k.keyid}: vouched for by no trust source`;
    const where = k.devOverlay ? `⚠ the DEV OVERLAY ${k.source} (this machine only, not policies/trust.yaml)` : k.source;
    return `${k.role}${who} ${k.keyid} (${k.name}${k.login !== undefined ? `, login ${k.login}` : ''}): vouched for by ${where}`;
  });
}
