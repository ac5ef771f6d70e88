// Generates the sample intelligence graph (runbooks/data/intel/) and R1's recorded enrichment
// answers (runbooks/data/enrichment/) from a seeded PRNG, so the committed files are reproducible
// byte for byte: `node --import tsx scripts/generate-data.ts` rewrites them, and
// scripts/generate-data.test.ts fails when the committed copy drifts from this generator.
//
// The shape is tuned for the three sample runbooks:
// - R1: ~25% of entities lack an email; full.json fills all of them, partial.json only about half,
//   so completeness after a partial enrichment stays below 0.95.
// - R2: entities live in clusters and documents mostly mention one cluster, so CO_OCCURS counts are
//   skewed and "count >= 3" selects a few hundred pairs out of thousands.
// - R3: entities and documents are spread over the 8 weeks before 2026-11-16 (a Monday), so the
//   reporting week [2026-11-09, 2026-11-16) has new entities and newly seen co-occurrences.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DATA_SEED = 20261116;
const WINDOW_END = Date.UTC(2026, 10, 16); // 2026-11-16T00:00:00Z, exclusive
const WINDOW_START = WINDOW_END - 8 * 7 * 86_400_000;
const ENTITY_COUNT = 600;
const DOCUMENT_COUNT = 420;
const CLUSTER_COUNT = 40;

