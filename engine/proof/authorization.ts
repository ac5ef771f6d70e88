// Runner authorization (docs/design.md §7 "Authorized before anything runs"): one pure check over the
// trust store, the runner key, the run's time and the mode. `pcq run`, `pcq replay` and the Action
// ask it before anything starts (purpose "start"); `pcq verify` and the browser verifier ask it of a
// sealed manifest (purpose "verify"), so a run that could not verify is never started.
// - The key must be listed with role `runner`, not revoked, and inside its validity window at the
//   run's time `asOf` (FORMATS.md "Trust store").
// - To start a run it must also be `active` (a retired key only keeps verifying what it signed
//   inside its window) and inside its window at the wall clock, when it signs: a backdated asOf does
//   not bring an expired key back.
// - asOf may lie in the future by at most AS_OF_SKEW_MS of the wall clock (clocks differ a little;
//   a run dated later than that was not sealed when it says). Checked when `now` is given.
// - Outside dev, a key only the dev overlay lists counts as not listed.
// The record of a granted check is signed into the manifest as `authorization`.
import type { RunnerAuthorization } from '../base/signed-records.ts';
import { describeSource, inWindow, type TrustStore, type TrustedKey } from './trust.ts';

/** How far asOf may run ahead of the wall clock: 5 minutes (documented in FORMATS.md). */
export const AS_OF_SKEW_MS = 5 * 60 * 1000;

export type RunMode = 'dev' | 'staging' | 'prod';

export type AuthorizationCode =
  | 'PCQ_KEY_UNKNOWN' // not listed (or listed only by the dev overlay outside dev)
  | 'PCQ_KEY_REVOKED' // listed as revoked
  | 'PCQ_KEY_ROLE_MISSING' // listed, but not as runner
  | 'PCQ_KEY_NOT_ACTIVE' // listed as runner, but retired: it may not start new runs
  | 'PCQ_KEY_NOT_VALID_AT' // outside its validity window at asOf (or, to start, at the wall clock)
  | 'PCQ_AS_OF_IN_FUTURE'; // asOf later than the wall clock plus AS_OF_SKEW_MS

/** Signed into the manifest body: who allowed the run (FORMATS.md "Manifest"). */
export type { RunnerAuthorization };

export interface AuthorizationRequest {
  keyid: string;
  asOf: string;
  mode: RunMode;
  purpose: 'start' | 'verify';
  /** Wall clock in epoch ms; absent: no future-skew or wall-clock window check. */
  now?: number;
}

export type AuthorizationResult =
  { ok: true; key: TrustedKey; authorization: RunnerAuthorization } | { ok: false; code: AuthorizationCode; message: string; hint: string };

function refuse(code: AuthorizationCode, message: string, hint: string): AuthorizationResult {
  return { ok: false, code, message, hint };
}

const LIST_IT =
  "List the runner's G… key in policies/trust.yaml with roles [runner], status active and a window covering the run (`pcq keys generate` makes a key).";

export function authorizeRunner(trust: TrustStore, req: AuthorizationRequest): AuthorizationResult {
  const counted = trust.keys.filter((k) => k.publicKey === req.keyid && (req.mode === 'dev' || !k.devOverlay));
  if (counted.length === 0) {
    const overlayOnly = trust.keys.some((k) => k.publicKey === req.keyid);
    return refuse(
      'PCQ_KEY_UNKNOWN',
      overlayOnly
        ? `runner key ${req.keyid} is listed only in the dev overlay, which counts in dev mode only, not in ${req.mode}`
        : `runner key ${req.keyid} is not listed in the trust store`,
      LIST_IT,
    );
  }
  const revoked = counted.find((k) => k.status === 'revoked');
  if (revoked)
    return refuse(
      'PCQ_KEY_REVOKED',
      `runner key ${req.keyid} (${revoked.name}) is revoked in ${describeSource(revoked)}: nothing it signs is trusted`,
      'Use another runner key: set RUNNER_SECRET to the S… seed of an active runner key.',
    );
  const runners = counted.filter((k) => k.roles.includes('runner'));
  if (runners.length === 0)
    return refuse(
      'PCQ_KEY_ROLE_MISSING',
      `key ${req.keyid} (${counted[0]!.name}, ${describeSource(counted[0]!)}) is not trusted as a runner (roles: ${counted[0]!.roles.join(', ')})`,
      'Run with a key that has the runner role; a reviewer or verdict key may not sign runs.',
    );
  const eligible = req.purpose === 'start' ? runners.filter((k) => k.status === 'active') : runners;
  if (eligible.length === 0)
    return refuse(
      'PCQ_KEY_NOT_ACTIVE',
      `runner key ${req.keyid} (${runners[0]!.name}) is ${runners[0]!.status}: it verifies what it signed inside its window but may not start new runs`,
      'Switch RUNNER_SECRET to the active runner key that replaced it.',
    );
  const asOf = Date.parse(req.asOf);
  if (Number.isNaN(asOf))
    return refuse(
      'PCQ_KEY_NOT_VALID_AT',
      `"${req.asOf}" is not a timestamp, so the runner key's validity cannot be established`,
      'asOf must be an ISO-8601 time.',
    );
  if (req.now !== undefined && asOf > req.now + AS_OF_SKEW_MS) {
    return refuse(
      'PCQ_AS_OF_IN_FUTURE',
      `the run's asOf ${req.asOf} is later than the clock (${new Date(req.now).toISOString()}) by more than ${AS_OF_SKEW_MS / 60000} minutes`,
      "Pass an --as-of that is not in the future (default: now), or fix this machine's clock.",
    );
  }
  const atAsOf = eligible.filter((k) => inWindow(k, asOf));
  const window = (k: TrustedKey) => `valid from ${k.validFrom ?? 'the beginning'} until ${k.validUntil ?? 'further notice'}`;
  if (atAsOf.length === 0)
    return refuse(
      'PCQ_KEY_NOT_VALID_AT',
      `runner key ${req.keyid} (${eligible[0]!.name}) is ${window(eligible[0]!)}, not at the run's time ${req.asOf}`,
      "Run inside the key's window, or rotate to a key that is valid then.",
    );
  const key = req.purpose === 'start' && req.now !== undefined ? atAsOf.find((k) => inWindow(k, req.now!)) : atAsOf[0];
  if (!key)
    return refuse(
      'PCQ_KEY_NOT_VALID_AT',
      `runner key ${req.keyid} (${atAsOf[0]!.name}) is ${window(atAsOf[0]!)}, not now (${new Date(req.now!).toISOString()}), when it would sign`,
      'A key outside its window signs nothing, whatever asOf says; rotate to a current runner key.',
    );
  return { ok: true, key, authorization: authorizationRecord(key, req.asOf, req.mode) };
}

/** The signed record of a granted check: the trust entry that vouched, the time and the mode. */
export function authorizationRecord(key: TrustedKey, asOf: string, mode: RunMode): RunnerAuthorization {
  return {
    keyid: key.publicKey,
    keyName: key.name,
    source: key.source ?? 'trust store',
    devOverlay: key.devOverlay === true,
    ...(key.origin ? { origin: key.origin } : {}),
    role: 'runner',
    status: key.status === 'retired' ? 'retired' : 'active',
    validFrom: key.validFrom,
    validUntil: key.validUntil,
    checkedAt: asOf,
    mode,
  };
}
