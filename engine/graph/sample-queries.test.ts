// Proves the sample runbooks' Cypher (read verbatim from sample-queries.md) on the embedded
// database loaded with runbooks/data/intel, through the real query/mutation steps and CEL engine.
// Every expectation is recomputed here from the CSV and JSON files, independently of the database.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openKuzuStore, type KuzuGraphStore } from './kuzu-store.ts';
import { loadDataset } from './load-dataset.ts';
import { parseCsv } from './csv.ts';
import { queryStep } from '../steps/query.ts';
import { mutationStep } from '../steps/mutation.ts';
import { createCelEngine } from '../runtime/cel.ts';
import { testContext, testStep } from '../testing/step-test-kit.ts';

const DATA = join(import.meta.dirname, '..', '..', 'runbooks', 'data');
const ASOF = '2026-11-16T00:00:00Z';
const WEEK_PARAMS = { weekStart: 'string(timestamp(asOf) - duration("168h"))', weekEnd: 'string(timestamp(asOf))' };
const WEEK_START = '2026-11-09T00:00:00Z';
const cel = createCelEngine();

/** `### <title>` followed by a ```cypher block, from sample-queries.md. */
function sampleQueries(): Record<string, string> {
  const md = readFileSync(join(import.meta.dirname, 'sample-queries.md'), 'utf8');
  const out: Record<string, string> = {};
  for (const m of md.matchAll(/^### (.+)\n(?:(?!```|#)[^\n]*\n)*```cypher\n([\s\S]*?)\n```/gm)) out[(m[1] as string).trim()] = (m[2] as string).trim();
  assert.equal(Object.keys(out).length, (md.match(/^### /gm) ?? []).length, 'every heading has its cypher block');
  return out;
}

function table(file: string): Array<Record<string, string | null>> {
  const csv = parseCsv(readFileSync(join(DATA, 'intel', file), 'utf8'), file);
  return csv.rows.map((r) => Object.fromEntries(csv.header.map((h, i) => [h, r[i] ?? null])));
}

const byString =
  (...keys: string[]) =>
  (x: Record<string, unknown>, y: Record<string, unknown>) => {
    for (const k of keys) if (x[k] !== y[k]) return String(x[k]) < String(y[k]) ? -1 : 1;
    return 0;
  };

describe('sample runbook queries on the embedded database', () => {
  const Q = sampleQueries();
  const entities = table('entities.csv');
  const documents = table('documents.csv');
  const mentions = table('mentioned_in.csv');
  const coOccurs = table('co_occurs.csv');
  let graph: KuzuGraphStore;
  const query = async (title: string, params: Record<string, string> = {}) => {
    const cypher = Q[title];
    assert.ok(cypher, `sample-queries.md has "${title}"`);
    const step = testStep(title.replace(/\W+/g, '-'), 'query', Object.keys(params).length ? { cypher, params } : { cypher });
    return (await queryStep.run(testContext(step, { asOf: ASOF, params: { minCoOccurrence: 3 }, ports: { graph, cel } }))).output as Array<
      Record<string, unknown>
    >;
  };
  before(async () => {
    graph = await openKuzuStore();
    await loadDataset(graph, join(DATA, 'intel'));
  });
  after(() => graph.close());

  it('R1: partial enrichment leaves completeness below 0.95, full enrichment reaches it', async () => {
    const missing = entities
      .filter((e) => e.email === null)
      .map((e) => ({ id: e.id, name: e.name }))
      .sort(byString('id'));
    const rows = await query('R1 query-entities');
    assert.deepEqual(rows, missing);
    assert.ok(missing.length / entities.length > 0.2 && missing.length / entities.length < 0.3, '~25% missing');

    const metric = async () => {
      const [m] = await query('R1 kpi:completeness>=0.95');
      return { m, pass: cel.evaluate('complete / total >= 0.95', { ...m }) === true };
    };
    // What the recorded-response connector answers: [{id, email}] for the ids its file knows.
    const enrich = async (fixture: string) => {
      const emails = JSON.parse(readFileSync(join(DATA, 'enrichment', fixture), 'utf8')) as Record<string, string>;
      const response = rows.flatMap((r) => (emails[String(r['id'])] ? [{ id: r['id'], email: emails[String(r['id'])] }] : []));
      const step = testStep('update-entities', 'mutation', { cypher: Q['R1 update-entities'] }, ['fetch-external-data']);
      const out = await mutationStep.run(testContext(step, { upstream: { 'fetch-external-data': response }, ports: { graph, cel } }));
      assert.deepEqual(out.output, { updated: response.length });
      return response.length;
    };
    const before = await metric();
    assert.deepEqual(before.m, { total: entities.length, complete: entities.length - missing.length });

    const partial = await enrich('partial.json');
    const afterPartial = await metric();
    assert.deepEqual(afterPartial.m, { total: entities.length, complete: entities.length - missing.length + partial });
    assert.equal(afterPartial.pass, false, `partial.json must fail the 0.95 postcondition honestly (${JSON.stringify(afterPartial.m)})`);

    await enrich('full.json');
    const afterFull = await metric();
    assert.deepEqual(afterFull.m, { total: entities.length, complete: entities.length });
    assert.equal(afterFull.pass, true);
  });

  it('R2: high co-occurrence selects a few hundred pairs with features, and inferred edges record confidence and provenance', async () => {
    const country = new Map(entities.map((e) => [e.id, e.country]));
    const kind = new Map(entities.map((e) => [e.id, e.kind]));
    const expected = coOccurs
      .filter((c) => Number(c.count) >= 3)
      .map((c) => ({
        source: c.from,
        target: c.to,
        coOccurrences: Number(c.count),
        firstSeen: c.firstSeen,
        sourceKind: kind.get(c.from ?? ''),
        targetKind: kind.get(c.to ?? ''),
        sameCountry: country.get(c.from ?? '') === country.get(c.to ?? ''),
      }));
    const pairs = await query('R2 find-pairs', { minCount: 'params.minCoOccurrence' });
    assert.deepEqual(pairs, expected);
    assert.ok(pairs.length >= 100 && pairs.length <= 600 && coOccurs.length >= 2000, `a few hundred of thousands: ${pairs.length}/${coOccurs.length}`);

    const step = testStep(
      'create-inferred-edges',
      'mutation',
      {
        cypher: Q['R2 create-inferred-edges'],
        params: {
          source: 'row.source',
          target: 'row.target',
          confidence: 'row.coOccurrences / (row.coOccurrences + 2.0)',
          model: '"cooc-ratio@1"',
          features: '"{\\"coOccurrences\\":" + string(row.coOccurrences) + "}"',
          provenance: '"pcq:R2/score-pairs@" + asOf',
          inferredAt: 'asOf',
        },
      },
      ['score-pairs'],
    );
    const created = await mutationStep.run(testContext(step, { asOf: ASOF, upstream: { 'score-pairs': pairs }, ports: { graph, cel } }));
    assert.deepEqual(created.output, { updated: pairs.length });
    const [logged] = await query('R2 assert-logged');
    const confidences = expected.map((p) => p.coOccurrences / (p.coOccurrences + 2));
    assert.deepEqual(logged, {
      total: pairs.length,
      withConfidence: pairs.length,
      withProvenance: pairs.length,
      minConfidence: Math.min(...confidences),
      maxConfidence: Math.max(...confidences),
    });
    const [one] = await graph.query(
      'MATCH (a:Entity)-[r:INFERRED_RELATIONSHIP]->(b:Entity) RETURN r.provenance AS provenance, r.features AS features, r.inferredAt AS at ORDER BY provenance LIMIT 1',
    );
    assert.equal(one?.['provenance'], `pcq:R2/score-pairs@${ASOF}`);
    assert.ok(JSON.parse(String(one?.['features'])).coOccurrences >= 3);
  });

  it('R3: the week before asOf has new entities, new relationships, and source documents to cite', async () => {
    const inWeek = (t: string | null | undefined) => typeof t === 'string' && t >= WEEK_START && t < ASOF;
    const newEntities = entities
      .filter((e) => inWeek(e.createdAt))
      .map((e) => ({ id: e.id, name: e.name, kind: e.kind, createdAt: e.createdAt }))
      .sort(byString('createdAt', 'id'));
    assert.ok(newEntities.length > 0);
    assert.deepEqual(await query('R3 new-entities', WEEK_PARAMS), newEntities);

    const kinds = [...new Set(newEntities.map((e) => e.kind as string))].sort();
    assert.deepEqual(
      await query('R3 new-entities-by-kind', WEEK_PARAMS),
      kinds.map((k) => ({ kind: k, newEntities: newEntities.filter((e) => e.kind === k).length })),
    );

    const newRels = coOccurs
      .filter((c) => inWeek(c.firstSeen))
      .map((c) => ({ source: c.from, target: c.to, coOccurrences: Number(c.count), firstSeen: c.firstSeen }))
      .sort(byString('firstSeen', 'source', 'target'));
    assert.ok(newRels.length > 0);
    assert.deepEqual(await query('R3 new-relationships', WEEK_PARAMS), newRels);

    const doc = new Map(documents.map((d) => [d.id, d]));
    const isNew = new Set(newEntities.map((e) => e.id));
    const entityCitations = mentions
      .filter((m) => isNew.has(m.from))
      .map((m) => {
        const d = doc.get(m.to) ?? {};
        return { entity: m.from, ref: m.to, source: d.source, title: d.title, url: d.url, publishedAt: d.publishedAt };
      })
      .sort(byString('entity', 'ref'));
    assert.ok(entityCitations.length > 0);
    assert.deepEqual(await query('R3 entity-citations', WEEK_PARAMS), entityCitations);

    const docsOf = new Map<string, Set<string>>();
    for (const m of mentions) docsOf.set(m.from ?? '', (docsOf.get(m.from ?? '') ?? new Set()).add(m.to ?? ''));
    const refs = new Set<string>();
    for (const r of newRels)
      for (const d of docsOf.get(r.source ?? '') ?? []) if (docsOf.get(r.target ?? '')?.has(d) && inWeek(doc.get(d)?.publishedAt ?? null)) refs.add(d);
    const relCitations = [...refs].sort().map((ref) => {
      const d = doc.get(ref) ?? {};
      return { ref, source: d.source, title: d.title, url: d.url, publishedAt: d.publishedAt };
    });
    assert.ok(relCitations.length > 0);
    assert.deepEqual(await query('R3 relationship-citations', WEEK_PARAMS), relCitations);
  });
});
