// Typed reads over JSON/YAML of unknown shape. The site shows files written by other parts of pcq
// (run.json, score.json, replay reports, tickets) whose unsigned fields may evolve; a missing or
// odd field must degrade to "not shown", never break the build.

export type Loose = Record<string, unknown>;

export function asObject(value: unknown): Loose {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Loose) : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The first of `keys` that holds a string (or a number, rendered as a string). */
export function pickString(obj: Loose, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = obj[k];
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return undefined;
}

export function pickNumber(obj: Loose, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = obj[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

export function pickStrings(obj: Loose, ...keys: string[]): string[] {
  for (const k of keys) {
    const v = obj[k];
    if (typeof v === 'string') return [v];
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  }
  return [];
}

/** Rows keyed by `idKey`, from either an array of objects or an object keyed by id. */
export function keyedRows(value: unknown, idKey: string): Map<string, Loose> {
  const out = new Map<string, Loose>();
  if (Array.isArray(value)) {
    for (const row of value) {
      const o = asObject(row);
      const id = o[idKey];
      if (typeof id === 'string') out.set(id, o);
    }
  } else {
    for (const [id, row] of Object.entries(asObject(value))) out.set(id, asObject(row));
  }
  return out;
}
