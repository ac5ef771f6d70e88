// Issue 13 item 5 through the real CLI: a `pcq run` whose external_api steps call a live connector
// with `auth: {type: challenge}` against a loopback auth + API server (127.0.0.1). The server hands
// out tokens valid 33 s, so with the 30 s refresh window each token is usable for 3 s; each API call
// takes 3.5 s. Wave 1 (20 steps at once) authenticates once (challenge → exchange, single-flight);
// wave 2 (20 steps at once, after wave 1) finds the token inside the window and refreshes ONCE for
// all 20 (refresh-before-expiry, single-flight); the server never sees an expired token. Then the
// credential is revoked mid-run: the last step's refresh is refused, the step fails with
// PCQ_AUTH_REVOKED, the token events are printed and logged, and the run is sealed and verifies.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { appendFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSampleRoot } from '../testing/sample-root.ts';
import { runPcq } from '../testing/pcq-cli.ts';
import { nodeVerify } from '../proof/ed25519-node.ts';
import { decodeStrKey } from '../proof/strkey.ts';
import { fromBase64, utf8 } from '../proof/bytes.ts';
import { CHALLENGE_PREFIX } from '../runtime/connector-auth/auth-client.ts';

const CREDENTIAL = 'api-cred-4f1d9c7be2a8';
const LIFETIME_S = 33;
const API_DELAY_MS = 3500;
let server: Server | undefined;
let root = '';
after(async () => {
  server?.closeAllConnections();
  if (server) await new Promise((r) => server!.close(r));
  if (root) await rm(root, { recursive: true, force: true });
});

function authAndApi() {
  const counts = { challenge: 0, exchange: 0, refresh: 0, refreshRefused: 0, data: 0, expiredSeen: 0, badToken: 0 };
  const challenges = new Map<string, string>();
  const tokens = new Map<string, number>();
  const handles = new Map<string, 'live' | 'spent'>();
  const state = { revoked: false, keyids: new Set<string>() };
  const issue = () => {
    const accessToken = `at-${randomBytes(12).toString('hex')}`;
    const refreshHandle = `rh-${randomBytes(12).toString('hex')}`;
    tokens.set(accessToken, Date.now() + LIFETIME_S * 1000);
    handles.set(refreshHandle, 'live');
    return { accessToken, expiresIn: LIFETIME_S, refreshHandle };
  };
  const send = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const srv = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const body = (raw ? JSON.parse(raw) : {}) as Record<string, string>;
      switch (req.url) {
        case '/auth/challenge': {
          counts.challenge++;
          if (body.credential !== CREDENTIAL) return send(res, 401, { error: 'unknown credential' });
          if (state.revoked) return send(res, 401, { error: 'revoked' });
          const id = randomBytes(6).toString('hex');
          challenges.set(id, randomBytes(16).toString('hex'));
          return send(res, 200, { challengeId: id, nonce: challenges.get(id) });
        }
        case '/auth/exchange': {
          counts.exchange++;
          const nonce = challenges.get(body.challengeId!);
          challenges.delete(body.challengeId!);
          state.keyids.add(body.keyid!);
          void nodeVerify(decodeStrKey('public', body.keyid!), utf8(CHALLENGE_PREFIX + (nonce ?? '')), fromBase64(body.signature!) ?? new Uint8Array()).then(
            (ok) => (ok && nonce ? send(res, 200, issue()) : send(res, 401, { error: 'bad signature' })),
          );
          return;
        }
        case '/auth/refresh': {
          counts.refresh++;
          if (state.revoked) return (counts.refreshRefused++, send(res, 401, { error: 'revoked' }));
          const h = handles.get(body.refreshHandle!);
          if (h !== 'live') return (counts.refreshRefused++, send(res, 401, { error: h === 'spent' ? 'replayed' : 'reauthenticate' }));
          handles.set(body.refreshHandle!, 'spent');
          return send(res, 200, issue());
        }
        default: {
          const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '');
          const expiresAt = tokens.get(token);
          if (expiresAt === undefined) return (counts.badToken++, send(res, 401, { error: 'unknown token' }));
          if (expiresAt <= Date.now()) return (counts.expiredSeen++, send(res, 401, { error: 'expired' }));
          counts.data++;
          // After both waves the operator revokes the credential: mid-run, before the last step.
          if (counts.data === 40) state.revoked = true;
          setTimeout(() => send(res, 200, { ok: true, n: counts.data }), API_DELAY_MS);
        }
      }
    });
  });
  return { srv, counts, state };
}

