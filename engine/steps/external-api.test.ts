import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { externalApiStep } from './external-api.ts';
import { createHttpPort } from '../runtime/http-port.ts';
import { loadConnectors, parseConnectors } from '../runtime/connectors.ts';
import { createCelEngine } from '../runtime/cel.ts';
import { PcqError } from '../base/errors.ts';
import { testContext, testRunbook, testStep } from '../testing/step-test-kit.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

test('the seed R1 form against the shipped recorded connector: full and partial samples', async () => {
  const connectors = await loadConnectors(ROOT);
  const full = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(`${ROOT}/runbooks/data/enrichment/full.json`, 'utf8'))) as Record<
    string,
    string
  >;
  const ids = Object.keys(full).slice(0, 3);
  const rows = [...ids.map((id) => ({ id, name: `n-${id}` })), { id: 'NOPE', name: 'x' }];
  const step = testStep('fetch-external-data', 'external_api', { endpoint: 'https://api.example.com/enrich', method: 'POST' }, ['query-entities']);
  const run = (params: Record<string, unknown>) =>
    externalApiStep.run(
      testContext(step, { upstream: { 'query-entities': rows }, params, ports: { http: createHttpPort({ mode: 'live', connectors, rootDir: ROOT, params }) } }),
    );
  const out = await run({});
  assert.deepEqual(
    out.output,
    ids.map((id) => ({ id, email: full[id] })),
  );
  assert.equal(out.recordings?.length, 1);
  assert.deepEqual(out.inputs, rows);
  const partialTable = JSON.parse(
    await import('node:fs/promises').then((fs) => fs.readFile(`${ROOT}/runbooks/data/enrichment/partial.json`, 'utf8')),
  ) as Record<string, string>;
  const partial = await run({ enrichmentSource: 'partial' });
  assert.deepEqual(
    partial.output,
    ids.filter((id) => id in partialTable).map((id) => ({ id, email: partialTable[id] })),
  );
  assert.ok(
    ids.some((id) => !(id in partialTable)),
    'the partial sample lacks some ids',
  );
});

test('connector + path with a CEL body; non-2xx is PCQ_EXTERNAL_API_STATUS at the step', async () => {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.statusCode = req.url === '/echo' ? 200 : 400;
      res.setHeader('content-type', 'application/json');
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const http = createHttpPort({ mode: 'live', connectors: parseConnectors(`connectors:\n  - name: echo\n    baseUrl: ${base}\n`) });
    const step = testStep('call', 'external_api', { connector: 'echo', path: '/echo', body: 'input.map(r, {"id": r.id, "week": params.week})' }, ['q']);
    const out = await externalApiStep.run(testContext(step, { upstream: { q: [{ id: 'e1', name: 'A' }] }, params: { week: 'W3' }, ports: { http } }));
    assert.deepEqual(out.output, [{ id: 'e1', week: 'W3' }]);
    const bad = testStep('call', 'external_api', { connector: 'echo', path: '/bad' }, ['q']);
    await assert.rejects(
      externalApiStep.run(testContext(bad, { upstream: { q: [] }, ports: { http } })),
      (err: unknown) =>
        err instanceof PcqError &&
        err.code === 'PCQ_EXTERNAL_API_STATUS' &&
        /HTTP 400/.test(err.message) &&
        err.location?.line === bad.fieldLocations?.['connector']?.line,
    );
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('check: needs a connector or endpoint; bad method, bad URL and bad body CEL are reported', () => {
  const cel = createCelEngine();
  const none = testStep('x', 'external_api', {}, []);
  assert.deepEqual(
    externalApiStep.check(none, testRunbook([none]), cel).map((i) => i.code),
    ['PCQ_STEP_CONFIG'],
  );
  const bad = testStep('x', 'external_api', { endpoint: 'not a url', method: 'FETCH', body: 'a +' }, []);
  assert.deepEqual(
    externalApiStep
      .check(bad, testRunbook([bad]), cel)
      .map((i) => i.code)
      .sort(),
    ['PCQ_CEL_COMPILE', 'PCQ_STEP_CONFIG', 'PCQ_STEP_CONFIG'],
  );
  const seed = testStep('x', 'external_api', { endpoint: 'https://api.example.com/enrich', method: 'POST' }, ['q']);
  assert.deepEqual(externalApiStep.check(seed, testRunbook([seed]), cel), []);
});
