import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createHttpPort, recordingKey } from './http-port.ts';
import { parseConnectors, resolveConnector } from './connectors.ts';
import { PcqError, PcqErrors } from '../base/errors.ts';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse, hit: number) => void;

async function withServer(handler: Handler, fn: (baseUrl: string, hits: () => number) => Promise<void>): Promise<void> {
  let hits = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handler(req, body, res, ++hits));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    await fn(`http://127.0.0.1:${port}`, () => hits);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

function liveConnector(baseUrl: string, extra = ''): string {
  return `connectors:\n  - name: svc\n    baseUrl: ${baseUrl}\n    mode: live\n    timeout: 300ms\n    retry: { attempts: 3, backoff: [2s, 4s] }\n    headers: { Authorization: "Bearer \${env:SVC_TOKEN}", X-Client: pcq }\n${extra}`;
}

const signal = new AbortController().signal;
const fakeClock = () => {
  const slept: number[] = [];
  return { slept, clock: { sleep: async (ms: number) => void slept.push(ms) } };
};

test('live: POSTs JSON with the secret header, records the exchange without the secret', async () => {
  await withServer(
    (req, body, res) => {
      assert.equal(req.headers.authorization, 'Bearer s3cret');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify((JSON.parse(body) as Array<{ id: string }>).map((x) => ({ id: x.id, email: `${x.id}@x` }))));
    },
    async (baseUrl) => {
      const port = createHttpPort({ mode: 'live', connectors: parseConnectors(liveConnector(baseUrl)), env: { SVC_TOKEN: 's3cret' } });
      const out = await port.call('svc', { method: 'POST', path: '/enrich', body: [{ id: 'e1' }] }, signal);
      assert.equal(out.status, 200);
      assert.deepEqual(out.body, [{ id: 'e1', email: 'e1@x' }]);
      assert.equal(out.recording.key, recordingKey('svc', 'POST', '/enrich', [{ id: 'e1' }]));
      assert.equal(out.recording.request.url, `${baseUrl}/enrich`);
      assert.doesNotMatch(JSON.stringify(out.recording), /s3cret|authorization/i);
      assert.equal(out.recording.request.headers?.['X-Client'], 'pcq');
    },
  );
});

test('live: retries 503 then succeeds, waiting the configured backoff through the injected clock', async () => {
  await withServer(
    (_req, _body, res, hit) => {
      res.statusCode = hit < 3 ? 503 : 200;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ hit }));
    },
    async (baseUrl, hits) => {
      const { slept, clock } = fakeClock();
      const port = createHttpPort({ mode: 'live', connectors: parseConnectors(liveConnector(baseUrl)), env: { SVC_TOKEN: 't' }, clock });
      const out = await port.call('svc', { method: 'GET', path: 'status' }, signal);
      assert.deepEqual([out.status, out.body, hits()], [200, { hit: 3 }, 3]);
      assert.deepEqual(slept, [2000, 4000]);
    },
  );
});

test('live: a 5xx answer to a POST is returned at once: the server may have acted, so it is not repeated', async () => {
  await withServer(
    (_req, _body, res) => {
      res.statusCode = 503;
      res.end();
    },
    async (baseUrl, hits) => {
      const { slept, clock } = fakeClock();
      const port = createHttpPort({ mode: 'live', connectors: parseConnectors(liveConnector(baseUrl)), env: { SVC_TOKEN: 't' }, clock });
      const out = await port.call('svc', { method: 'POST', path: '/enrich', body: [{ id: 'e1' }] }, signal);
      assert.deepEqual([out.status, hits(), slept], [503, 1, []]);
    },
  );
});

test('live: 429 honours Retry-After; a 4xx is returned at once without retrying', async () => {
  await withServer(
    (req, _body, res, hit) => {
      if (req.url === '/limited' && hit === 1) {
        res.statusCode = 429;
        res.setHeader('retry-after', '7');
        return res.end();
      }
      res.statusCode = req.url === '/missing' ? 404 : 200;
      res.end('plain');
    },
    async (baseUrl, hits) => {
      const { slept, clock } = fakeClock();
      const port = createHttpPort({ mode: 'live', connectors: parseConnectors(liveConnector(baseUrl)), env: { SVC_TOKEN: 't' }, clock });
      const limited = await port.call('svc', { method: 'GET', path: '/limited' }, signal);
      assert.equal(limited.status, 200);
      assert.deepEqual(slept, [7000]);
      const missing = await port.call('svc', { method: 'GET', path: '/missing' }, signal);
      assert.deepEqual([missing.status, missing.body, hits()], [404, 'plain', 3]);
      assert.deepEqual(slept, [7000]);
    },
  );
});

test('live: a slow server times out per request, retries, then fails PCQ_HTTP_TIMEOUT', async () => {
  await withServer(
    (_req, _body, res) => {
      setTimeout(() => res.end('late'), 2000).unref();
    },
    async (baseUrl, hits) => {
      const { slept, clock } = fakeClock();
      const text = liveConnector(baseUrl).replace('attempts: 3', 'attempts: 2');
      const port = createHttpPort({ mode: 'live', connectors: parseConnectors(text), env: { SVC_TOKEN: 't' }, clock });
      const started = performance.now();
      await assert.rejects(
        port.call('svc', { method: 'GET', path: '/' }, signal),
        (err: unknown) => err instanceof PcqError && err.code === 'PCQ_HTTP_TIMEOUT',
      );
      assert.equal(hits(), 2);
      assert.deepEqual(slept, [2000]);
      assert.ok(performance.now() - started < 1500);
    },
  );
});

