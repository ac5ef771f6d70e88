// A remote signing service over HTTP (seed 001 "ServerOrchestratorWalletConnector": the key stays
// on the server). Contract, JSON over HTTP(S), bearer authentication on every call:
//   GET  <url>/public-key        → {"publicKey": "G…"}
//   POST <url>/sign {"message": base64} → {"signature": base64 (64 bytes)}
// Every returned signature is verified against the announced key before it is used, so a wrong
// or lying service yields a coded failure (PCQ_SIGNER_INVALID), never a manifest that fails later.
// The token is sent, never logged or put in an error message.
import { PcqError } from '../../base/errors.ts';
import { fromBase64, toBase64 } from '../../proof/bytes.ts';
import { nodeVerify } from '../../proof/ed25519-node.ts';
import { tryDecodeStrKey } from '../../proof/strkey.ts';
import type { Signer } from '../../base/signer.ts';
import { transportError } from '../boundary-errors.ts';

export interface RemoteSignerOptions {
  url: string;
  token: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export async function remoteSigner(options: RemoteSignerOptions): Promise<Signer> {
  const base = options.url.replace(/\/+$/, '');
  const call = async (path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const doFetch = options.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          authorization: `Bearer ${options.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw transportError('signer', `the remote signer ${base}${path}`, err);
    }
    const text = await response.text();
    if (response.status === 401 || response.status === 403) {
      throw new PcqError({
        code: 'PCQ_SIGNER_REFUSED',
        message: `the remote signer ${base} refused the credential (HTTP ${response.status})`,
        hint: 'Check PCQ_SIGNER_TOKEN (rotated or revoked?).',
        details: { status: response.status },
      });
    }
    if (response.status === 429 || response.status >= 500) {
      throw new PcqError({
        code: 'PCQ_SIGNER_UNAVAILABLE',
        message: `the remote signer ${base} answered HTTP ${response.status}`,
        hint: 'The signing service is busy or down; try again later.',
        details: { status: response.status },
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!response.ok || json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new PcqError({
        code: 'PCQ_SIGNER_INVALID',
        message: `the remote signer ${base}${path} answered HTTP ${response.status} without a JSON object`,
        hint: 'Check PCQ_SIGNER_URL points at a pcq signing service.',
      });
    }
    return json as Record<string, unknown>;
  };
  const announced = await call('/public-key');
  const keyid = typeof announced.publicKey === 'string' ? announced.publicKey : '';
  const publicKey = tryDecodeStrKey('public', keyid);
  if (!publicKey)
    throw new PcqError({
      code: 'PCQ_SIGNER_INVALID',
      message: `the remote signer ${base} announced no G… public key`,
      hint: 'The service must answer GET /public-key with {"publicKey": "G…"}.',
    });
  return {
    keyid,
    async sign(message) {
      const answer = await call('/sign', { message: toBase64(message) });
      const signature = typeof answer.signature === 'string' ? fromBase64(answer.signature) : undefined;
      if (!signature || signature.length !== 64 || !(await nodeVerify(publicKey, message, signature))) {
        throw new PcqError({
          code: 'PCQ_SIGNER_INVALID',
          message: `the remote signer ${base} returned a signature that does not verify under ${keyid}`,
          hint: 'The service signs with another key than it announces, or altered the message; do not use it.',
        });
      }
      return signature;
    },
  };
}
