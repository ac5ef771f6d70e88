// Seeded random sparse DAGs for scheduler tests and benchmarks (reproducible: xoshiro128** seed).
import type { ScheduleNode } from '../run/scheduler-types.ts';
import { createRandom, randomInt } from '../runtime/random.ts';

/** `size` nodes in topological order; node i needs 0–3 distinct nodes among the 200 before it. */
export function sparseDag(size: number, seedHex = '5eed'): ScheduleNode[] {
  const random = createRandom(seedHex);
  const nodes: ScheduleNode[] = [];
  for (let i = 0; i < size; i++) {
    const needs = new Set<string>();
    const count = i === 0 ? 0 : randomInt(random, 0, Math.min(3, i));
    for (let k = 0; k < count; k++) needs.add(`s${randomInt(random, Math.max(0, i - 200), i - 1)}`);
    nodes.push({ id: `s${i}`, needs: [...needs] });
  }
  return nodes;
}
