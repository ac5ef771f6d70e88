// The allow-list on its own (cypher-guard.ts): the hostile clauses of issue 10 and the kuzu/Neo4j
// manuals' host-facing clauses are refused in any letter case, spacing, comment placement and
// subquery nesting; the same words inside strings, comments and backtick names are not clauses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { assertCypherAllowed, cypherViolations } from './cypher-guard.ts';
import { PcqError } from '../base/errors.ts';

const HOSTILE = [
  `LOAD FROM "/proc/self/environ" (file_format="csv", header=false, delim="=") RETURN *`,
  `LOAD FROM '/etc/passwd' RETURN *`,
  `LOAD WITH HEADERS (a STRING) FROM '/etc/passwd' RETURN *`,
  `COPY (MATCH (e:Entity) RETURN e.id) TO '/tmp/x.csv'`,
  `COPY Entity FROM '/tmp/x.csv'`,
  `EXPORT DATABASE '/tmp/x'`,
  `IMPORT DATABASE '/tmp/x'`,
  `ATTACH '/tmp/x.kuzu' AS x (dbtype kuzu)`,
  `DETACH x`,
  `USE x`,
  `INSTALL httpfs`,
  `UNINSTALL httpfs`,
  `LOAD EXTENSION '/tmp/x.so'`,
  `LOAD httpfs`,
  `CALL show_tables() RETURN *`,
  `CALL current_setting('home_directory') RETURN *`,
  `CALL threads=1`,
  `CALL apoc.load.json('file:///etc/passwd') YIELD value RETURN value`,
  `CALL dbms.procedures()`,
  `CALL db.labels() YIELD label RETURN label`,
  `LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line`,
  `CREATE NODE TABLE T(id INT64, PRIMARY KEY(id))`,
  `CREATE REL TABLE R(FROM Entity TO Entity)`,
  `CREATE MACRO m(x) AS x`,
  `CREATE INDEX i FOR (n:Entity) ON (n.id)`,
  `CREATE DATABASE other`,
  `DROP TABLE Entity`,
  `ALTER TABLE Entity ADD x INT64`,
  `BEGIN TRANSACTION`,
  `COMMIT`,
  `CHECKPOINT`,
  `SHOW DATABASES`,
  `EXPLAIN MATCH (n) RETURN n`,
  `PROJECT GRAPH g (Entity)`,
  `RETURN apoc.text.join(['a'], ',') AS s`,
  `RETURN file() AS f`,
  `MATCH (n) FOREACH (x IN [1] | CREATE INDEX i FOR (m:X) ON (m.id))`,
  `MATCH (n) CALL { WITH n MATCH (n)--(m) RETURN m } IN TRANSACTIONS RETURN n`,
];

const ALLOWED = [
  `MATCH (n) WHERE n.name = 'LOAD FROM /etc/passwd' RETURN n`,
  `MATCH (e:Entity {id: $id}) SET e.email = $email`,
  `RETURN "copy \\" attach" AS s, 'it\\'s' AS t`,
  'MATCH (n) RETURN n.`LOAD` AS `COPY`',
  `MATCH (n) // LOAD FROM '/etc/passwd'\nRETURN n /* EXPORT DATABASE 'x' */`,
  `MERGE (a:E {id: 1}) ON CREATE SET a.x = 1 ON MATCH SET a.y = 2 RETURN a`,
  `MATCH (n) OPTIONAL MATCH (n)-[r]->(m) WITH n, count(r) AS c ORDER BY c DESC SKIP 1 LIMIT 2 RETURN n.id, c`,
  `UNWIND [1,2] AS x RETURN [y IN range(1, x) WHERE y > 0 | y * 2] AS l, CASE WHEN x > 1 THEN 'a' ELSE 'b' END AS c`,
  `MATCH (a) CALL { WITH a MATCH (a)-->(b) RETURN count(b) AS c } RETURN a, c`,
  `MATCH (a) CALL (a) { MATCH (a)-->(b) RETURN count(b) AS c } RETURN a, c`,
  `MATCH (n) DETACH DELETE n`,
  `CREATE p = (a:E {id: 1})-[:R]->(b:E {id: 2}) RETURN p`,
  `MATCH (n) WHERE EXISTS { MATCH (n)-->(m) } RETURN n`,
  `MATCH (n) RETURN COUNT { MATCH (n)-->() } AS c`,
  `MATCH (n) REMOVE n.x RETURN n`,
  `MATCH (n) RETURN n.id AS id UNION ALL MATCH (m) RETURN m.id AS id`,
  `MATCH (n) RETURN {load: 1, copy: n.id} AS m`,
  `MATCH (n:Entity) RETURN n.id AS id; MATCH (m) RETURN m`,
];

