// A live connector call carries its bearer token (CONNECTOR_<NAME>_TOKEN), and the recording the
// run keeps never holds it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHttpPort } from '../http-port.ts';
import { parseConnectors } from '../connectors.ts';

test('bearer auth: the header is sent from CONNECTOR_<NAME>_TOKEN and never recorded; a missing token is PCQ_SECRET_MISSING', async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const connectors = parseConnectors(
      `connectors:\n  - name: crm-api\n    baseUrl: ${base}\n    mode: live\n    auth: { type: bearer }\n    retry: { attempts: 1 }\n`,
    );
    const port = createHttpPort({ mode: 'live', connectors, env: { CONNECTOR_CRM_API_TOKEN: 'tok-93ab71c4d2' } });
    const out = await port.call('crm-api', { method: 'GET', path: '/x' }, new AbortController().signal);
    assert.equal(out.status, 200);
    assert.deepEqual(seen, ['Bearer tok-93ab71c4d2']);
    assert.ok(!JSON.stringify(out.recording).includes('tok-93ab71c4d2'));
    const missing = createHttpPort({ mode: 'live', connectors, env: {} });
    await assert.rejects(
      missing.call('crm-api', { method: 'GET', path: '/x' }, new AbortController().signal),
      (err: { code?: string; message: string }) => err.code === 'PCQ_SECRET_MISSING' && /CONNECTOR_CRM_API_TOKEN/.test(err.message),
    );
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
