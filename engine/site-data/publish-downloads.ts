// Copies every execution's downloadable files (manifest.pcq, the DSSE .intoto.jsonl export,
// keys.json, score.json, evidence.tar.gz, verdict.sig, verdict.pub, released exports) into the
// built site at runs/<runbookId>/<executionId>/, so the published site is self-contained and
// verifiable offline.
//
// Files are hard-linked when the output is on the same file system: 1,000 executions mean ~7,000
// files, and a link is one metadata write where a copy is open/read/write/close (measured ~6x
// faster here; copying was the largest single cost of a 1,000-run build). Neither Astro nor pcq
// writes into a published file afterwards, and a deploy (tar, upload) copies the bytes anyway.
// Any link failure (another device, a file system without links) falls back to a plain copy.
// Synchronous on purpose, like the reader: no thread-pool round trip per tiny file.
// Only public files (store/public-path.ts) are ever placed: a private name is refused, not copied.
import { copyFileSync, linkSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SiteData } from './site-model.ts';
import { isPublicPath } from '../store/public-path.ts';
import { PcqError } from '../base/errors.ts';

export async function publishDownloads(data: SiteData, outDir: string): Promise<number> {
  let written = 0;
  for (const execution of data.executions) {
    const target = join(outDir, execution.urlPath);
    for (const d of execution.downloads) {
      if (!isPublicPath(d.name)) {
        throw new PcqError({
          code: 'PCQ_PRIVATE_PATH',
          message: `${execution.urlPath}${d.name} is private and may not be published`,
          hint: 'This is a bug in pcq: the site publishes public files of an execution only.',
        });
      }
      const path = join(target, d.name);
      // The execution's page already created its folder; only a missing one (exports/, or a
      // build without pages) costs a mkdir.
      ensuring(path, () => (d.generated !== undefined ? writeFileSync(path, d.generated) : place(d.source, path)));
      written++;
    }
  }
  return written;
}

function ensuring(path: string, write: () => void): void {
  try {
    write();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(path), { recursive: true });
    write();
  }
}

let linking = true;

function place(source: string, target: string): void {
  if (linking) {
    try {
      linkSync(source, target);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        unlinkSync(target); // a stale file from an earlier build into the same folder
        return place(source, target);
      }
      linking = false; // EXDEV, EPERM, ENOTSUP…: copy from now on
    }
  }
  copyFileSync(source, target);
}
