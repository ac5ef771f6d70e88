// pcq-score-pairs: reads PCQ_SPELL_INPUT ({with, upstream}), writes the scored rows to PCQ_SPELL_OUTPUT.
import { readFileSync, writeFileSync } from 'node:fs';

const input = JSON.parse(readFileSync(process.env.PCQ_SPELL_INPUT, 'utf8'));
const { model } = input.with;
const upstream = Object.values(input.upstream);
if (upstream.length !== 1 || !Array.isArray(upstream[0])) throw new Error('pcq-score-pairs reads the rows of exactly one upstream step');
const features = (row) => ({
  coOccurrences: Number(row.coOccurrences),
  mixedKinds: row.sourceKind !== row.targetKind ? 1 : 0,
  sameCountry: row.sameCountry ? 1 : 0,
});
const tag = `${model.name}@${model.version}`;
const rows = upstream[0].map((row) => {
  const x = features(row);
  let z = model.intercept;
  // Sorted feature names: the floating-point sum does not depend on the order weights are written in.
  for (const name of Object.keys(model.weights).sort()) z += model.weights[name] * x[name];
  return { ...row, confidence: Math.round((1 / (1 + Math.exp(-z))) * 1e6) / 1e6, model: tag };
});
rows.sort((a, b) => b.confidence - a.confidence || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0) || (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
writeFileSync(process.env.PCQ_SPELL_OUTPUT, JSON.stringify(rows));
console.log(`scored ${rows.length} pairs with ${tag}`);
