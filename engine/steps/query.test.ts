// The query step against the real embedded database loaded with the sample dataset, and the real
// CEL engine; expectations are computed from the CSV files, not copied from a run.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { queryStep } from './query.ts';
import { testContext, testRunbook, testStep } from '../testing/step-test-kit.ts';
import { createCelEngine } from '../runtime/cel.ts';
import { openKuzuStore, type KuzuGraphStore } from '../graph/kuzu-store.ts';
import { loadDataset } from '../graph/load-dataset.ts';
import { parseCsv } from '../graph/csv.ts';
import { PcqError } from '../base/errors.ts';

const INTEL = join(import.meta.dirname, '..', '..', 'runbooks', 'data', 'intel');
const cel = createCelEngine();

describe('query step', () => {
  let graph: KuzuGraphStore;
  before(async () => {
    graph = await openKuzuStore();
    await loadDataset(graph, INTEL);
  });
  after(() => graph.close());

  it('check() accepts a query with compiling params and reports each problem at its field', () => {
    const ok = testStep('q', 'query', { cypher: 'MATCH (e:Entity) RETURN e.id AS id ORDER BY id', params: { min: 'params.threshold * 2.0' } });
    assert.deepEqual(queryStep.check(ok, testRunbook([ok]), cel), []);
    const bad = testStep('q', 'query', { cypher: '  ', params: { min: 'params.threshold *' } });
    const issues = queryStep.check(bad, testRunbook([bad]), cel);
    assert.deepEqual(issues.map((i) => i.code).sort(), ['PCQ_CEL_COMPILE', 'PCQ_STEP_CONFIG']);
    assert.equal(issues.find((i) => i.code === 'PCQ_STEP_CONFIG')?.location?.line, 11, 'points at the cypher field');
  });

  it('returns the rows, ordered, with CEL-evaluated parameters', async () => {
    const csv = parseCsv(readFileSync(join(INTEL, 'co_occurs.csv'), 'utf8'), 'co_occurs.csv');
    const expected = csv.rows.filter((r) => Number(r[2]) >= 3).map((r) => ({ source: r[0], target: r[1] }));
    const step = testStep('pairs', 'query', {
      cypher: 'MATCH (a:Entity)-[c:CO_OCCURS]->(b:Entity) WHERE c.count >= $minCount RETURN a.id AS source, b.id AS target ORDER BY source, target',
      params: { minCount: 'params.threshold' },
    });
    const result = await queryStep.run(testContext(step, { params: { threshold: 3 }, ports: { graph, cel } }));
    assert.deepEqual(result.output, expected);
    assert.deepEqual(result.inputs, { cypher: step.config['cypher'], params: { minCount: 3 } });
  });

  it("a Cypher error is PCQ_CYPHER located at the step's cypher field", async () => {
    const step = testStep('broken', 'query', { cypher: 'MATCH (e:Entity) RETURN e.nope' });
    await assert.rejects(queryStep.run(testContext(step, { ports: { graph, cel } })), (err: unknown) => {
      assert.ok(err instanceof PcqError);
      assert.equal(err.code, 'PCQ_CYPHER');
      assert.match(err.message, /^step broken: Cypher failed: .*nope/);
      assert.deepEqual(err.location, { file: 'runbooks/test.yaml', line: 11, col: 7 });
      return true;
    });
  });

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('timeout after 60s'));
    const step = testStep('q', 'query', { cypher: 'MATCH (e:Entity) RETURN count(e) AS n' });
    await assert.rejects(queryStep.run(testContext(step, { ports: { graph, cel }, signal: controller.signal })), /timeout after 60s/);
  });
});
