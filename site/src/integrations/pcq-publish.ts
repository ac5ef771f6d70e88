// After Astro writes the pages: copy the proof files beside each execution page, then index the
// site with pagefind (offline: the binary ships in @pagefind/linux-x64, no network). Before Vite
// bundles the pages: start reading the data and laying out every run's DAG (see astro:build:start).
import type { AstroIntegration } from 'astro';
import { fileURLToPath } from 'node:url';
import { forgetSiteData, sharedSiteData } from '../../../engine/site-data/read-site-data.ts';
import { publishDownloads } from '../../../engine/site-data/publish-downloads.ts';
import { executionDagNodes, layoutDagNodes } from '../../../engine/site-data/dag-svg.ts';

/** The data every page needs and each run's DAG layout (ELK), ready before the first page renders. */
async function prepare(dataRoot: string): Promise<void> {
  const data = await sharedSiteData(dataRoot);
  for (const e of data.executions) await layoutDagNodes(executionDagNodes(e));
}

export function pcqPublish(options: { dataRoot: string; pagefind: boolean }): AstroIntegration {
  return {
    name: 'pcq-publish',
    hooks: {
      // A fresh read per build; the pages and this hook then share it (same process). The read
      // starts now, while Vite bundles the pages (its main thread mostly waits on the bundler's
      // native threads then), instead of when the first page asks for it. Not awaited: a failed
      // read or layout rejects the same cached promise the pages await, and fails the build there.
      'astro:build:start': () => {
        forgetSiteData(options.dataRoot);
        prepare(options.dataRoot).catch(() => undefined);
      },
      'astro:build:done': async ({ dir, logger }) => {
        const outDir = fileURLToPath(dir);
        const data = await sharedSiteData(options.dataRoot);
        forgetSiteData(options.dataRoot);
        const files = await publishDownloads(data, outDir);
        logger.info(`copied ${files} proof files for ${data.executions.length} executions`);
        if (!options.pagefind) return;
        const pagefind = await import('pagefind');
        const { index, errors } = await pagefind.createIndex({});
        if (!index) throw new Error(`pagefind: ${errors.join('; ')}`);
        const added = await index.addDirectory({ path: outDir });
        if (added.errors.length > 0) throw new Error(`pagefind: ${added.errors.join('; ')}`);
        await index.writeFiles({ outputPath: `${outDir}/pagefind` });
        await pagefind.close();
        logger.info(`pagefind indexed ${added.page_count} pages`);
      },
    },
  };
}
