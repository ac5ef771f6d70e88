// kuzu's JS values → the plain JSON shapes of json-values.ts. kuzu returns INT64 as number,
// INT128/SERIAL as bigint, DATE and TIMESTAMP as Date, nodes as {_id, _label, ...props}, rels as
// {_id, _src, _dst, _label, ...props}, recursive rels (paths) as {_nodes, _rels}.
import { bytesToJson, dateToJson, integerToJson, numberToJson, propertiesToJson } from './json-values.ts';

const INTERNAL = new Set(['_id', '_label', '_src', '_dst']);

export function kuzuValueToJson(value: unknown, column: string, columnType = ''): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return numberToJson(value, column);
    case 'bigint':
      return integerToJson(value);
    case 'object':
      break;
    default:
      return String(value);
  }
  const convert = (v: unknown) => kuzuValueToJson(v, column);
  if (value instanceof Date) return dateToJson(value, column, columnType === 'DATE');
  if (value instanceof Uint8Array) return bytesToJson(value);
  if (Array.isArray(value)) return value.map(convert);
  const record = value as Record<string, unknown>;
  if (Array.isArray(record['_nodes']) && Array.isArray(record['_rels'])) {
    return { nodes: record['_nodes'].map(convert), relationships: record['_rels'].map(convert) };
  }
  if ('_id' in record && '_label' in record) {
    return propertiesToJson(
      Object.entries(record).filter(([k]) => !INTERNAL.has(k)),
      convert,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = convert(v);
  return out;
}
