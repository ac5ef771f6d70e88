// The Neo4j adapter without a Neo4j server (there is none here): value conversion against real
// driver value classes, the exact load statements, and failing fast on a closed loopback port.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import neo4j from 'neo4j-driver';
import { jsonToNeo4jParam, neo4jValueToJson } from './neo4j-values.ts';
import { neo4jLoadStatements, NEO4J_BATCH_ROWS } from './neo4j-load.ts';
import { openGraphStore } from './open-graph-store.ts';
import { readDataset } from './read-dataset.ts';
import { join } from 'node:path';
import { PcqError } from '../base/errors.ts';

const INTEL = join(import.meta.dirname, '..', '..', 'runbooks', 'data', 'intel');

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('neo4j values → JSON (same shapes as the kuzu adapter)', () => {
  it('integers become numbers, or exact digit strings beyond 2^53', () => {
    assert.equal(neo4jValueToJson(neo4j.int(42), 'n'), 42);
    assert.equal(neo4jValueToJson(neo4j.int('-9007199254740993'), 'n'), '-9007199254740993');
    assert.equal(neo4jValueToJson(-0, 'n'), 0);
    assert.throws(() => neo4jValueToJson(Number.NaN, 'ratio'), { code: 'PCQ_GRAPH_VALUE' });
  });

  it('temporals become ISO strings in UTC, whatever the host time zone', () => {
    assert.equal(neo4jValueToJson(new neo4j.Date(2026, 11, 16), 'd'), '2026-11-16');
    const zoned = new neo4j.DateTime(2026, 11, 16, 10, 30, 0, 250_000_000, 3600); // +01:00
    assert.equal(neo4jValueToJson(zoned, 't'), '2026-11-16T09:30:00.250Z');
    assert.equal(neo4jValueToJson(new neo4j.LocalDateTime(2026, 11, 16, 10, 30, 5, 0), 't'), '2026-11-16T10:30:05.000Z');
    assert.equal(neo4jValueToJson(new neo4j.Duration(0, 3, 0, 0), 'iv'), 'P0M3DT0S');
    assert.equal(neo4jValueToJson(new neo4j.Duration(1, 0, 90, 500_000_000), 'iv'), 'P1M0DT90.5S');
    assert.equal(neo4jValueToJson(new neo4j.LocalTime(7, 5, 0, 0), 't'), '07:05:00');
  });

  it('nodes, relationships and paths become their properties', () => {
    const a = new neo4j.types.Node(neo4j.int(1), ['Entity'], { id: 'E1', count: neo4j.int(3), email: null }, 'e1');
    const b = new neo4j.types.Node(neo4j.int(2), ['Entity'], { id: 'E2' }, 'e2');
    const rel = new neo4j.types.Relationship(neo4j.int(9), neo4j.int(1), neo4j.int(2), 'CO_OCCURS', { count: neo4j.int(5) }, 'r9', 'e1', 'e2');
    assert.deepEqual(neo4jValueToJson(a, 'e'), { id: 'E1', count: 3 });
    assert.deepEqual(neo4jValueToJson(rel, 'r'), { count: 5 });
    const path = new neo4j.types.Path(a, b, [new neo4j.types.PathSegment(a, rel, b)]);
    assert.deepEqual(neo4jValueToJson(path, 'p'), { nodes: [{ id: 'E1', count: 3 }, { id: 'E2' }], relationships: [{ count: 5 }] });
    assert.deepEqual(neo4jValueToJson([neo4j.int(1), { k: neo4j.int(2) }], 'x'), [1, { k: 2 }]);
  });

  it('integral parameters go as neo4j.Integer (kuzu binds them as INT64), others unchanged', () => {
    const p = jsonToNeo4jParam({ id: 'E1', n: 3, ratio: 0.5, list: [1, 'a'] }) as Record<string, unknown>;
    assert.ok(neo4j.isInt(p['n']));
    assert.equal(p['ratio'], 0.5);
    assert.ok(neo4j.isInt((p['list'] as unknown[])[0]));
    assert.equal(p['id'], 'E1');
  });
});

