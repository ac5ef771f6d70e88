// pcq-normalise-emails: reads PCQ_SPELL_INPUT ({with, upstream}), writes normalised rows to PCQ_SPELL_OUTPUT.
import { readFileSync, writeFileSync } from 'node:fs';

const input = JSON.parse(readFileSync(process.env.PCQ_SPELL_INPUT, 'utf8'));
const field = input.with.field ?? 'email';
const upstream = Object.values(input.upstream);
if (upstream.length !== 1 || !Array.isArray(upstream[0])) throw new Error('pcq-normalise-emails reads the rows of exactly one upstream step');
let changed = 0;
const rows = upstream[0].map((row) => {
  const value = row[field];
  if (typeof value !== 'string') return row;
  const normal = value.trim().toLowerCase();
  if (normal !== value) changed++;
  return { ...row, [field]: normal };
});
rows.sort((a, b) => (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0));
writeFileSync(process.env.PCQ_SPELL_OUTPUT, JSON.stringify(rows));
// The log says how many rows changed, never an address: logs are private, and still kept minimal.
console.log(`normalised ${rows.length} rows, ${changed} changed`);
