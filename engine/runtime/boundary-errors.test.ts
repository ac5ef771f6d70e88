// Item 8 of issue 13: errors from transports, signers and connectors map into the catalogue with
// their cause kept, and the type guards tell callers what happened. Each case is provoked for real
// against 127.0.0.1 (a closed port, a server that never answers) or the file system.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PcqError } from '../base/errors.ts';
import { ERROR_CATALOGUE } from '../base/error-catalogue.ts';
import {
  isCredentialRevoked,
  isReauthenticationRequired,
  isRefreshFailed,
  isSignerError,
  isTransient,
  isTransportError,
  systemCode,
  transportError,
} from './boundary-errors.ts';
import { createHttpPort } from './http-port.ts';
import { parseConnectors } from './connectors.ts';
import { remoteSigner } from './signers/remote.ts';
import { keyFileSigner } from './signers/key-file.ts';
import { createAuthClient } from './connector-auth/auth-client.ts';
import { nodeSigner } from '../proof/ed25519-node.ts';

const servers: Server[] = [];
let dir = '';
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function silentServer(): Promise<number> {
  const s = createServer(() => undefined);
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

async function thrown(p: Promise<unknown>): Promise<PcqError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof PcqError, `a PcqError, got ${String(err)}`);
    assert.ok(err.code in ERROR_CATALOGUE, `${err.code} is catalogued`);
    return err;
  }
  return assert.fail('expected a rejection');
}

const connector = (port: number) =>
  parseConnectors(`connectors:\n  - name: svc\n    baseUrl: http://127.0.0.1:${port}\n    mode: live\n    timeout: 300ms\n    retry: { attempts: 1 }\n`);

test('transport: a refused connection and a timeout become PCQ_HTTP_UNREACHABLE / PCQ_HTTP_TIMEOUT, transient, cause kept', async () => {
  const refused = await thrown(
    createHttpPort({ mode: 'live', connectors: connector(await closedPort()) }).call('svc', { method: 'GET', path: '/' }, new AbortController().signal),
  );
  assert.equal(refused.code, 'PCQ_HTTP_UNREACHABLE');
  assert.ok(isTransportError(refused) && isTransient(refused));
  assert.equal(systemCode(refused.cause), 'ECONNREFUSED', 'the system error is reachable through cause');
  const slow = await thrown(
    createHttpPort({ mode: 'live', connectors: connector(await silentServer()) }).call('svc', { method: 'GET', path: '/' }, new AbortController().signal),
  );
  assert.equal(slow.code, 'PCQ_HTTP_TIMEOUT');
  assert.equal((slow.cause as Error).name, 'TimeoutError');
  assert.ok(isTransportError(slow) && !isSignerError(slow));
});

test('signer: an unreachable remote signer, a missing or world-readable key file: coded, guarded, cause kept, no token', async () => {
  const token = `sig-tok-${randomBytes(8).toString('hex')}`;
  const down = await thrown(remoteSigner({ url: `http://127.0.0.1:${await closedPort()}`, token }));
  assert.equal(down.code, 'PCQ_SIGNER_UNAVAILABLE');
  assert.ok(isSignerError(down) && isTransportError(down) && isTransient(down));
  assert.equal(systemCode(down.cause), 'ECONNREFUSED');
  assert.ok(!down.message.includes(token));
  const silent = await thrown(remoteSigner({ url: `http://127.0.0.1:${await silentServer()}`, token, timeoutMs: 300 }));
  assert.equal(silent.code, 'PCQ_SIGNER_UNAVAILABLE');
  assert.equal((silent.cause as Error).name, 'TimeoutError');

  dir = await mkdtemp(join(tmpdir(), 'pcq-boundary-'));
  const missing = await thrown(keyFileSigner(join(dir, 'absent.key')));
  assert.equal(missing.code, 'PCQ_SECRET_MISSING');
  assert.equal((missing.cause as NodeJS.ErrnoException).code, 'ENOENT');
  const file = join(dir, 'runner.key');
  await writeFile(file, 'S'.padEnd(56, 'A'));
  await chmod(file, 0o644);
  const open = await thrown(keyFileSigner(file));
  assert.equal(open.code, 'PCQ_KEY_FILE_PERMISSIONS');
  assert.ok(isSignerError(open));
  assert.equal(isTransient(open), false);
});

test('connector auth: an unreachable auth server is PCQ_AUTH_UNAVAILABLE with its cause; the auth guards tell the codes apart', async () => {
  const client = createAuthClient({
    url: `http://127.0.0.1:${await closedPort()}/auth`,
    credential: 'cred-0123456789',
    signer: nodeSigner(new Uint8Array(randomBytes(32))),
    connector: 'svc',
    now: () => Date.now(),
  });
  const down = await thrown(client.authenticate());
  assert.equal(down.code, 'PCQ_AUTH_UNAVAILABLE');
  assert.ok(isTransportError(down) && isTransient(down));
  assert.equal(isCredentialRevoked(new Error('x')), false);
  assert.equal(systemCode(down.cause), 'ECONNREFUSED');
  assert.ok(!down.message.includes('cred-0123456789'));
  const mk = (code: 'PCQ_AUTH_REVOKED' | 'PCQ_AUTH_REAUTH_REQUIRED' | 'PCQ_AUTH_REPLAYED_HANDLE') => new PcqError({ code, message: code });
  assert.deepEqual(
    [mk('PCQ_AUTH_REVOKED'), mk('PCQ_AUTH_REAUTH_REQUIRED'), mk('PCQ_AUTH_REPLAYED_HANDLE')].map((e) => [
      isCredentialRevoked(e),
      isReauthenticationRequired(e),
      isRefreshFailed(e),
    ]),
    [
      [true, false, false],
      [false, true, false],
      [false, false, true],
    ],
  );
  assert.equal(isTransportError(new Error('plain')), false);
});

test('transportError: a PcqError passes through unchanged; an abort is PCQ_ABORTED; the cause is the original', () => {
  const original = new PcqError({ code: 'PCQ_AUTH_REVOKED', message: 'revoked' });
  assert.equal(transportError('auth', 'x', original), original);
  const abort = new DOMException('stopped', 'AbortError');
  const aborted = transportError('transport', 'the service', abort);
  assert.equal(aborted.code, 'PCQ_ABORTED');
  assert.equal(aborted.cause, abort);
  const sys = Object.assign(new Error('connect EHOSTUNREACH'), { code: 'EHOSTUNREACH' });
  const mapped = transportError('connector', 'the service', new TypeError('fetch failed', { cause: sys }));
  assert.deepEqual([mapped.code, mapped.details?.system, mapped.details?.connected], ['PCQ_HTTP_UNREACHABLE', 'EHOSTUNREACH', 'no']);
  assert.equal(systemCode(mapped), 'EHOSTUNREACH');
});
