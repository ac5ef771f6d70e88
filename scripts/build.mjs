// Bundles the CLI (and, when present, the Action) into single ESM files with esbuild.
// Start-up is paid by every PR check and CLI call, so we ship one file instead of a tree of modules.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

// ESM bundles for Node need a real `require` for CommonJS dependencies that load built-ins.
const banner = {
  js: "import { createRequire as __pcqCreateRequire } from 'node:module'; const require = __pcqCreateRequire(import.meta.url);",
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  banner,
  legalComments: 'none',
  logLevel: 'warning',
  // kuzu ships a native addon and neo4j-driver is only loaded when configured: keep them external.
  external: ['kuzu', 'neo4j-driver'],
};

const entries = [
  { in: 'engine/cli/main.ts', out: 'dist/pcq.mjs' },
  { in: 'engine/action/main.ts', out: 'dist/action.mjs' },
];

for (const e of entries) {
  if (!existsSync(e.in)) continue;
  await build({ ...common, entryPoints: [e.in], outfile: e.out });
}
