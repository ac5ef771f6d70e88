// Writes docs/ERRORS.md from engine/base/error-catalogue.ts (`npm run docs:errors`).
import { writeFile, rename } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { renderErrorDocs } from '../engine/base/error-docs.ts';

const target = fileURLToPath(new URL('../docs/ERRORS.md', import.meta.url));
const temp = `${target}.${process.pid}.tmp`;
await writeFile(temp, renderErrorDocs());
await rename(temp, target); // atomic: a reader sees the old list or the new one
console.log(`wrote ${target}`);
