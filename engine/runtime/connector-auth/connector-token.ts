// How a live connector call gets its bearer token (policies/connectors.yaml `auth`):
//   {type: bearer}                      CONNECTOR_<NAME>_TOKEN, as is
//   {type: challenge, url, credentialEnv, cacheFile?}
//                                       the challenge → exchange → refresh flow of auth-client.ts,
//                                       signed by the runner's signer, tokens in memory or cacheFile
import { resolve } from 'node:path';
import { PcqError } from '../../base/errors.ts';
import type { Signer } from '../../base/signer.ts';
import type { Connector } from '../connectors.ts';
import { bearerToken } from './bearer.ts';
import { createAuthClient } from './auth-client.ts';
import { FileStorageAdapter, MemoryStorageAdapter } from './storage.ts';
import { TokenManager, type TokenEvent } from './token-manager.ts';

export type { TokenEvent } from './token-manager.ts';

export interface ConnectorAuthorization {
  token(): Promise<string>;
  /** The token was refused mid-run; only renewable tokens (challenge flow) are worth retrying. */
  invalidate(): Promise<void>;
  renewable: boolean;
}

export function connectorAuthorization(
  connector: Connector,
  deps: { env: Record<string, string | undefined>; rootDir: string; signer?: Signer; onEvent?: (e: TokenEvent) => void; fetch?: typeof fetch },
): ConnectorAuthorization {
  const auth = connector.auth;
  if (!auth || auth.type === 'bearer') return { token: async () => bearerToken(connector.name, deps.env), invalidate: async () => undefined, renewable: false };
  const credential = deps.env[auth.credentialEnv];
  if (credential === undefined || credential === '') {
    throw new PcqError({
      code: 'PCQ_SECRET_MISSING',
      message: `connector ${connector.name} needs its credential ${auth.credentialEnv}, which is not set`,
      hint: `Set ${auth.credentialEnv} from your secret store.`,
      details: { variable: auth.credentialEnv },
    });
  }
  if (!deps.signer)
    throw new PcqError({
      code: 'PCQ_SIGNER_INVALID',
      message: `connector ${connector.name} signs its auth challenge with the runner's signer, which was not given`,
      hint: "This is a wiring bug: pass the run's signer to the HTTP port.",
    });
  const manager = new TokenManager({
    connector: connector.name,
    client: createAuthClient({
      url: auth.url,
      credential,
      signer: deps.signer,
      connector: connector.name,
      now: () => Date.now(),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    }),
    storage: auth.cacheFile ? new FileStorageAdapter(resolve(deps.rootDir, auth.cacheFile)) : new MemoryStorageAdapter(),
    ...(deps.onEvent ? { onEvent: deps.onEvent } : {}),
  });
  return { token: () => manager.getAccessToken(), invalidate: () => manager.invalidate(), renewable: true };
}
