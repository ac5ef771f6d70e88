// A connector's token manager (seed 001 "TokenManager"): hands out an access token, refreshing it
// 30 s before it expires, with one refresh in flight however many callers ask at once
// (single-flight), falling back to a fresh challenge when the server asks for it, and refusing to
// send a refresh handle it has already spent (replay guard: digests of spent handles are kept in
// the storage adapter, so the guard survives restarts). Events are typed and carry no token.
import { PcqError } from '../../base/errors.ts';
import { digestOf } from '../../proof/digest.ts';
import type { AuthClient } from './auth-client.ts';
import type { StorageAdapter, TokenBundle } from './storage.ts';

export const REFRESH_WINDOW_MS = 30_000;

export type TokenEvent =
  | { type: 'authenticated'; connector: string; expiresAt: string }
  | { type: 'token refreshed'; connector: string; expiresAt: string }
  | { type: 'refresh failed'; connector: string; code: string }
  | { type: 'credential revoked'; connector: string }
  | { type: 're-authentication required'; connector: string; reason: string };

export interface TokenManagerOptions {
  connector: string;
  client: AuthClient;
  storage: StorageAdapter;
  now?: () => number;
  refreshWindowMs?: number;
  onEvent?: (event: TokenEvent) => void;
}

export class TokenManager {
  private readonly o: Required<Omit<TokenManagerOptions, 'onEvent'>> & Pick<TokenManagerOptions, 'onEvent'>;
  private inflight: Promise<TokenBundle> | undefined;
  private revoked = false;

  constructor(options: TokenManagerOptions) {
    this.o = { now: () => Date.now(), refreshWindowMs: REFRESH_WINDOW_MS, ...options };
  }

  /** A token valid for at least the refresh window; concurrent callers share one refresh. */
  async getAccessToken(): Promise<string> {
    if (this.revoked) throw this.revokedError();
    const cached = (await this.o.storage.get()).tokens;
    if (cached && cached.expiresAt - this.o.now() > this.o.refreshWindowMs) return cached.accessToken;
    this.inflight ??= this.renew(cached).finally(() => {
      this.inflight = undefined;
    });
    return (await this.inflight).accessToken;
  }

  /** The server refused the token mid-run (HTTP 401): forget it so the next call renews. */
  async invalidate(): Promise<void> {
    await this.o.storage.update((s) => ({ ...s, tokens: s.tokens ? { ...s.tokens, expiresAt: 0 } : null }));
  }

  private async renew(cached: TokenBundle | null): Promise<TokenBundle> {
    const handle = cached?.refreshHandle;
    if (handle !== undefined) {
      const spent = digestOf(handle);
      if ((await this.o.storage.get()).usedHandles.includes(spent)) {
        // Never send a handle twice: a replayed handle is how a stolen session shows itself.
        this.emit({ type: 'refresh failed', connector: this.o.connector, code: 'PCQ_AUTH_REPLAYED_HANDLE' });
        await this.o.storage.update((s) => ({ ...s, tokens: null }));
        throw new PcqError({
          code: 'PCQ_AUTH_REPLAYED_HANDLE',
          message: `connector ${this.o.connector}: the cached refresh handle was already used once; pcq does not send it again`,
        });
      }
      await this.o.storage.update((s) => ({ ...s, usedHandles: [...s.usedHandles, spent] }));
      try {
        const next = await this.o.client.refresh(handle);
        if (next.refreshHandle === handle)
          throw new PcqError({
            code: 'PCQ_AUTH_REPLAYED_HANDLE',
            message: `connector ${this.o.connector}: the auth server returned the same refresh handle again`,
          });
        await this.store(next);
        this.emit({ type: 'token refreshed', connector: this.o.connector, expiresAt: new Date(next.expiresAt).toISOString() });
        return next;
      } catch (err) {
        const code = (err as { code?: string }).code ?? 'PCQ_AUTH_REFRESH_FAILED';
        this.emit({ type: 'refresh failed', connector: this.o.connector, code });
        if (code === 'PCQ_AUTH_REVOKED') return this.revoke(err);
        if (code !== 'PCQ_AUTH_REAUTH_REQUIRED') {
          await this.o.storage.update((s) => ({ ...s, tokens: null }));
          throw err;
        }
        this.emit({ type: 're-authentication required', connector: this.o.connector, reason: 'the auth server ended the session' });
      }
    }
    try {
      const fresh = await this.o.client.authenticate();
      await this.store(fresh);
      this.emit({ type: 'authenticated', connector: this.o.connector, expiresAt: new Date(fresh.expiresAt).toISOString() });
      return fresh;
    } catch (err) {
      if ((err as { code?: string }).code === 'PCQ_AUTH_REVOKED') return this.revoke(err);
      throw err;
    }
  }

  private async store(tokens: TokenBundle): Promise<void> {
    await this.o.storage.update((s) => ({ ...s, tokens }));
  }

  private async revoke(cause: unknown): Promise<never> {
    this.revoked = true;
    await this.o.storage.update((s) => ({ ...s, tokens: null }));
    this.emit({ type: 'credential revoked', connector: this.o.connector });
    throw this.revokedError(cause);
  }

  private revokedError(cause?: unknown): PcqError {
    return new PcqError(
      { code: 'PCQ_AUTH_REVOKED', message: `connector ${this.o.connector}: the credential is revoked; nothing more is sent with it` },
      cause === undefined ? undefined : { cause },
    );
  }

  private emit(event: TokenEvent): void {
    this.o.onEvent?.(event);
  }
}
