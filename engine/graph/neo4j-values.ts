// neo4j-driver values → the plain JSON shapes of json-values.ts, and JSON parameters → driver
// values. Neo4j sends every integer as a 64-bit neo4j.Integer and temporals as driver classes;
// they become the same JSON the kuzu adapter produces for the same data.
import neo4j from 'neo4j-driver';
import { bytesToJson, integerToJson, numberToJson, propertiesToJson } from './json-values.ts';

export function neo4jValueToJson(value: unknown, column: string): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return numberToJson(value, column);
  if (typeof value === 'bigint') return integerToJson(value);
  if (typeof value !== 'object') return value;
  const convert = (v: unknown) => neo4jValueToJson(v, column);
  if (neo4j.isInt(value)) return integerToJson(BigInt(value.toString()));
  if (neo4j.isDate(value)) return value.toString(); // YYYY-MM-DD, as kuzu DATE
  if (neo4j.isDateTime(value)) return dateTimeToIso(value);
  if (neo4j.isLocalDateTime(value)) return localDateTimeToIso(value);
  if (neo4j.isDuration(value)) return durationToIso(value);
  if (neo4j.isTime(value) || neo4j.isLocalTime(value)) return value.toString();
  if (neo4j.isPoint(value)) {
    const p: Record<string, unknown> = { srid: convert(value.srid), x: value.x, y: value.y };
    if (value.z !== undefined) p['z'] = value.z;
    return p;
  }
  if (neo4j.isNode(value) || neo4j.isRelationship(value) || neo4j.isUnboundRelationship(value)) {
    return propertiesToJson(Object.entries(value.properties as Record<string, unknown>), convert);
  }
  if (neo4j.isPath(value)) {
    const nodes = [value.start, ...value.segments.map((s) => s.end)];
    return { nodes: nodes.map(convert), relationships: value.segments.map((s) => convert(s.relationship)) };
  }
  if (value instanceof Uint8Array) return bytesToJson(value);
  if (Array.isArray(value)) return value.map(convert);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = convert(v);
  return out;
}

type Temporal = { year: unknown; month: unknown; day: unknown; hour: unknown; minute: unknown; second: unknown; nanosecond: unknown };

function toNum(v: unknown): number {
  return neo4j.isInt(v) ? v.toNumber() : Number(v);
}

function utcMillis(t: Temporal): number {
  return Date.UTC(toNum(t.year), toNum(t.month) - 1, toNum(t.day), toNum(t.hour), toNum(t.minute), toNum(t.second), Math.floor(toNum(t.nanosecond) / 1e6));
}

/** A zoned DATETIME → UTC ISO (kuzu TIMESTAMP shape); millisecond precision like Date. */
function dateTimeToIso(value: Temporal & { timeZoneOffsetSeconds?: unknown; toString(): string }): string {
  if (value.timeZoneOffsetSeconds === undefined || value.timeZoneOffsetSeconds === null) return value.toString();
  return new Date(utcMillis(value) - toNum(value.timeZoneOffsetSeconds) * 1000).toISOString();
}

/** A LOCALDATETIME has no zone: read it as UTC, as kuzu's naive TIMESTAMP is. Never the host's zone. */
function localDateTimeToIso(value: Temporal): string {
  return new Date(utcMillis(value)).toISOString();
}

/** ISO-8601 duration with every part written (the driver's own toString drops some: "P3DT"). */
function durationToIso(value: { months: unknown; days: unknown; seconds: unknown; nanoseconds: unknown }): string {
  const nanos = toNum(value.nanoseconds);
  const fraction = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `P${toNum(value.months)}M${toNum(value.days)}DT${toNum(value.seconds)}${fraction}S`;
}

/**
 * JSON parameters → driver values. JS numbers that are integers go as neo4j.Integer (as kuzu binds
 * them as INT64); the driver would otherwise send every number as a float.
 */
export function jsonToNeo4jParam(value: unknown): unknown {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return neo4j.int(value);
  if (Array.isArray(value)) return value.map(jsonToNeo4jParam);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonToNeo4jParam(v)]));
  }
  return value;
}
