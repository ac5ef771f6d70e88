// The run-time wall (issue 10): a refused query never reaches the database. A spy on kuzu's own
// Connection methods sees no call for any hostile query given to the store's single entry points
// (query, executeMany), and nothing is written outside the store's folder; the metric prover, which
// calls the same entry point, fails without the database seeing its query.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kuzu from 'kuzu';
import { openKuzuStore, type KuzuGraphStore } from './kuzu-store.ts';
import { PcqError } from '../base/errors.ts';

const OUT = join(tmpdir(), `pcq-wall-${process.pid}`);
const HOSTILE = [
  `LOAD FROM "/proc/self/environ" (file_format="csv", header=false, delim="=") RETURN *`,
  `load from '/etc/passwd' return *`,
  `MATCH (n) RETURN n; COPY (RETURN 1 AS x) TO '${OUT}.csv'`,
  `EXPORT DATABASE '${OUT}-export'`,
  `ATTACH '${OUT}.kuzu' AS x (dbtype kuzu)`,
  `INSTALL json`,
  `LoAd ExTeNsIoN '${OUT}.so'`,
  `CALL { COPY (RETURN 1 AS x) TO '${OUT}-sub.csv' } RETURN 1`,
  `CALL current_setting('home_directory') RETURN *`,
];

describe('run-time Cypher wall (kuzu store)', () => {
  let store: KuzuGraphStore;
  const calls: string[] = [];
  const proto = kuzu.Connection.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const originals: Record<string, (...a: unknown[]) => unknown> = {};
  before(async () => {
    store = await openKuzuStore();
    for (const name of ['query', 'prepare', 'execute', 'querySync', 'prepareSync', 'executeSync']) {
      const original = proto[name] as (...a: unknown[]) => unknown;
      originals[name] = original;
      proto[name] = function (this: unknown, ...args: unknown[]) {
        calls.push(`${name}:${String(args[0])}`);
        return original.apply(this, args);
      };
    }
  });
  after(async () => {
    Object.assign(proto, originals);
    await store.close();
  });

  it('refuses every hostile query before kuzu sees it, through query and executeMany', async () => {
    for (const q of HOSTILE) {
      await assert.rejects(store.query(q), (e: unknown) => e instanceof PcqError && e.code === 'PCQ_CYPHER_REFUSED', q);
      await assert.rejects(store.executeMany(q, [{}]), (e: unknown) => e instanceof PcqError && e.code === 'PCQ_CYPHER_REFUSED', q);
    }
    assert.deepEqual(calls, []);
    for (const suffix of ['.csv', '-export', '.kuzu', '.so', '-sub.csv']) assert.equal(existsSync(OUT + suffix), false, OUT + suffix);
  });

  it('still runs graph queries (the spy sees them)', async () => {
    const rows = await store.query("RETURN 'LOAD FROM /etc/passwd' AS s");
    assert.deepEqual(rows, [{ s: 'LOAD FROM /etc/passwd' }]);
    assert.equal(calls.length, 1);
  });
});
