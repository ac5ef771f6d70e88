// `npm run site:build`: builds the verification site (site/) with Astro 7 on the Node that runs this
// script (npm scripts run Node 24 from the node@24 devDependency; ./node_modules/.bin/astro would
// pick the system Node through its shebang, TOOLCHAIN.md). Pages come from attestations/,
// runbooks/ and policies/ of --data (default: this repository); the output goes to --out
// (default site/dist). Telemetry is off for every build: no request leaves the machine.
// --repo owner/name names the GitHub repository the site links to (Run-workflow page, `gh workflow
// run -R`, commits); in the Action it comes from GITHUB_REPOSITORY.
//   node scripts/site-build.mjs [--data <repo root>] [--out <dir>] [--base /<repo>/] [--repo owner/name] [--no-search]
import { spawn } from 'node:child_process';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { cpSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`PCQ_NODE_TOO_OLD: the site builds on Node >= 22 (Astro 7); this is Node ${process.versions.node}. Run it through npm (npm run site:build).`);
  process.exit(2); // class usage (docs/ERRORS.md)
}
let args;
try {
  args = parseArgs({
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      base: { type: 'string' },
      repo: { type: 'string' },
      'no-search': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }).values;
} catch (err) {
  console.error(`PCQ_USAGE ${err.message} — usage: site-build.mjs [--data <repo root>] [--out <dir>] [--base /path/] [--repo owner/name] [--no-search]`);
  process.exit(2);
}
if (args.help) {
  console.log('Usage: node scripts/site-build.mjs [--data <repo root>] [--out <dir>] [--base /path/] [--repo owner/name] [--no-search]');
  process.exit(0);
}
const finalOut = resolve(args.out ?? join(repo, 'site/dist'));
// Astro renders through a server bundle written inside the output folder, which imports packages
// from the nearest node_modules: a folder outside this checkout (the Action building into the
// consumer's workspace) has none. Build beside pcq's own packages, then copy the site out.
const outside = relative(repo, finalOut).startsWith('..') || isAbsolute(relative(repo, finalOut));
const out = outside ? join(repo, 'site', `.out-${Buffer.from(finalOut).toString('base64url').slice(-16)}`) : finalOut;
const env = {
  ...process.env,
  ASTRO_TELEMETRY_DISABLED: '1',
  PCQ_SITE_ROOT: resolve(args.data ?? repo),
  PCQ_SITE_OUT: out,
  PCQ_SITE_PAGEFIND: args['no-search'] ? '0' : '1',
};
if (args.base) env.PCQ_SITE_BASE = args.base;
if (args.repo) env.PCQ_SITE_REPOSITORY = args.repo;
if (args.out) env.PCQ_SITE_CACHE = join(out, '..', `.astro-cache-${Buffer.from(out).toString('base64url').slice(-16)}`);

const started = performance.now();
const child = spawn(process.execPath, [join(repo, 'node_modules/astro/bin/astro.mjs'), 'build', '--root', join(repo, 'site'), '--silent'], {
  cwd: repo,
  env,
  stdio: ['ignore', 'inherit', 'pipe'],
});
let stderr = '';
child.stderr.on('data', (d) => {
  stderr += d;
});
child.on('close', (code) => {
  // The per-output cache is scratch for this one build: kept, every build into a new folder (a test's
  // or a bench's temporary --out) left one more .astro-cache-* folder under site/.
  if (env.PCQ_SITE_CACHE) rmSync(env.PCQ_SITE_CACHE, { recursive: true, force: true });
  if (code !== 0) {
    // Astro prints its own error; keep the first lines, never a wall of stack frames.
    const lines = stderr
      .split('\n')
      .filter((l) => !/^\s+at /.test(l))
      .slice(0, 20)
      .join('\n');
    console.error(`PCQ_SITE_BUILD_FAILED astro build exited with ${code}\n${lines}\nhint: run with the same --data and read the first error above.`);
    process.exit(70); // class internal (docs/ERRORS.md)
  }
  if (outside) moveOut(out, finalOut);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`site built in ${seconds} s → ${finalOut}`);
  const preview = args.out ? `node scripts/site-serve.mjs ${finalOut}` : 'npm run site:preview';
  console.log(`preview: ${preview}   → http://127.0.0.1:4321/`);
});

// The built site is moved into place with one rename when both folders are on the same file system
// (a recursive copy of 1,000 pages and ~7,000 proof files cost ~1.5 s, a fifth of a 1,000-run build);
// across file systems (EXDEV) it is copied, then the build folder removed.
function moveOut(from, to) {
  rmSync(to, { recursive: true, force: true });
  mkdirSync(dirname(to), { recursive: true });
  try {
    renameSync(from, to);
    return;
  } catch (err) {
    if (err.code !== 'EXDEV') throw err;
  }
  cpSync(from, to, { recursive: true });
  rmSync(from, { recursive: true, force: true });
}
