// The embedded store against a real kuzu database in a temp folder, loaded once for the file.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openKuzuStore, type KuzuGraphStore } from './kuzu-store.ts';
import { loadDataset } from './load-dataset.ts';
import { PcqError, PcqErrors } from '../base/errors.ts';

const INTEL = join(import.meta.dirname, '..', '..', 'runbooks', 'data', 'intel');

describe('kuzu graph store', () => {
  let store: KuzuGraphStore;
  before(async () => {
    store = await openKuzuStore();
  });
  after(async () => {
    await store.close();
  });

  it('loads the intel dataset table by table and reports the CSV row counts', async () => {
    const report = await loadDataset(store, INTEL);
    assert.equal(report.dataset, 'intel');
    const byTable = Object.fromEntries(report.tables.map((t) => [t.table, t.rows]));
    const [counted] = await store.query('MATCH (e:Entity) RETURN count(e) AS entities');
    assert.equal(byTable['Entity'], counted?.['entities']);
    const [docs] = await store.query('MATCH (d:Document) RETURN count(d) AS n');
    assert.equal(byTable['Document'], docs?.['n']);
    const [co] = await store.query('MATCH ()-[c:CO_OCCURS]->() RETURN count(c) AS n');
    assert.equal(byTable['CO_OCCURS'], co?.['n']);
    assert.equal(byTable['INFERRED_RELATIONSHIP'], 0);
    assert.ok((byTable['MENTIONED_IN'] ?? 0) > 1000, 'thousands of mentions');
  });

  it('returns plain JSON: nodes as their non-null properties, numbers, ISO dates, no BigInt', async () => {
    const [row] = await store.query(
      "MATCH (e:Entity) WHERE e.email IS NULL WITH e ORDER BY e.id LIMIT 1 RETURN e, CAST(9007199254740993 AS INT128) AS big, CAST(42 AS INT128) AS small, date('2026-11-16') AS d, timestamp('2026-11-16 10:30:00') AS ts, [1, 2] AS list, {a: 1.5} AS struct",
    );
    assert.ok(row);
    const e = row['e'] as Record<string, unknown>;
    assert.equal(typeof e['id'], 'string');
    assert.ok(!('email' in e), 'a null property is dropped, as Neo4j never stores one');
    assert.ok(!('_id' in e) && !('_label' in e), 'internal ids are not data');
    assert.equal(row['big'], '9007199254740993', 'unsafe integers keep their exact digits');
    assert.equal(row['small'], 42);
    assert.equal(row['d'], '2026-11-16');
    assert.equal(row['ts'], '2026-11-16T10:30:00.000Z');
    assert.deepEqual(row['list'], [1, 2]);
    assert.deepEqual(row['struct'], { a: 1.5 });
    assert.doesNotThrow(() => JSON.stringify(row));
  });

  it('passes only the parameters a statement uses (a mutation hands it the whole row)', async () => {
    const rows = await store.query('MATCH (e:Entity {id: $id}) RETURN e.id AS id', { id: 'E0001', name: 'ignored', extra: 3 });
    assert.deepEqual(rows, [{ id: 'E0001' }]);
  });

  it('turns a database error into PCQ_CYPHER with the database message', async () => {
    await assert.rejects(store.query('MATCH (x:NoSuchTable) RETURN x'), (err: unknown) => {
      assert.ok(err instanceof PcqError);
      assert.equal(err.code, 'PCQ_CYPHER');
      assert.match(err.message, /NoSuchTable/);
      assert.ok(err.hint);
      return true;
    });
    await assert.rejects(store.query('MATCH (e:Entity {id: $id}) RETURN e.noSuchProperty', { id: 'E0001' }), { code: 'PCQ_CYPHER' });
  });

  it('executeMany is all-or-nothing: a failing row rolls back the rows before it', async () => {
    const create = 'CREATE (e:Entity {id: $id, name: $name})';
    await assert.rejects(
      store.executeMany(create, [
        { id: 'NEW-1', name: 'a' },
        { id: 'E0001', name: 'duplicate key' },
      ]),
      { code: 'PCQ_CYPHER' },
    );
    assert.deepEqual(await store.query("MATCH (e:Entity {id: 'NEW-1'}) RETURN e.id AS id"), []);
    assert.equal(
      await store.executeMany(create, [
        { id: 'NEW-2', name: 'b' },
        { id: 'NEW-3', name: 'c' },
      ]),
      2,
    );
    const created = await store.query("MATCH (e:Entity) WHERE e.id STARTS WITH 'NEW-' RETURN e.id AS id ORDER BY id");
    assert.deepEqual(created, [{ id: 'NEW-2' }, { id: 'NEW-3' }]);
    await store.query("MATCH (e:Entity) WHERE e.id STARTS WITH 'NEW-' DELETE e");
  });

  it('honours an aborted signal before touching the database', async () => {
    const controller = new AbortController();
    controller.abort(new Error('step timed out'));
    await assert.rejects(store.query('RETURN 1 AS x', {}, controller.signal), /step timed out/);
    await assert.rejects(store.executeMany('RETURN $x AS x', [{ x: 1 }], controller.signal), /step timed out/);
    assert.deepEqual(await store.query('RETURN 1 AS x'), [{ x: 1 }], 'the store stays usable');
  });
});

describe('kuzu store lifecycle and dataset errors', () => {
  it('close() deletes the database folder, and a closed store refuses work with a code', async () => {
    const store = await openKuzuStore();
    await store.query('RETURN 1 AS x');
    assert.ok(existsSync(store.dir));
    await store.close();
    assert.ok(!existsSync(store.dir));
    await assert.rejects(store.query('RETURN 1 AS x'), { code: 'PCQ_GRAPH_CLOSED' });
  });

  it('reports every manifest problem with its location, and a header that disagrees with the manifest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pcq-dataset-'));
    writeFileSync(
      join(dir, 'dataset.yaml'),
      [
        'name: broken',
        'nodes:',
        '  - table: Person',
        '    file: people.csv',
        '    primaryKey: id',
        '    columns:',
        '      - { name: id, type: STRING }',
        '      - { name: born, type: DATE }',
        '  - table: "Bad Name"',
        '    file: ../escape.csv',
        '    primaryKey: id',
        '    columns: []',
        '',
      ].join('\n'),
    );
    const store = await openKuzuStore();
    try {
      await assert.rejects(loadDataset(store, dir), (err: unknown) => {
        assert.ok(err instanceof PcqErrors);
        const lines = err.issues.map((i) => `${i.location?.line}:${i.code}`);
        assert.ok(lines.includes('8:PCQ_DATASET_INVALID'), `DATE type at line 8: ${lines.join(' ')}`);
        assert.ok(err.issues.some((i) => /identifier/.test(i.message) && i.location?.line === 9));
        assert.ok(err.issues.some((i) => /\.csv file name/.test(i.message) && i.location?.line === 10));
        return true;
      });
      writeFileSync(
        join(dir, 'dataset.yaml'),
        'name: ok\nnodes:\n  - { table: Person, file: people.csv, primaryKey: id, columns: [{ name: id, type: STRING }, { name: age, type: INT64 }] }\n',
      );
      writeFileSync(join(dir, 'people.csv'), 'age,id\n3,p1\n');
      await assert.rejects(loadDataset(store, dir), (err: unknown) => {
        assert.ok(err instanceof PcqErrors);
        assert.match(err.issues[0]?.message ?? '', /header "age,id".*"id,age"/);
        return true;
      });
      await assert.rejects(loadDataset(store, join(dir, 'missing')), { code: 'PCQ_DATASET_NOT_FOUND' });
    } finally {
      await store.close();
    }
  });
});
