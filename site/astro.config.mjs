// The pcq verification site (issue 5). Static output only: every page is built from attestations/,
// runbooks/ and policies/ of the repository at PCQ_SITE_ROOT (default: the parent of site/).
// Telemetry must be off for every build (ASTRO_TELEMETRY_DISABLED=1): no request leaves the machine.
import { defineConfig } from 'astro/config';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { pcqPublish } from './src/integrations/pcq-publish.ts';

const siteDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(siteDir, '..');
const dataRoot = resolve(process.env.PCQ_SITE_ROOT ?? repoRoot);
const outDir = process.env.PCQ_SITE_OUT ? resolve(process.env.PCQ_SITE_OUT) : resolve(siteDir, 'dist');

export default defineConfig({
  output: 'static',
  outDir,
  cacheDir: process.env.PCQ_SITE_CACHE ? resolve(process.env.PCQ_SITE_CACHE) : resolve(siteDir, '.astro/cache'),
  base: process.env.PCQ_SITE_BASE ?? '/',
  trailingSlash: 'always',
  // Four pages at a time: with one (Astro's default) the build waits on each page's folder and file
  // write before rendering the next, and a 1,000-run build spent ~0.4 s of its page phase idle.
  // Pages render from props only (no shared state), so the output is the same.
  build: { format: 'directory', inlineStylesheets: 'never', concurrency: 4 },
  devToolbar: { enabled: false },
  prefetch: false,
  integrations: [pcqPublish({ dataRoot, pagefind: process.env.PCQ_SITE_PAGEFIND !== '0' })],
  vite: {
    // The engine lives beside the site; its browser-safe proof code is bundled into the verify page.
    server: { fs: { allow: [repoRoot] } },
    define: { 'import.meta.env.PCQ_SITE_ROOT': JSON.stringify(dataRoot) },
    build: { assetsInlineLimit: 0 },
  },
});
