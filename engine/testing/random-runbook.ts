// A runbook with `size` steps on a seeded random sparse DAG (random-dag.ts), for the distributed
// run proofs and benches: roots query the alerts dataset (so they share the graph job), every other
// step is a transform of its first dependency's rows, so the rest fans out across jobs.
import { sparseDag } from './random-dag.ts';

export function randomDagRunbook(size: number, seedHex = '5eed'): string {
  const nodes = sparseDag(size, seedHex);
  const lines = [`runbookId: RDAG${size}`, `name: Random DAG of ${size} steps`, 'version: "1.0"', 'dataset: alerts', 'steps:'];
  for (const [i, node] of nodes.entries()) {
    lines.push(`  - stepId: ${node.id}`);
    if (node.needs.length === 0) {
      lines.push('    type: query', '    needs: []', '    cypher: MATCH (a:Alert) RETURN a.id AS id, a.severity AS severity ORDER BY id');
      continue;
    }
    lines.push('    type: transform', `    needs: [${node.needs.join(', ')}]`, `    from: ${node.needs[0]}`);
    lines.push('    map:', '      id: row.id', `      severity: row.severity + ${i % 7}.0`);
  }
  return lines.join('\n') + '\n';
}
