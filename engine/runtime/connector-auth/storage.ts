// Where a connector's tokens live between calls (seed 001 "Storage Adapters"): in memory for one
// process, or in a JSON file (0600, written atomically under a lock whose abandoned holder is
// detected, store/lock.ts) so a restarted pcq reuses its session instead of authenticating again.
// File format (one file per connector, FORMATS-style, documented in docs/operations.md):
//   {"version": 1, "tokens": {"accessToken", "expiresAt" (ms since epoch), "refreshHandle"} | null,
//    "usedHandles": ["sha256:…", …]}   usedHandles: digests of refresh handles already spent (replay guard)
import { readFile } from 'node:fs/promises';
import { PcqError } from '../../base/errors.ts';
import { writeFileAtomic } from '../../store/atomic-write.ts';
import { withLock } from '../../store/lock.ts';

export interface TokenBundle {
  accessToken: string;
  expiresAt: number; // ms since epoch
  refreshHandle?: string;
}

export interface StoredSession {
  tokens: TokenBundle | null;
  usedHandles: string[];
}

export interface StorageAdapter {
  get(): Promise<StoredSession>;
  /** Read-modify-write under the adapter's lock, so two processes never interleave updates. */
  update(fn: (current: StoredSession) => StoredSession): Promise<StoredSession>;
}

const EMPTY: StoredSession = { tokens: null, usedHandles: [] };
const MAX_USED = 1000;

export class MemoryStorageAdapter implements StorageAdapter {
  private value: StoredSession = EMPTY;
  async get(): Promise<StoredSession> {
    return this.value;
  }
  async update(fn: (current: StoredSession) => StoredSession): Promise<StoredSession> {
    this.value = trim(fn(this.value));
    return this.value;
  }
}

export class FileStorageAdapter implements StorageAdapter {
  private readonly path: string;
  private readonly lockWaitMs: number;
  constructor(path: string, lockWaitMs = 10_000) {
    this.path = path;
    this.lockWaitMs = lockWaitMs;
  }

  async get(): Promise<StoredSession> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY;
      throw err;
    }
    return parseSession(text, this.path);
  }

  async update(fn: (current: StoredSession) => StoredSession): Promise<StoredSession> {
    return withLock(
      `${this.path}.lock`,
      this.lockWaitMs,
      {
        code: 'PCQ_TOKEN_CACHE_LOCKED',
        message: `the token cache ${this.path} is locked by another pcq process`,
        hint: 'Wait for it to finish, then try again.',
      },
      async () => {
        const next = trim(fn(await this.get()));
        await writeFileAtomic(this.path, JSON.stringify({ version: 1, ...next }) + '\n', 0o600);
        return next;
      },
    );
  }
}

function trim(s: StoredSession): StoredSession {
  return { tokens: s.tokens, usedHandles: s.usedHandles.slice(-MAX_USED) };
}

/** A hostile or damaged cache file is not trusted: it reads as empty-but-invalid, never as tokens. */
function parseSession(text: string, path: string): StoredSession {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  const o = v as { version?: unknown; tokens?: unknown; usedHandles?: unknown } | undefined;
  const t = o?.tokens as Partial<TokenBundle> | null | undefined;
  const tokensOk =
    t === null ||
    (typeof t === 'object' &&
      t !== undefined &&
      typeof t.accessToken === 'string' &&
      typeof t.expiresAt === 'number' &&
      (t.refreshHandle === undefined || typeof t.refreshHandle === 'string'));
  if (!o || o.version !== 1 || !tokensOk || !Array.isArray(o.usedHandles) || !o.usedHandles.every((h) => typeof h === 'string')) {
    throw new PcqError({
      code: 'PCQ_TOKEN_CACHE_INVALID',
      message: `the token cache ${path} is not a pcq token cache (version 1)`,
      hint: 'Delete it; the connector authenticates again.',
    });
  }
  return { tokens: (t as TokenBundle | null) ?? null, usedHandles: o.usedHandles as string[] };
}
