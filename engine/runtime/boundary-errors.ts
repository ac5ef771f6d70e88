// Typed errors at the runtime boundary (seed 001 "Errors": a discriminated union with type guards).
// Whatever a transport, signer or connector throws (a Node system error, a fetch TypeError, an
// AbortSignal timeout, a native PKCS#11 error) is mapped here into a catalogued PcqError whose
// `cause` keeps the original, so callers branch on the code (or the guards below) and a debug log
// can still show what really happened. Messages name what failed, never a credential.
import { PcqError, type PcqCode } from '../base/errors.ts';
import { ERROR_CATALOGUE } from '../base/error-catalogue.ts';

export type BoundaryKind = 'transport' | 'signer' | 'connector' | 'auth';

/** Errors raised before a connection existed: nothing reached the other side. */
const NO_CONNECTION = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

const UNREACHABLE: Record<BoundaryKind, PcqCode> = {
  transport: 'PCQ_HTTP_UNREACHABLE',
  signer: 'PCQ_SIGNER_UNAVAILABLE',
  connector: 'PCQ_HTTP_UNREACHABLE',
  auth: 'PCQ_AUTH_UNAVAILABLE',
};

/** The system error code of an error or of its cause chain (fetch wraps it in `cause`). */
export function systemCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('PCQ_')) return code;
  }
  return undefined;
}

/** Maps a thrown value from a network call into the catalogue; a PcqError passes through. */
export function transportError(kind: BoundaryKind, what: string, err: unknown): PcqError {
  if (err instanceof PcqError) return err;
  const name = (err as { name?: unknown } | null)?.name;
  const code = systemCode(err);
  const timedOut = name === 'TimeoutError' || code === 'ETIMEDOUT';
  if (name === 'AbortError') return new PcqError({ code: 'PCQ_ABORTED', message: `${what}: aborted by the caller` }, { cause: err });
  const reason = timedOut ? 'timed out' : (code ?? (err instanceof Error ? err.message : 'failed'));
  return new PcqError(
    {
      code: timedOut && kind !== 'signer' && kind !== 'auth' ? 'PCQ_HTTP_TIMEOUT' : UNREACHABLE[kind],
      message: `${what} could not be reached (${reason})`,
      hint: ERROR_CATALOGUE[UNREACHABLE[kind]].hint,
      details: { kind, ...(code ? { system: code } : {}), connected: !(timedOut || (code !== undefined && NO_CONNECTION.has(code))) ? 'maybe' : 'no' },
    },
    { cause: err },
  );
}

const hasCode =
  (codes: readonly PcqCode[]) =>
  (err: unknown): err is PcqError =>
    err instanceof PcqError && codes.includes(err.code);

/** A passing condition: the same call may succeed later (catalogue class transient). */
export function isTransient(err: unknown): err is PcqError {
  return err instanceof PcqError && ERROR_CATALOGUE[err.code].class === 'transient';
}
export const isCredentialRevoked = hasCode(['PCQ_AUTH_REVOKED']);
export const isReauthenticationRequired = hasCode(['PCQ_AUTH_REAUTH_REQUIRED']);
export const isRefreshFailed = hasCode(['PCQ_AUTH_REFRESH_FAILED', 'PCQ_AUTH_REPLAYED_HANDLE']);
export const isSignerError = hasCode([
  'PCQ_SIGNER_UNAVAILABLE',
  'PCQ_SIGNER_REFUSED',
  'PCQ_SIGNER_INVALID',
  'PCQ_KEY_FILE_PERMISSIONS',
  'PCQ_PKCS11_UNAVAILABLE',
]);
export const isTransportError = hasCode([
  'PCQ_HTTP_UNREACHABLE',
  'PCQ_HTTP_TIMEOUT',
  'PCQ_SIGNER_UNAVAILABLE',
  'PCQ_AUTH_UNAVAILABLE',
  'PCQ_NOTIFY_UNAVAILABLE',
]);