/** mulberry32: tiny, fast and fully determined by its 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = [
  'Ada',
  'Bram',
  'Chiara',
  'Dmitri',
  'Elif',
  'Farid',
  'Greta',
  'Hiro',
  'Ines',
  'Jonas',
  'Kofi',
  'Lena',
  'Mateo',
  'Nadia',
  'Omar',
  'Priya',
  'Quentin',
  'Rosa',
  'Sven',
  'Tariq',
  'Uma',
  'Viktor',
  'Wen',
  'Yara',
  'Zoltan',
];
const LAST = [
  'Abara',
  'Berg',
  'Castillo',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Gallo',
  'Haddad',
  'Ivanova',
  'Jensen',
  'Kowalski',
  'Lindqvist',
  'Moreau',
  'Novak',
  'Okafor',
  'Petrov',
  'Rossi',
  'Santos',
  'Tanaka',
  'Varga',
  'Weber',
  'Yilmaz',
];
const ORG_A = [
  'Northwind',
  'Bluefield',
  'Ironbridge',
  'Silverline',
  'Redcliff',
  'Oakmont',
  'Greystone',
  'Harbor',
  'Kestrel',
  'Meridian',
  'Summit',
  'Tidewater',
];
const ORG_B = ['Logistics', 'Holdings', 'Shipping', 'Trading', 'Energy', 'Mining', 'Capital', 'Freight', 'Analytics', 'Foundation'];
const PLACES = ['Port Aster', 'Valmora', 'Kessel Bay', 'Drovnik', 'Lake Orin', 'Sarabi', 'Tiberon', 'Ulmsted', 'Corvel', 'Mirenza', 'Batavo', 'Ostrell'];
const COUNTRIES = ['DE', 'FR', 'NL', 'PL', 'SE', 'IT', 'ES', 'TR', 'NG', 'KE', 'BR', 'IN', 'JP', 'US'];
const ENTITY_SOURCES = ['osint-feed', 'company-registry', 'news-wire', 'analyst'];
const DOC_SOURCES = ['news-wire', 'osint-feed', 'court-records', 'trade-journal'];
const TOPICS = ['shipment', 'merger', 'sanctions filing', 'port call', 'board change', 'tender', 'lawsuit', 'audit'];

export interface Entity {
  id: string;
  name: string;
  kind: string;
  email: string | null;
  country: string;
  createdAt: string;
  source: string;
  cluster: number;
  weight: number;
}
export interface Document {
  id: string;
  title: string;
  source: string;
  url: string;
  publishedAt: string;
}

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)] as T;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '');
}

function makeEntities(rand: () => number): Entity[] {
  const entities: Entity[] = [];
  for (let i = 1; i <= ENTITY_COUNT; i++) {
    const roll = rand();
    const kind = roll < 0.55 ? 'person' : roll < 0.85 ? 'organization' : 'location';
    let name: string;
    let email: string;
    if (kind === 'person') {
      const first = pick(rand, FIRST);
      const last = pick(rand, LAST);
      name = `${first} ${last}`;
      email = `${slug(first)}.${slug(last)}${i}@mail.example`;
    } else if (kind === 'organization') {
      name = `${pick(rand, ORG_A)} ${pick(rand, ORG_B)} ${i}`;
      email = `info@${slug(name)}.example`;
    } else {
      name = `${pick(rand, PLACES)} District ${i}`;
      email = `office@${slug(name)}.gov.example`;
    }
    const missing = rand() < 0.25;
    entities.push({
      id: `E${String(i).padStart(4, '0')}`,
      name,
      kind,
      email: missing ? null : email,
      country: pick(rand, COUNTRIES),
      createdAt: iso(WINDOW_START + Math.floor((rand() * (WINDOW_END - WINDOW_START)) / 1000) * 1000),
      source: pick(rand, ENTITY_SOURCES),
      cluster: Math.floor(rand() * CLUSTER_COUNT),
      // Heavy-tailed popularity: a few entities are mentioned everywhere (realistic skew).
      weight: 1 / Math.pow(1 - rand() * 0.97, 1.6),
    });
  }
  return entities;
}

function weightedPick(rand: () => number, pool: Entity[]): Entity {
  const total = pool.reduce((s, e) => s + e.weight, 0);
  let r = rand() * total;
  for (const e of pool) {
    r -= e.weight;
    if (r <= 0) return e;
  }
  return pool[pool.length - 1] as Entity;
}

export interface IntelData {
  entities: Entity[];
  documents: Document[];
  mentions: Array<{ entity: string; document: string }>;
  coOccurs: Array<{ a: string; b: string; count: number; firstSeen: string }>;
}

export function generateIntelData(seed = DATA_SEED): IntelData {
  const rand = seededRandom(seed);
  const entities = makeEntities(rand);
  const documents: Document[] = [];
  const mentions: IntelData['mentions'] = [];
  const pairs = new Map<string, { a: string; b: string; count: number; firstSeen: string }>();
  for (let i = 1; i <= DOCUMENT_COUNT; i++) {
    const publishedMs = WINDOW_START + 86_400_000 + Math.floor((rand() * (WINDOW_END - WINDOW_START - 86_400_000)) / 1000) * 1000;
    const publishedAt = iso(publishedMs);
    // A document can only mention entities already known when it was published.
    const known = entities.filter((e) => e.createdAt <= publishedAt);
    const cluster = Math.floor(rand() * CLUSTER_COUNT);
    const inCluster = known.filter((e) => e.cluster === cluster);
    const size = 2 + Math.floor(rand() * 6);
    const chosen = new Map<string, Entity>();
    for (let tries = 0; chosen.size < size && tries < 40; tries++) {
      const pool = inCluster.length > 0 && rand() < 0.7 ? inCluster : known;
      if (pool.length === 0) break;
      const e = weightedPick(rand, pool);
      chosen.set(e.id, e);
    }
    const id = `D${String(i).padStart(4, '0')}`;
    const members = [...chosen.values()].sort((x, y) => (x.id < y.id ? -1 : 1));
    const lead = members[0]?.name ?? 'unknown parties';
    const source = pick(rand, DOC_SOURCES);
    documents.push({
      id,
      title: `${pick(rand, TOPICS)} involving ${lead}`.replace(/^./, (c) => c.toUpperCase()),
      source,
      url: `https://${source}.example/articles/${id.toLowerCase()}`,
      publishedAt,
    });
    for (const e of members) mentions.push({ entity: e.id, document: id });
    for (let x = 0; x < members.length; x++) {
      for (let y = x + 1; y < members.length; y++) {
        const a = (members[x] as Entity).id;
        const b = (members[y] as Entity).id;
        const key = `${a}|${b}`;
        const pair = pairs.get(key);
        if (pair) {
          pair.count += 1;
          if (publishedAt < pair.firstSeen) pair.firstSeen = publishedAt;
        } else pairs.set(key, { a, b, count: 1, firstSeen: publishedAt });
      }
    }
  }
  mentions.sort((p, q) => (p.entity + p.document < q.entity + q.document ? -1 : 1));
  const coOccurs = [...pairs.values()].sort((p, q) => (p.a + p.b < q.a + q.b ? -1 : 1));
  return { entities, documents, mentions, coOccurs };
}

/** RFC 4180 field: quoted only when it must be; an empty unquoted field is NULL on load. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(header: string[], rows: Array<Array<string | number | null>>): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

const DATASET_YAML = `# Sample intelligence graph for the R1/R2/R3 runbooks. Generated by scripts/generate-data.ts:
# edit the generator, not these files. Format: engine/graph/README.md ("Dataset folders").
name: intel
description: Entities, the documents that mention them, and their co-occurrences (8 weeks to 2026-11-16).
nodes:
  - table: Entity
    file: entities.csv
    primaryKey: id
    columns:
      - { name: id, type: STRING }
      - { name: name, type: STRING }
      - { name: kind, type: STRING }
      - { name: email, type: STRING }
      - { name: country, type: STRING }
      - { name: createdAt, type: STRING }
      - { name: source, type: STRING }
  - table: Document
    file: documents.csv
    primaryKey: id
    columns:
      - { name: id, type: STRING }
      - { name: title, type: STRING }
      - { name: source, type: STRING }
      - { name: url, type: STRING }
      - { name: publishedAt, type: STRING }
relationships:
  - table: MENTIONED_IN
    from: Entity
    to: Document
    file: mentioned_in.csv
    columns: []
  - table: CO_OCCURS
    from: Entity
    to: Entity
    file: co_occurs.csv
    columns:
      - { name: count, type: INT64 }
      - { name: firstSeen, type: STRING }
  - table: INFERRED_RELATIONSHIP
    from: Entity
    to: Entity
    columns:
      - { name: confidence, type: DOUBLE }
      - { name: model, type: STRING }
      - { name: features, type: STRING }
      - { name: provenance, type: STRING }
      - { name: inferredAt, type: STRING }
`;

/** Every generated file, by path relative to runbooks/data/. Pure: same seed, same bytes. */
export function generateDataFiles(seed = DATA_SEED): Record<string, string> {
  const data = generateIntelData(seed);
  const missing = data.entities.filter((e) => e.email === null);
  const full: Record<string, string> = {};
  const partial: Record<string, string> = {};
  missing.forEach((e, i) => {
    const email = `${slug(e.name)}.${e.id.toLowerCase()}@enriched.example`;
    full[e.id] = email;
    if (i % 2 === 0) partial[e.id] = email;
  });
  return {
    'intel/dataset.yaml': DATASET_YAML,
    'intel/entities.csv': csv(
      ['id', 'name', 'kind', 'email', 'country', 'createdAt', 'source'],
      data.entities.map((e) => [e.id, e.name, e.kind, e.email, e.country, e.createdAt, e.source]),
    ),
    'intel/documents.csv': csv(
      ['id', 'title', 'source', 'url', 'publishedAt'],
      data.documents.map((d) => [d.id, d.title, d.source, d.url, d.publishedAt]),
    ),
    'intel/mentioned_in.csv': csv(
      ['from', 'to'],
      data.mentions.map((m) => [m.entity, m.document]),
    ),
    'intel/co_occurs.csv': csv(
      ['from', 'to', 'count', 'firstSeen'],
      data.coOccurs.map((c) => [c.a, c.b, c.count, c.firstSeen]),
    ),
    'enrichment/full.json': JSON.stringify(full, null, 2) + '\n',
    'enrichment/partial.json': JSON.stringify(partial, null, 2) + '\n',
  };
}

export function writeDataFiles(dataDir: string, seed = DATA_SEED): string[] {
  const files = generateDataFiles(seed);
  for (const [rel, text] of Object.entries(files)) {
    const path = join(dataDir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  return Object.keys(files);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dataDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'runbooks', 'data');
  for (const rel of writeDataFiles(dataDir)) process.stdout.write(`wrote runbooks/data/${rel}\n`);
}
