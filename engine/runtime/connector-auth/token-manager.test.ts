// The connector token flow against a loopback auth server (issue 13 acceptance): refresh 30 s
// before expiry, one refresh for 20 concurrent callers, expiry during a run, a replayed refresh
// handle refused (by the server, and by pcq itself after a restart), a credential revoked mid-run,
// a file cache that survives restarts, and events that never carry a token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createAuthClient, CHALLENGE_PREFIX } from './auth-client.ts';
import { FileStorageAdapter, MemoryStorageAdapter, type StorageAdapter } from './storage.ts';
import { TokenManager, type TokenEvent } from './token-manager.ts';
import { nodeSigner, nodeVerify } from '../../proof/ed25519-node.ts';
import { decodeStrKey } from '../../proof/strkey.ts';
import { fromBase64, utf8 } from '../../proof/bytes.ts';
import { isCredentialRevoked } from '../boundary-errors.ts';

const CREDENTIAL = 'cred-7c1f3e9a2b';
const signer = nodeSigner(new Uint8Array(randomBytes(32)));

/** A loopback auth server with its own clock (shared with the manager), one-time refresh handles and revocation. */
async function authServer(clock: { now: number }) {
  const counts = { challenge: 0, exchange: 0, refresh: 0, data: 0, expiredSeen: 0 };
  const challenges = new Map<string, string>();
  const tokens = new Map<string, number>(); // accessToken → expiresAt
  const handles = new Map<string, 'live' | 'spent'>();
  let revoked = false;
  const issue = () => {
    const accessToken = `at-${randomBytes(12).toString('hex')}`;
    const refreshHandle = `rh-${randomBytes(12).toString('hex')}`;
    tokens.set(accessToken, clock.now + 60_000);
    handles.set(refreshHandle, 'live');
    return { accessToken, expiresIn: 60, refreshHandle };
  };
  const send = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, string>) : {};
      if (req.url === '/auth/challenge') {
        counts.challenge++;
        if (body.credential !== CREDENTIAL) return send(res, 401, { error: 'unknown credential' });
        if (revoked) return send(res, 401, { error: 'revoked' });
        const id = randomBytes(6).toString('hex');
        challenges.set(id, randomBytes(16).toString('hex'));
        return send(res, 200, { challengeId: id, nonce: challenges.get(id) });
      }
      if (req.url === '/auth/exchange') {
        counts.exchange++;
        const nonce = challenges.get(body.challengeId!);
        challenges.delete(body.challengeId!);
        void nodeVerify(decodeStrKey('public', body.keyid!), utf8(CHALLENGE_PREFIX + (nonce ?? '')), fromBase64(body.signature!) ?? new Uint8Array()).then(
          (ok) => (ok && nonce ? send(res, 200, issue()) : send(res, 401, { error: 'bad signature' })),
        );
        return;
      }
      if (req.url === '/auth/refresh') {
        counts.refresh++;
        if (revoked) return send(res, 401, { error: 'revoked' });
        const state = handles.get(body.refreshHandle!);
        if (state === 'spent') return send(res, 401, { error: 'replayed' });
        if (state !== 'live') return send(res, 401, { error: 'reauthenticate' });
        handles.set(body.refreshHandle!, 'spent');
        return send(res, 200, issue());
      }
      if (req.url === '/data') {
        counts.data++;
        const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        const exp = tokens.get(token);
        if (exp === undefined || exp <= clock.now) {
          counts.expiredSeen++;
          return send(res, 401, { error: 'expired' });
        }
        return send(res, 200, { ok: true });
      }
      send(res, 404, {});
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    counts,
    revoke: () => {
      revoked = true;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function setup(clock: { now: number }, url: string, storage: StorageAdapter = new MemoryStorageAdapter()) {
  const events: TokenEvent[] = [];
  const client = createAuthClient({ url: `${url}/auth`, credential: CREDENTIAL, signer, connector: 'crm', now: () => clock.now });
  const manager = new TokenManager({ connector: 'crm', client, storage, now: () => clock.now, onEvent: (e) => events.push(e) });
  return { manager, events, storage };
}

test('refresh 30 s before expiry, one refresh for 20 concurrent callers, and no expired token during a run', async () => {
  const clock = { now: Date.UTC(2026, 11, 6, 12) };
  const server = await authServer(clock);
  try {
    const { manager, events } = setup(clock, server.url);
    const first = await manager.getAccessToken();
    assert.deepEqual([server.counts.challenge, server.counts.exchange], [1, 1]);
    clock.now += 29_000; // 31 s left: still cached
    assert.equal(await manager.getAccessToken(), first);
    assert.equal(server.counts.refresh, 0);
    clock.now += 2_000; // 29 s left: inside the window → refresh
    const tokens = await Promise.all(Array.from({ length: 20 }, () => manager.getAccessToken()));
    assert.equal(server.counts.refresh, 1, '20 concurrent callers share one refresh');
    assert.equal(new Set(tokens).size, 1);
    assert.notEqual(tokens[0], first);
    // A run of 12 calls, 15 s apart (3 minutes, three token lifetimes): never an expired token.
    for (let i = 0; i < 12; i++) {
      clock.now += 15_000;
      const token = await manager.getAccessToken();
      const res = await fetch(`${server.url}/data`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200, `call ${i}`);
    }
    assert.equal(server.counts.expiredSeen, 0);
    assert.ok(server.counts.refresh >= 4);
    assert.deepEqual([...new Set(events.map((e) => e.type))], ['authenticated', 'token refreshed']);
    assert.ok(!JSON.stringify(events).includes(first) && !JSON.stringify(events).includes(tokens[0]!), 'events carry no token');
  } finally {
    await server.close();
  }
});

test('a replayed refresh handle is refused: by the server (stale copy), and by pcq itself after a restart', async () => {
  const clock = { now: Date.UTC(2026, 11, 6, 12) };
  const server = await authServer(clock);
  const dir = await mkdtemp(join(tmpdir(), 'pcq-tokens-'));
  try {
    const file = join(dir, 'crm.json');
    const a = setup(clock, server.url, new FileStorageAdapter(file));
    await a.manager.getAccessToken();
    assert.equal((await stat(file)).mode & 0o777, 0o600, 'the cache holds secrets: owner-only');
    const stale = await readFile(file, 'utf8'); // holds handle h1, not yet spent
    clock.now += 45_000;
    await a.manager.getAccessToken(); // spends h1, gets h2
    assert.equal(server.counts.refresh, 1);
    // A restarted pcq reuses the cached session (no new challenge).
    const restarted = setup(clock, server.url, new FileStorageAdapter(file));
    await restarted.manager.getAccessToken();
    assert.equal(server.counts.challenge, 1);
    // Server side: a copy of the old state (another machine) sends h1 again → refused as a replay.
    const copy = new MemoryStorageAdapter();
    await copy.update(() => {
      const s = JSON.parse(stale) as { tokens: { accessToken: string; expiresAt: number; refreshHandle: string } };
      return { tokens: s.tokens, usedHandles: [] };
    });
    const other = setup(clock, server.url, copy);
    await assert.rejects(other.manager.getAccessToken(), (err: { code?: string }) => err.code === 'PCQ_AUTH_REPLAYED_HANDLE');
    assert.equal(server.counts.refresh, 2);
    assert.deepEqual(
      other.events.map((e) => e.type),
      ['refresh failed'],
    );
    // pcq side: the file restored to the old handle after a restart; the spent-handle list survives, so h1 is never sent.
    const current = JSON.parse(await readFile(file, 'utf8')) as { usedHandles: string[] };
    await writeFile(file, JSON.stringify({ ...JSON.parse(stale), usedHandles: current.usedHandles }));
    const refreshes = server.counts.refresh;
    const guarded = setup(clock, server.url, new FileStorageAdapter(file));
    await assert.rejects(guarded.manager.getAccessToken(), (err: { code?: string }) => err.code === 'PCQ_AUTH_REPLAYED_HANDLE');
    assert.equal(server.counts.refresh, refreshes, 'the spent handle was not sent');
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a credential revoked mid-run: the next refresh fails as PCQ_AUTH_REVOKED, the event fires once, nothing more is sent', async () => {
  const clock = { now: Date.UTC(2026, 11, 6, 12) };
  const server = await authServer(clock);
  try {
    const { manager, events } = setup(clock, server.url);
    await manager.getAccessToken();
    server.revoke();
    clock.now += 40_000;
    await assert.rejects(manager.getAccessToken(), (err: unknown) => isCredentialRevoked(err));
    const calls = server.counts.refresh + server.counts.challenge;
    await assert.rejects(manager.getAccessToken(), (err: unknown) => isCredentialRevoked(err));
    assert.equal(server.counts.refresh + server.counts.challenge, calls, 'a revoked credential is not used again');
    assert.deepEqual(
      events.map((e) => e.type),
      ['authenticated', 'refresh failed', 'credential revoked'],
    );
  } finally {
    await server.close();
  }
});

test('an unknown refresh handle (server restarted) means re-authentication, announced by its event', async () => {
  const clock = { now: Date.UTC(2026, 11, 6, 12) };
  const server = await authServer(clock);
  try {
    const storage = new MemoryStorageAdapter();
    await storage.update(() => ({ tokens: { accessToken: 'old', expiresAt: clock.now + 1000, refreshHandle: 'rh-unknown' }, usedHandles: [] }));
    const { manager, events } = setup(clock, server.url, storage);
    await manager.getAccessToken();
    assert.deepEqual(
      events.map((e) => e.type),
      ['refresh failed', 're-authentication required', 'authenticated'],
    );
  } finally {
    await server.close();
  }
});
