// Bundles the CLI and the Action with esbuild, built on install (`prepare`), because start-up is
// paid by every PR check and CLI call: tsx over the source tree starts in ~1 s.
//
// The CLI is split into chunks: dist/pcq.mjs holds the entry and the verb table, and each verb's
// code (and only its dependencies: the graph database, pdf-lib, SMTP, ...) loads when that verb
// runs. One 3 MB file cost ~0.5 s to compile before `pcq --help` could print a line; the entry
// alone starts within ~2× of bare `node -e 0`. The Action stays a single file: the runner loads
// it once per job and it must not depend on a chunk folder beside it.
import { build } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';

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
  // kuzu and pkcs11js ship native addons and neo4j-driver is only loaded when configured: keep them external.
  external: ['kuzu', 'neo4j-driver', 'pkcs11js'],
  // nodeVerifyBatch (engine/proof/ed25519-node.ts) starts its worker threads from a module file,
  // never from source text: in a bundle, the ed25519-node-worker.mjs written below beside it.
  define: {
    PCQ_NODE_WORKER: JSON.stringify('./ed25519-node-worker.mjs'),
    PCQ_KUZU_CHILD: JSON.stringify('./kuzu-child.mjs'),
    PCQ_CEL_WORKER: JSON.stringify('./cel-worker.mjs'),
  },
};

rmSync('dist/chunks', { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { pcq: 'engine/cli/main.ts' },
  outdir: 'dist',
  splitting: true,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunks/[name]-[hash]',
});

// The verifier's Node built-ins come from process.getBuiltinModule (Node >= 22.3), not from ESM
// imports. An ESM import of a built-in builds its module facade, which reads every export, lazy
// getters included: `node:fs` then loads all of fs streams, `node:util` its diff and colour code,
// `node:crypto` WebCrypto, none of which the verifier uses (~13 ms of a 100-step verify's start,
// measured with performance.now() around each import in a fresh process). Here each built-in is a
// small module that exports the built-in's plain data properties by name; a lazy getter is not
// exported, so code that imports one fails the build instead of loading it at start.
const builtinsByGetter = {
  name: 'builtins-by-getter',
  setup(b) {
    // sideEffects: false and one pure call per export, so an unused import or name is dropped.
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, namespace: 'pcq-builtin', sideEffects: false }));
    b.onLoad({ filter: /.*/, namespace: 'pcq-builtin' }, (args) => {
      const m = process.getBuiltinModule(args.path);
      const names = Object.keys(m).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default' && 'value' in Object.getOwnPropertyDescriptor(m, k));
      const lines = [
        `const m = process.getBuiltinModule(${JSON.stringify(args.path)});`,
        'const pick = (k) => m[k];',
        'export default m;',
        ...names.map((k) => `export const ${k} = /* @__PURE__ */ pick(${JSON.stringify(k)});`),
      ];
      return { contents: lines.join('\n'), loader: 'js' };
    });
  },
};

// `pcq-verify`: the verify path alone (engine/cli/verify-main.ts), so that verifying a small manifest
// does not pay for loading the verb table and its chunks. dist/pcq-verify.mjs is the few lines of
// engine/cli/verify-bin.ts (thread pool size, compile cache), which then load the verifier from
// dist/verify-chunks/; what only `--private-dir` or a time anchor needs is split off there too.
rmSync('dist/verify-chunks', { recursive: true, force: true });
await build({
  ...common,
  entryPoints: { 'pcq-verify': 'engine/cli/verify-bin.ts' },
  outdir: 'dist',
  splitting: true,
  minify: true,
  plugins: [builtinsByGetter],
  outExtension: { '.js': '.mjs' },
  chunkNames: 'verify-chunks/[name]-[hash]',
});

if (existsSync('engine/action/main.ts')) {
  await build({ ...common, entryPoints: ['engine/action/main.ts'], outfile: 'dist/action.mjs' });
}

// The worker beside every file that may hold ed25519-node.ts: the entry and the Action (dist/) and
// the CLI's chunks (dist/chunks/). Self-contained: it needs only node:crypto and node:worker_threads.
for (const outfile of ['dist/ed25519-node-worker.mjs', 'dist/chunks/ed25519-node-worker.mjs', 'dist/verify-chunks/ed25519-node-worker.mjs']) {
  await build({ ...common, entryPoints: ['engine/proof/ed25519-node-worker.ts'], outfile });
}

// The graph child process (engine/graph/kuzu-child.ts) beside every file that may hold
// kuzu-process-store.ts: a run's kuzu database lives in it so that time and memory limits can end it.
for (const outfile of ['dist/kuzu-child.mjs', 'dist/chunks/kuzu-child.mjs']) {
  await build({ ...common, entryPoints: ['engine/graph/kuzu-child.ts'], outfile });
}
// The CEL worker (engine/runtime/cel-sandbox.ts): a run's CEL evaluates in it, stoppable.
for (const outfile of ['dist/cel-worker.mjs', 'dist/chunks/cel-worker.mjs']) {
  await build({ ...common, entryPoints: ['engine/runtime/cel-worker.ts'], outfile });
}