describe('neo4j dataset load statements', () => {
  it('constraints first, then batched UNWIND/CREATE with typed values and no nulls', async () => {
    const dataset = await readDataset(INTEL);
    const statements = neo4jLoadStatements(dataset);
    assert.match(statements[0]?.cypher ?? '', /^CREATE CONSTRAINT pcq_Entity_id IF NOT EXISTS FOR \(n:Entity\) REQUIRE n\.id IS UNIQUE$/);
    const entityRows = statements.filter((s) => s.table === 'Entity').reduce((n, s) => n + s.rows, 0);
    assert.equal(entityRows, dataset.csv['entities.csv']?.rows.length);
    const first = statements.find((s) => s.table === 'Entity' && s.rows > 0);
    const rows = first?.params['rows'] as Array<Record<string, unknown>>;
    const missing = rows.find((r) => !('email' in r));
    assert.ok(missing, 'a NULL email is simply absent');
    const co = statements.filter((s) => s.table === 'CO_OCCURS');
    assert.equal(co.length, Math.ceil((dataset.csv['co_occurs.csv']?.rows.length ?? 0) / NEO4J_BATCH_ROWS));
    assert.match(
      co[0]?.cypher ?? '',
      /MATCH \(a:Entity \{id: row\.from\}\) MATCH \(b:Entity \{id: row\.to\}\) CREATE \(a\)-\[x:CO_OCCURS\]->\(b\) SET x = row\.props/,
    );
    const props = (co[0]?.params['rows'] as Array<{ props: Record<string, unknown> }>)[0]?.props;
    assert.ok(neo4j.isInt(props?.['count']), 'INT64 columns load as integers, not floats');
    assert.ok(!statements.some((s) => s.table === 'INFERRED_RELATIONSHIP' && s.rows > 0));
  });
});

describe('openGraphStore', () => {
  it('fails fast with PCQ_GRAPH_UNAVAILABLE and a hint when Neo4j is unreachable', async () => {
    const port = await closedPort();
    const started = performance.now();
    await assert.rejects(
      openGraphStore(
        { backend: 'neo4j', uri: `bolt://127.0.0.1:${port}`, user: 'neo4j', passwordEnv: 'PCQ_TEST_NEO4J_PASSWORD', connectionTimeoutMs: 1000 },
        { PCQ_TEST_NEO4J_PASSWORD: 'secret' },
      ),
      (err: unknown) => {
        assert.ok(err instanceof PcqError);
        assert.equal(err.code, 'PCQ_GRAPH_UNAVAILABLE');
        assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        assert.match(err.hint ?? '', /Start Neo4j/);
        assert.doesNotMatch(err.message, /secret/);
        return true;
      },
    );
    assert.ok(performance.now() - started < 5000, 'within seconds, not the driver default minute');
  });

  it('refuses a missing password variable or an unknown backend with codes', async () => {
    await assert.rejects(openGraphStore({ backend: 'neo4j', uri: 'bolt://127.0.0.1:1', user: 'neo4j', passwordEnv: 'NOPE' }, {}), {
      code: 'PCQ_SECRET_MISSING',
    });
    await assert.rejects(openGraphStore({ backend: 'neo4j', uri: '', user: 'neo4j', passwordEnv: 'X' }, { X: 'y' }), { code: 'PCQ_CONFIG_INVALID' });
    await assert.rejects(openGraphStore({ backend: 'sqlite' } as never), { code: 'PCQ_CONFIG_INVALID' });
  });

  it('opens the embedded database by default', async () => {
    const store = await openGraphStore();
    try {
      assert.equal(store.backend, 'kuzu');
      assert.deepEqual(await store.query('RETURN 1 + 1 AS two'), [{ two: 2 }]);
    } finally {
      await store.close();
    }
  });
});
