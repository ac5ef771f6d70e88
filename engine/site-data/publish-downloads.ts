// Copies every execution's downloadable files (manifest.pcq, the DSSE .intoto.jsonl export,
// score.json, evidence.tar.gz, verdict.sig, verdict.pub, released exports) into the built site at
// runs/<runbookId>/<executionId>/, so the published site is self-contained and verifiable offline.
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SiteData } from './site-model.ts';

export async function publishDownloads(data: SiteData, outDir: string): Promise<number> {
  let written = 0;
  for (const execution of data.executions) {
    const target = join(outDir, execution.urlPath);
    for (const d of execution.downloads) {
      const path = join(target, d.name);
      await mkdir(dirname(path), { recursive: true });
      if (d.generated !== undefined) await writeFile(path, d.generated);
      else await copyFile(d.source, path);
      written++;
    }
  }
  return written;
}
