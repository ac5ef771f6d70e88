// A binary min-heap of node positions (small integers). The scheduler starts ready steps in
// topological-order position, which is already the deterministic order (docs/design.md §5: topological,
// ties broken by stepId), so the position alone is the key. O(log n) push/pop, no allocation per op
// once grown.

export class ReadyHeap {
  private items: Int32Array;
  private count = 0;

  constructor(capacity: number) {
    this.items = new Int32Array(Math.max(1, capacity));
  }

  get size(): number {
    return this.count;
  }

  push(value: number): void {
    if (this.count === this.items.length) {
      const grown = new Int32Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    const a = this.items;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent] as number;
      if (p <= value) break;
      a[i] = p;
      i = parent;
    }
    a[i] = value;
  }

  /** Smallest value, or -1 when empty. */
  pop(): number {
    if (this.count === 0) return -1;
    const a = this.items;
    const top = a[0] as number;
    const last = a[--this.count] as number;
    const n = this.count;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && (a[r] as number) < (a[l] as number) ? r : l;
      if ((a[c] as number) >= last) break;
      a[i] = a[c] as number;
      i = c;
    }
    if (n > 0) a[i] = last;
    return top;
  }
}
