// The challenge → exchange → refresh protocol of a connector's auth server (seed 001
// "AgentAuthClient"), JSON over HTTP(S):
//   POST <url>/challenge {credential}                         → {challengeId, nonce}
//   POST <url>/exchange  {challengeId, keyid, signature}      → {accessToken, expiresIn (s), refreshHandle}
//        signature = base64(Ed25519(utf8("pcq-auth-challenge:" + nonce))) by the configured signer
//   POST <url>/refresh   {refreshHandle}                      → {accessToken, expiresIn, refreshHandle (a new one)}
// Errors are {error: "revoked" | "replayed" | "reauthenticate" | …} with a 4xx status; they map to
// PCQ_AUTH_REVOKED, PCQ_AUTH_REPLAYED_HANDLE, PCQ_AUTH_REAUTH_REQUIRED, PCQ_AUTH_REFRESH_FAILED.
// No request or error message ever carries a token, handle or credential.
import { PcqError } from '../../base/errors.ts';
import { toBase64, utf8 } from '../../proof/bytes.ts';
import type { Signer } from '../../base/signer.ts';
import { transportError } from '../boundary-errors.ts';
import type { TokenBundle } from './storage.ts';

export const CHALLENGE_PREFIX = 'pcq-auth-challenge:';

export interface AuthClientOptions {
  url: string;
  credential: string;
  signer: Signer;
  connector: string;
  now: () => number;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export interface AuthClient {
  authenticate(): Promise<TokenBundle>;
  refresh(handle: string): Promise<TokenBundle>;
}

export function createAuthClient(o: AuthClientOptions): AuthClient {
  const base = o.url.replace(/\/+$/, '');
  const post = async (path: string, body: unknown, phase: 'authenticate' | 'refresh'): Promise<Record<string, unknown>> => {
    let response: Response;
    try {
      response = await (o.fetch ?? fetch)(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw transportError('auth', `the auth server of connector ${o.connector} (${base}${path})`, err);
    }
    let json: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(await response.text()) as unknown;
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
    } catch {
      /* a non-JSON answer is judged by its status */
    }
    if (response.ok) return json;
    const kind = typeof json.error === 'string' ? json.error : '';
    const who = `connector ${o.connector}: the auth server answered ${path.slice(1)} with HTTP ${response.status}`;
    if (response.status >= 500 || response.status === 429)
      throw new PcqError({ code: 'PCQ_AUTH_UNAVAILABLE', message: `${who}`, details: { status: response.status } });
    if (kind === 'revoked') throw new PcqError({ code: 'PCQ_AUTH_REVOKED', message: `${who}: the credential is revoked` });
    if (kind === 'replayed') throw new PcqError({ code: 'PCQ_AUTH_REPLAYED_HANDLE', message: `${who}: the refresh handle was already used` });
    if (phase === 'refresh')
      throw new PcqError({ code: 'PCQ_AUTH_REAUTH_REQUIRED', message: `${who}${kind ? ` (${kind.slice(0, 40)})` : ''}: the session must authenticate again` });
    throw new PcqError({ code: 'PCQ_AUTH_REFRESH_FAILED', message: `${who}${kind ? ` (${kind.slice(0, 40)})` : ''}` });
  };
  const bundle = (json: Record<string, unknown>, what: string): TokenBundle => {
    const { accessToken, expiresIn, refreshHandle } = json;
    if (
      typeof accessToken !== 'string' ||
      accessToken === '' ||
      typeof expiresIn !== 'number' ||
      !(expiresIn > 0) ||
      (refreshHandle !== undefined && typeof refreshHandle !== 'string')
    ) {
      throw new PcqError({
        code: 'PCQ_AUTH_REFRESH_FAILED',
        message: `connector ${o.connector}: the auth server's ${what} answer has no accessToken/expiresIn`,
      });
    }
    return { accessToken, expiresAt: o.now() + expiresIn * 1000, ...(typeof refreshHandle === 'string' ? { refreshHandle } : {}) };
  };
  return {
    async authenticate() {
      const challenge = await post('/challenge', { credential: o.credential }, 'authenticate');
      if (typeof challenge.challengeId !== 'string' || typeof challenge.nonce !== 'string') {
        throw new PcqError({ code: 'PCQ_AUTH_REFRESH_FAILED', message: `connector ${o.connector}: the auth server's challenge has no challengeId/nonce` });
      }
      const signature = await o.signer.sign(utf8(CHALLENGE_PREFIX + challenge.nonce));
      return bundle(
        await post('/exchange', { challengeId: challenge.challengeId, keyid: o.signer.keyid, signature: toBase64(signature) }, 'authenticate'),
        'exchange',
      );
    },
    async refresh(handle) {
      return bundle(await post('/refresh', { refreshHandle: handle }, 'refresh'), 'refresh');
    },
  };
}
