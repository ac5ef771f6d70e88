// The mutation step against the real embedded database loaded with the sample dataset.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mutationStep } from './mutation.ts';
import { testContext, testRunbook, testStep } from '../testing/step-test-kit.ts';
import { createCelEngine } from '../runtime/cel.ts';
import { openKuzuStore, type KuzuGraphStore } from '../graph/kuzu-store.ts';
import { loadDataset } from '../graph/load-dataset.ts';
import type { GraphStore } from '../base/graph-store.ts';
import { PcqError } from '../base/errors.ts';

const DATA = join(import.meta.dirname, '..', '..', 'runbooks', 'data');
const cel = createCelEngine();
const SET_EMAIL = 'MATCH (e:Entity {id: $id}) SET e.email = $email';

describe('mutation step', () => {
  let graph: KuzuGraphStore;
  before(async () => {
    graph = await openKuzuStore();
    await loadDataset(graph, join(DATA, 'intel'));
  });
  after(() => graph.close());

  const completeCount = async () => Number((await graph.query('MATCH (e:Entity) RETURN count(e.email) AS n'))[0]?.['n']);

  it('check() wants cypher, one dependency or forEach, and compiling CEL', () => {
    const ok = testStep('m', 'mutation', { cypher: SET_EMAIL }, ['fetch']);
    assert.deepEqual(mutationStep.check(ok, testRunbook([ok]), cel), []);
    const twoDeps = testStep('m', 'mutation', { cypher: SET_EMAIL }, ['a', 'b']);
    assert.match(mutationStep.check(twoDeps, testRunbook([twoDeps]), cel)[0]?.message ?? '', /single dependency, but it has 2/);
    const badCel = testStep('m', 'mutation', { cypher: '', forEach: 'steps.x[', params: { id: 'row.' } }, ['a', 'b']);
    assert.deepEqual(
      mutationStep
        .check(badCel, testRunbook([badCel]), cel)
        .map((i) => i.code)
        .sort(),
      ['PCQ_CEL_COMPILE', 'PCQ_CEL_COMPILE', 'PCQ_STEP_CONFIG'],
    );
  });

  it("runs the seed's SET once per row of its dependency, parameters from the row's fields", async () => {
    const partial = JSON.parse(readFileSync(join(DATA, 'enrichment', 'partial.json'), 'utf8')) as Record<string, string>;
    const rows = Object.entries(partial)
      .slice(0, 10)
      .map(([id, email]) => ({ id, email, name: 'extra fields are ignored' }));
    const before = await completeCount();
    const step = testStep('update-entities', 'mutation', { cypher: SET_EMAIL }, ['fetch']);
    const result = await mutationStep.run(testContext(step, { upstream: { fetch: rows }, ports: { graph, cel } }));
    assert.deepEqual(result.output, { updated: 10 });
    assert.equal(await completeCount(), before + 10);
    const [first] = rows;
    assert.deepEqual(await graph.query('MATCH (e:Entity {id: $id}) RETURN e.email AS email', { id: first?.id }), [{ email: first?.email }]);
  });

  it('forEach + params (CEL over row) create edges; the same path works on a store without executeMany', async () => {
    const pairs = [
      { a: 'E0001', b: 'E0002', score: 0.9 },
      { a: 'E0003', b: 'E0004', score: 0.75 },
    ];
    const step = testStep(
      'infer',
      'mutation',
      {
        cypher: 'MATCH (a:Entity {id: $source}), (b:Entity {id: $target}) CREATE (a)-[:INFERRED_RELATIONSHIP {confidence: $confidence, model: $model}]->(b)',
        forEach: 'steps.scored',
        params: { source: 'row.a', target: 'row.b', confidence: 'row.score', model: '"cooc-logistic@1"' },
      },
      [],
    );
    const plain: GraphStore = { backend: 'plain', query: (c, p, s) => graph.query(c, p, s), close: async () => {} };
    for (const store of [graph, plain]) {
      const result = await mutationStep.run(testContext(step, { steps: { scored: pairs }, ports: { graph: store, cel } }));
      assert.deepEqual(result.output, { updated: 2 });
    }
    const edges = await graph.query(
      'MATCH (a:Entity)-[r:INFERRED_RELATIONSHIP]->(b:Entity) RETURN a.id AS source, b.id AS target, r.confidence AS confidence, r.model AS model ORDER BY source, target',
    );
    assert.deepEqual(
      edges,
      [...pairs, ...pairs]
        .map((p) => ({ source: p.a, target: p.b, confidence: p.score, model: 'cooc-logistic@1' }))
        .sort((x, y) => (x.source < y.source ? -1 : 1)),
    );
  });

  it('a failing row writes nothing and reports PCQ_CYPHER at the cypher field', async () => {
    const before = await completeCount();
    const step = testStep('m', 'mutation', { cypher: 'MATCH (e:Entity {id: $id}) SET e.email = $email, e.nope = 1' }, ['x']);
    await assert.rejects(
      mutationStep.run(testContext(step, { upstream: { x: [{ id: 'E0003', email: 'a@b.example' }] }, ports: { graph, cel } })),
      (err: unknown) => {
        assert.ok(err instanceof PcqError);
        assert.equal(err.code, 'PCQ_CYPHER');
        assert.equal(err.location?.line, 11);
        return true;
      },
    );
    const dup = testStep('m', 'mutation', { cypher: 'CREATE (e:Entity {id: $id})' }, ['x']);
    await assert.rejects(mutationStep.run(testContext(dup, { upstream: { x: [{ id: 'NEW-9' }, { id: 'E0001' }] }, ports: { graph, cel } })), {
      code: 'PCQ_CYPHER',
    });
    assert.deepEqual(await graph.query("MATCH (e:Entity {id: 'NEW-9'}) RETURN e.id AS id"), [], 'rolled back');
    assert.equal(await completeCount(), before);
  });

  it('refuses input that is not rows, and rows that are not objects without params', async () => {
    const step = testStep('m', 'mutation', { cypher: SET_EMAIL }, ['x']);
    await assert.rejects(mutationStep.run(testContext(step, { upstream: { x: { id: 'E1' } }, ports: { graph, cel } })), { code: 'PCQ_STEP_INPUT' });
    await assert.rejects(mutationStep.run(testContext(step, { upstream: { x: ['E0001'] }, ports: { graph, cel } })), { code: 'PCQ_STEP_INPUT' });
    const none = await mutationStep.run(testContext(step, { upstream: { x: [] }, ports: { graph, cel } }));
    assert.deepEqual(none.output, { updated: 0 });
  });
});
