// Rows leave the graph store as plain JSON so that they can be canonicalised (RFC 8785) and
// signed: no BigInt, no Date, no NaN, no driver classes. Both adapters map their values onto the
// same shapes, so one runbook yields the same outputs on kuzu and Neo4j:
//   integers     → JSON numbers; outside ±(2^53−1) the exact digits as a string (never rounded)
//   DATE         → "YYYY-MM-DD";  TIMESTAMP/DATETIME → ISO-8601 UTC "…T…Z" (Date#toISOString)
//   node, rel    → an object of their non-null properties (internal ids and labels dropped)
//   path         → { nodes: [...], relationships: [...] }
//   NaN/±Infinity→ PCQ_GRAPH_VALUE (RFC 8785 has no encoding for them)
import { PcqError } from '../base/errors.ts';

export function integerToJson(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

export function numberToJson(value: number, column: string): number {
  if (Number.isFinite(value)) return Object.is(value, -0) ? 0 : value;
  throw new PcqError({
    code: 'PCQ_GRAPH_VALUE',
    message: `column ${column} returned ${value}, which JSON cannot represent`,
    hint: 'Guard the division or aggregate in the query (e.g. CASE WHEN total = 0 THEN 0.0 ELSE … END).',
  });
}

export function dateToJson(value: Date, column: string, dateOnly: boolean): string {
  if (Number.isNaN(value.getTime())) {
    throw new PcqError({ code: 'PCQ_GRAPH_VALUE', message: `column ${column} returned an invalid date`, hint: 'Check the stored value.' });
  }
  const iso = value.toISOString();
  return dateOnly ? iso.slice(0, 10) : iso;
}

export function bytesToJson(value: Uint8Array): string {
  return Buffer.from(value).toString('base64');
}

/** Properties of a node or relationship without nulls (Neo4j never stores a null property). */
export function propertiesToJson(entries: Array<[string, unknown]>, convert: (v: unknown) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    const json = convert(value);
    if (json !== null) out[key] = json;
  }
  return out;
}
