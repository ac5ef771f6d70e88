// pcq-word-count: counts the words of with.text.
import { readFileSync, writeFileSync } from 'node:fs';

const input = JSON.parse(readFileSync(process.env.PCQ_SPELL_INPUT, 'utf8'));
const words = input.with.text.split(/\s+/).filter((w) => w !== '').length;
writeFileSync(process.env.PCQ_SPELL_OUTPUT, JSON.stringify({ words }));
console.log(`${words} words`);
