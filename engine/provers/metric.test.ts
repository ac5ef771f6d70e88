import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createCelEngine } from '../runtime/cel.ts';
import { openKuzuStore } from '../graph/kuzu-store.ts';
import { metricProver } from './metric.ts';
import { runProver } from './registry.ts';
import { proverContext, proverSpec } from './prover-test-kit.ts';
import { splitComparison } from './comparison.ts';

const cel = createCelEngine();
const graph = await openKuzuStore();
after(() => graph.close());
// The schema comes through pcq's own dataset path: runbook Cypher may not create tables (cypher-guard.ts).
await graph.loadDataset({
  dir: '/nonexistent',
  manifest: {
    name: 'metric',
    nodes: [
      {
        table: 'Entity',
        file: 'entities.csv',
        primaryKey: 'id',
        columns: [
          { name: 'id', type: 'INT64' },
          { name: 'email', type: 'STRING' },
        ],
      },
    ],
    relationships: [],
  },
  csv: {},
  files: [],
});
// 600 entities, 548 with an email: the seed's completeness KPI is 0.913, below 0.95.
await graph.query('UNWIND range(1, 600) AS i CREATE (:Entity {id: i, email: CASE WHEN i <= 548 THEN "e" + CAST(i AS STRING) + "@example.org" ELSE NULL END})');

const SEED = { query: 'MATCH (e:Entity) RETURN count(e) as total, count(e.email) as complete', assertion: 'complete / total >= 0.95' };
const prove = (config: Record<string, unknown>, params: Record<string, unknown> = {}) =>
  runProver(proverContext(proverSpec('kpi:completeness>=0.95', 'metric', config, 'postcondition'), { cel, graph, params }));

test('the seed KPI fails on the real graph with the measured values (integer counts divide as doubles)', async () => {
  const result = await prove(SEED);
  assert.equal(result.result, 'fail');
  assert.equal(result.evidence, 'Metric not met: total=600 complete=548 → complete / total = 0.913 < 0.95');
  assert.deepEqual(result.details?.measured, { total: 600, complete: 548 });
  assert.ok(Math.abs((result.details?.value as number) - 548 / 600) < 1e-12);
  assert.equal(result.details?.threshold, 0.95);
});

test('after enrichment the same KPI passes', async () => {
  await graph.query('MATCH (e:Entity) WHERE e.id > 548 AND e.id <= 582 SET e.email = "late@example.org"');
  const result = await prove(SEED);
  assert.equal(result.result, 'pass');
  assert.equal(result.evidence, 'total=600 complete=582 → complete / total = 0.97 ≥ 0.95');
});

test('query params come from CEL over the run params; rows is visible to the assertion', async () => {
  const result = await prove(
    {
      query: 'MATCH (e:Entity) WHERE e.id <= $upTo RETURN e.id AS id ORDER BY id',
      params: { upTo: 'params.limit' },
      assertion: 'rows.size() == 3.0 && rows[2].id == 3.0',
    },
    { limit: 3 },
  );
  assert.equal(result.result, 'pass', result.evidence);
});

test('a failing query, no rows, or a non-boolean assertion is a fail, never a pass', async () => {
  const badQuery = await prove({ query: 'MATCH (x:Missing) RETURN count(x) AS n', assertion: 'n >= 0.0' });
  assert.equal(badQuery.result, 'fail');
  assert.match(badQuery.evidence, /^Metric not proven: the query failed/);
  const noRows = await prove({ query: 'MATCH (e:Entity) WHERE e.id < 0 RETURN e.id AS id', assertion: 'id > 0.0' });
  assert.equal(noRows.result, 'fail');
  assert.match(noRows.evidence, /the query returned no rows/);
  const notBool = await prove({ query: SEED.query, assertion: 'complete / total' });
  assert.equal(notBool.result, 'fail');
  assert.match(notBool.evidence, /is 0\.97$/);
  const zero = await prove({ query: 'MATCH (e:Entity) WHERE e.id < 0 RETURN count(e) AS total, count(e.email) AS complete', assertion: SEED.assertion });
  assert.equal(zero.result, 'fail', 'NaN (0/0) must not pass');
});

test('check reports missing fields and CEL that does not compile', () => {
  assert.deepEqual(metricProver.check(proverSpec('k', 'metric', SEED), cel), []);
  const codes = (config: Record<string, unknown>) => metricProver.check(proverSpec('k', 'metric', config), cel).map((i) => i.code);
  assert.deepEqual(codes({ assertion: 'x > 1.0' }), ['PCQ_PROVER_SPEC']);
  assert.deepEqual(codes({ query: SEED.query }), ['PCQ_PROVER_SPEC']);
  assert.deepEqual(codes({ query: SEED.query, assertion: 'complete / >= 0.95' }), ['PCQ_PROVER_CEL']);
  assert.deepEqual(codes({ ...SEED, params: { a: 'params.' } }), ['PCQ_PROVER_CEL']);
});

test('splitComparison finds the single top-level comparison only', () => {
  assert.deepEqual(splitComparison('complete / total >= 0.95'), { left: 'complete / total', op: '>=', right: '0.95' });
  assert.deepEqual(splitComparison('size(rows.filter(r, r.x > 1.0)) == 0.0'), { left: 'size(rows.filter(r, r.x > 1.0))', op: '==', right: '0.0' });
  assert.equal(splitComparison('a > 1.0 && b < 2.0'), undefined);
  assert.deepEqual(splitComparison("name == '>='"), { left: 'name', op: '==', right: "'>='" });
  assert.equal(splitComparison('ok'), undefined);
});