function runbook(): string {
  // Wave 1 says `needs: []`: a step without `needs` depends on the one listed before it.
  const wave = (w: number, needs: string[]) =>
    Array.from({ length: 20 }, (_, i) => {
      const id = `w${w}-${String(i + 1).padStart(2, '0')}`;
      return `  - stepId: ${id}\n    type: external_api\n    connector: api\n    path: /data/${id}\n    method: GET\n    private: false\n    needs: [${needs.join(', ')}]\n`;
    }).join('');
  const wave1 = Array.from({ length: 20 }, (_, i) => `w1-${String(i + 1).padStart(2, '0')}`);
  const wave2 = wave1.map((id) => id.replace('w1-', 'w2-'));
  return [
    'runbookId: TOKEN-FLOW',
    'name: Token flow',
    'version: "1.0"',
    'description: Two waves of 20 concurrent calls through a challenge-authenticated connector, then a revoked credential.',
    'steps:',
    wave(1, []).trimEnd(),
    wave(2, wave1).trimEnd(),
    `  - stepId: after-revoke\n    type: external_api\n    connector: api\n    path: /data/after-revoke\n    method: GET\n    private: false\n    needs: [${wave2.join(', ')}]`,
    '',
  ].join('\n');
}

test(
  'a real run: 20 concurrent callers share one authentication and one refresh before expiry; a revoked credential fails the step, coded, sealed, verified',
  { timeout: 240_000 },
  async () => {
    const api = authAndApi();
    server = api.srv;
    await new Promise<void>((r) => api.srv.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(api.srv.address() as AddressInfo).port}`;
    root = await makeSampleRoot('pcq-token-flow-');
    await appendFile(
      join(root, 'policies/connectors.yaml'),
      `  - name: api\n    baseUrl: ${base}\n    mode: live\n    timeout: 20s\n    retry: { attempts: 1 }\n    auth: { type: challenge, url: ${base}/auth, credentialEnv: CONNECTOR_API_CREDENTIAL }\n`,
    );
    await writeFile(join(root, 'runbooks/token-flow.yaml'), runbook());
    const r = await runPcq(root, { CONNECTOR_API_CREDENTIAL: CREDENTIAL, PCQ_LOG_LEVEL: 'info' }, 'run', 'runbooks/token-flow.yaml', '--concurrency', '20');
    const out = r.stdout + r.stderr;
    assert.equal(r.code, 1, out);
    // Single-flight: one challenge + exchange for 20 callers, one refresh for the next 20, then the refused one.
    assert.deepEqual(
      { challenge: api.counts.challenge, exchange: api.counts.exchange, refresh: api.counts.refresh, refused: api.counts.refreshRefused },
      { challenge: 1, exchange: 1, refresh: 2, refused: 1 },
      out,
    );
    assert.equal(api.counts.data, 40, 'both waves reached the API');
    assert.equal(api.counts.expiredSeen + api.counts.badToken, 0, 'no call ever carried an expired or unknown token');
    // The token events drive the progress lines (stdout) and the log (stderr), with no token in them.
    assert.match(r.stdout, /connector api authenticated/);
    assert.match(r.stdout, /connector api refreshed its access before expiry/);
    assert.match(r.stdout, /connector api refresh failed: PCQ_AUTH_REVOKED/);
    assert.match(r.stdout, /connector api credential revoked/);
    assert.match(r.stdout, /✗ after-revoke failed after 1 attempt .*PCQ_AUTH_REVOKED/);
    assert.match(r.stderr, /"event":"token-refreshed","connector":"api","expiresAt"/);
    assert.match(r.stderr, /"event":"credential-revoked","connector":"api"/);
    assert.ok(!/at-[0-9a-f]{24}|rh-[0-9a-f]{24}/.test(out), 'no access token or refresh handle printed');
    assert.ok(!out.includes(CREDENTIAL), 'the credential is not printed');
    // Sealed and verifiable like any other run.
    const manifest = /manifest: (\S+)/.exec(r.stdout)?.[1];
    assert.ok(manifest, r.stdout);
    const verified = await runPcq(root, {}, 'verify', manifest);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  },
);