test('every hostile query is refused, with the offset of a word of its own text', () => {
  for (const q of HOSTILE) {
    const [v] = cypherViolations(q);
    assert.ok(v, `refused: ${q}`);
    assert.throws(
      () => assertCypherAllowed(q),
      (e: unknown) => e instanceof PcqError && e.code === 'PCQ_CYPHER_REFUSED',
    );
    assert.ok(v.offset >= 0 && v.offset < q.length, q);
  }
});

test('graph reads and writes pass, whatever their strings and comments say', () => {
  for (const q of ALLOWED) assert.deepEqual(cypherViolations(q), [], q);
});

test('every Cypher sample of the repository (sample-queries.md) passes', () => {
  const md = readFileSync(new URL('./sample-queries.md', import.meta.url), 'utf8');
  const queries = Array.from(md.matchAll(/```cypher\n([\s\S]*?)\n```/g), (m) => m[1] as string);
  assert.ok(queries.length >= 8);
  for (const q of queries) assert.deepEqual(cypherViolations(q), [], q);
});

test('broken lexing is refused, never skipped: open strings, comments, names and brackets', () => {
  for (const q of [`RETURN 'a\\' LOAD FROM x`, `RETURN 1 /* LOAD`, 'RETURN `a', `MATCH (n RETURN n`, `MATCH (n) RETURN n }`, ``, `  // only a comment`]) {
    assert.ok(cypherViolations(q).length > 0, JSON.stringify(q));
  }
});

// Property: a hostile clause survives any spelling. Each word's letters in random case, tokens
// separated by random whitespace or comments, optionally after a harmless prefix statement or
// inside nested CALL { } subqueries.
const HOSTILE_CORES = [
  'LOAD FROM "/etc/passwd" RETURN *',
  "COPY (MATCH (e) RETURN e) TO '/tmp/x.csv'",
  "EXPORT DATABASE '/tmp/x'",
  "ATTACH '/tmp/x' AS y",
  'INSTALL json',
  "LOAD EXTENSION '/tmp/x.so'",
  'CALL show_tables() RETURN *',
  "IMPORT DATABASE '/tmp/y'",
];
const separator = fc.constantFrom(' ', '\n', '\t', '  ', ' /* c */ ', ' /*\nLOAD*/ ', '// c\n', '\r\n');
const randomCase = (s: string, flips: boolean[]): string => Array.from(s, (ch, i) => (flips[i % flips.length] ? ch.toLowerCase() : ch.toUpperCase())).join('');

test('property: hostile clauses are refused in any case, spacing, comments and subquery depth', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...HOSTILE_CORES),
      fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }),
      separator,
      fc.integer({ min: 0, max: 3 }),
      fc.boolean(),
      (core, flips, sep, depth, prefixed) => {
        const words = core.split(' ').map((w) => (/^["'(]/.test(w) ? w : randomCase(w, flips)));
        let q = words.join(sep);
        for (let d = 0; d < depth; d++) q = `MATCH (n)${sep}CALL${sep}{${sep}${q}${sep}}${sep}RETURN n`;
        if (prefixed) q = `MATCH (m) RETURN m;${sep}${q}`;
        const [v] = cypherViolations(q);
        assert.ok(v, q);
        assert.match(q.slice(v.offset, v.offset + v.length).toUpperCase(), /^(LOAD|COPY|EXPORT|ATTACH|INSTALL|CALL|IMPORT)$/);
      },
    ),
    { numRuns: 400 },
  );
});

test('property: a hostile clause inside a string, comment or backtick name is not a clause', () => {
  const hide = fc.constantFrom(
    (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
    (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`,
  );
  fc.assert(
    fc.property(fc.constantFrom(...HOSTILE_CORES), hide, separator, fc.constantFrom('comment', 'block', 'string', 'name'), (core, quote, sep, where) => {
      const q =
        where === 'comment'
          ? `MATCH (n)${sep}// ${core}\nRETURN n`
          : where === 'block'
            ? `MATCH (n) /* ${core.replace(/\*\//g, '')} */${sep}RETURN n`
            : where === 'name'
              ? `MATCH (n) RETURN n.id AS \`${core.replace(/`/g, '``')}\``
              : `MATCH (n) WHERE n.name =${sep}${quote(core)} RETURN n`;
      assert.deepEqual(cypherViolations(q), [], q);
    }),
    { numRuns: 300 },
  );
});