test('live: refuses to run without its secret, and an unreachable host is PCQ_HTTP_UNREACHABLE', async () => {
  const { clock } = fakeClock();
  const port = createHttpPort({ mode: 'live', connectors: parseConnectors(liveConnector('http://127.0.0.1:9')), env: {}, clock });
  await assert.rejects(port.call('svc', { method: 'GET', path: '/' }, signal), (err: unknown) => err instanceof PcqError && err.code === 'PCQ_SECRET_MISSING');
  const port2 = createHttpPort({ mode: 'live', connectors: parseConnectors(liveConnector('http://127.0.0.1:9')), env: { SVC_TOKEN: 't' }, clock });
  await assert.rejects(
    port2.call('svc', { method: 'GET', path: '/' }, signal),
    (err: unknown) => err instanceof PcqError && err.code === 'PCQ_HTTP_UNREACHABLE',
  );
});

test('recorded connector answers from the table the run input names; replay answers by key, offline', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'pcq-http-'));
  try {
    await mkdir(path.join(root, 'data'), { recursive: true });
    await writeFile(path.join(root, 'data/full.json'), JSON.stringify({ e1: 'a@x', e2: 'b@x' }));
    await writeFile(path.join(root, 'data/partial.json'), JSON.stringify({ e2: 'b@x' }));
    const connectors = parseConnectors(
      `connectors:\n  - name: enrichment\n    baseUrl: https://api.example.com\n    mode: recorded\n    recordedFile: data/\${params.source:-full}.json\n`,
    );
    const body = [
      { id: 'e1', name: 'A' },
      { id: 'e2', name: 'B' },
      { id: 'e9', name: 'Z' },
    ];
    const full = await createHttpPort({ mode: 'live', connectors, rootDir: root }).call(
      '',
      { method: 'POST', url: 'https://api.example.com/enrich', body },
      signal,
    );
    assert.deepEqual(full.body, [
      { id: 'e1', email: 'a@x' },
      { id: 'e2', email: 'b@x' },
    ]);
    const partial = await createHttpPort({ mode: 'live', connectors, rootDir: root, params: { source: 'partial' } }).call(
      'enrichment',
      { method: 'POST', path: '/enrich', body },
      signal,
    );
    assert.deepEqual(partial.body, [{ id: 'e2', email: 'b@x' }]);
    assert.equal(partial.recording.key, full.recording.key, 'same request, same key whichever form named the connector');

    await assert.rejects(
      createHttpPort({ mode: 'live', connectors, rootDir: root, params: { source: '../../etc/passwd' } }).call(
        'enrichment',
        { method: 'POST', path: '/enrich', body },
        signal,
      ),
      (err: unknown) => err instanceof PcqError && err.code === 'PCQ_CONNECTOR_PARAM',
    );

    const replay = createHttpPort({
      mode: 'replay',
      connectors,
      recordings: [partial.recording],
      fetch: () => {
        throw new Error('replay touched the network');
      },
    });
    const again = await replay.call('enrichment', { method: 'POST', path: '/enrich', body }, signal);
    assert.deepEqual(again.body, partial.body);
    await assert.rejects(
      replay.call('enrichment', { method: 'POST', path: '/enrich', body: [{ id: 'e1' }] }, signal),
      (err: unknown) => err instanceof PcqError && err.code === 'PCQ_REPLAY_MISSING_RECORDING',
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('connectors.yaml: every problem reported with its line; URL prefix resolution picks the longest base', () => {
  assert.throws(
    () =>
      parseConnectors(
        'connectors:\n  - name: A\n    baseUrl: x\n  - name: ok\n    baseUrl: ftp://h\n  - name: r\n    baseUrl: https://h\n    mode: recorded\n',
      ),
    (err: unknown) => {
      assert.ok(err instanceof PcqErrors);
      assert.deepEqual(
        err.issues.map((i) => i.location?.line),
        [2, 5, 8],
      );
      return true;
    },
  );
  const cs = parseConnectors('connectors:\n  - name: a\n    baseUrl: https://h/\n  - name: b\n    baseUrl: https://h/v2\n');
  assert.deepEqual([resolveConnector(cs, { url: 'https://h/v2/x' }).connector.name, resolveConnector(cs, { url: 'https://h/v2/x' }).path], ['b', '/x']);
  assert.equal(resolveConnector(cs, { url: 'https://h/v22' }).connector.name, 'a');
  assert.throws(
    () => resolveConnector(cs, { url: 'https://other/x' }),
    (err: unknown) => err instanceof PcqError && err.code === 'PCQ_CONNECTOR_UNKNOWN',
  );
});

test('a live answer echoing the credential is redacted before the step, the recording and the key see it, and counted', async () => {
  const token = 'echo-secret-token-77';
  await withServer(
    (req, _body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ auth: req.headers.authorization, b64: Buffer.from(String(req.headers.authorization)).toString('base64') }));
    },
    async (baseUrl) => {
      const port = createHttpPort({ mode: 'live', connectors: parseConnectors(liveConnector(baseUrl)), env: { SVC_TOKEN: token } });
      const out = await port.call('svc', { method: 'POST', path: '/x', body: { echo: token } }, new AbortController().signal);
      const text = JSON.stringify(out);
      assert.ok(!text.includes(token) && !text.includes(Buffer.from(`Bearer ${token}`).toString('base64').slice(4, -4)), text);
      assert.deepEqual(out.body, { auth: '[REDACTED]', b64: '[REDACTED]' });
      assert.equal(out.recording.redactions, 3); // the request body's echo and the two answers
      assert.equal(out.recording.key, recordingKey('svc', 'POST', '/x', { echo: '[REDACTED]' }));
    },
  );
});
