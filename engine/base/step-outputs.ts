// The outputs of a run's accepted steps, as every step and prover reads them (`steps` in CEL,
// FORMATS.md). A step sees the outputs committed when its attempt started: a snapshot. Copying the
// table for every step made a run quadratic in its size (issue 16: 10,000 trivial steps took over
// a minute), so a snapshot is a view instead: the table is append-only and each output is written
// once, so "committed before the attempt started" is "among the first `count` entries" — O(1) to
// take. CEL gets the view as a JS Map (the CEL library's documented input for maps), which it
// wraps without converting; a plain object would be converted entry by entry on every evaluation.

/** A read-only Map over the first `count` entries of an append-only map, plus one overlaid entry. */
class PrefixMap extends Map<string, unknown> {
  readonly #table: OutputTable;
  readonly #count: number;
  readonly #own: readonly [string, unknown] | undefined;

  constructor(table: OutputTable, count: number, own?: readonly [string, unknown]) {
    super();
    this.#table = table;
    this.#count = count;
    this.#own = own;
  }

  parts(): ViewParts {
    return { table: this.#table, count: this.#count, own: this.#own };
  }

  override get(key: string): unknown {
    if (this.#own !== undefined && key === this.#own[0]) return this.#own[1];
    const seq = this.#table.seqOf(key);
    return seq !== undefined && seq < this.#count ? this.#table.valueOf(key) : undefined;
  }

  override has(key: string): boolean {
    if (this.#own !== undefined && key === this.#own[0]) return true;
    const seq = this.#table.seqOf(key);
    return seq !== undefined && seq < this.#count;
  }

  override get size(): number {
    return this.#count + (this.#own !== undefined && !this.#within(this.#own[0]) ? 1 : 0);
  }

  #within(key: string): boolean {
    const seq = this.#table.seqOf(key);
    return seq !== undefined && seq < this.#count;
  }

  override *entries(): MapIterator<[string, unknown]> {
    let i = 0;
    for (const [key, value] of this.#table.entries()) {
      if (i++ >= this.#count) break;
      yield [key, this.#own !== undefined && key === this.#own[0] ? this.#own[1] : value];
    }
    if (this.#own !== undefined && !this.#within(this.#own[0])) yield [this.#own[0], this.#own[1]];
  }

  override *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  override *values(): MapIterator<unknown> {
    for (const [, value] of this.entries()) yield value;
  }

  override [Symbol.iterator](): MapIterator<[string, unknown]> {
    return this.entries();
  }

  override forEach(callback: (value: unknown, key: string, map: Map<string, unknown>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  override set(): this {
    throw new TypeError('step outputs are read-only');
  }

  override delete(): boolean {
    throw new TypeError('step outputs are read-only');
  }

  override clear(): void {
    throw new TypeError('step outputs are read-only');
  }
}

/** What a view is made of: the table, how many of its entries it shows, and the overlaid entry. */
export interface ViewParts {
  table: OutputTable;
  count: number;
  own: readonly [string, unknown] | undefined;
}

/** The parts of a CEL view (celStepsView's result), or undefined for any other value. */
export function viewParts(value: unknown): ViewParts | undefined {
  return value instanceof PrefixMap ? value.parts() : undefined;
}

/** A read-only Map over the first `count` entries of `table`, plus `own` (what celStepsView gives CEL). */
export function prefixView(table: OutputTable, count: number, own?: readonly [string, unknown]): Map<string, unknown> {
  return new PrefixMap(table, count, own);
}

/** Each record view's Map twin, for CEL (celStepsView). */
const celViews = new WeakMap<object, Map<string, unknown>>();

/** The run's committed outputs, by stepId, in commit order. */
export class OutputTable {
  readonly #values = new Map<string, unknown>();
  readonly #seq = new Map<string, number>();
  readonly #order: string[] = [];
  /** A plain object with every committed output (what persist-run writes). */
  readonly all: Record<string, unknown> = {};

  set(stepId: string, value: unknown): void {
    if (this.#seq.has(stepId)) throw new Error(`step ${stepId} committed its output twice`);
    this.#seq.set(stepId, this.#values.size);
    this.#values.set(stepId, value);
    this.#order.push(stepId);
    this.all[stepId] = value;
  }

  get size(): number {
    return this.#values.size;
  }

  seqOf(stepId: string): number | undefined {
    return this.#seq.get(stepId);
  }

  valueOf(stepId: string): unknown {
    return this.#values.get(stepId);
  }

  entries(): MapIterator<[string, unknown]> {
    return this.#values.entries();
  }

  /** The entries committed from position `start` on, in commit order (a mirror's delta). */
  entriesFrom(start: number): Array<[string, unknown]> {
    return this.#order.slice(start).map((key) => [key, this.#values.get(key)]);
  }

  /**
   * The outputs committed so far, frozen at this moment, as a read-only object (for step kinds and
   * provers), optionally with the running step's own output overlaid (postconditions read it).
   */
  snapshot(own?: readonly [string, unknown]): Readonly<Record<string, unknown>> {
    const map = new PrefixMap(this, this.#values.size, own);
    const view = new Proxy(Object.create(null) as Record<string, unknown>, {
      get: (_t, key) => (typeof key === 'string' ? map.get(key) : undefined),
      has: (_t, key) => typeof key === 'string' && map.has(key),
      ownKeys: () => [...map.keys()],
      getOwnPropertyDescriptor: (_t, key) =>
        typeof key === 'string' && map.has(key) ? { value: map.get(key), writable: false, enumerable: true, configurable: true } : undefined,
      set: () => false,
      defineProperty: () => false,
      deleteProperty: () => false,
    });
    celViews.set(view, map);
    return view;
  }
}

/** What CEL should see as `steps`: a snapshot's Map twin, or the object itself when it is not a snapshot. */
export function celStepsView(steps: Readonly<Record<string, unknown>>): unknown {
  return celViews.get(steps) ?? steps;
}
