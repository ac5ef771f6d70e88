// What an ombuds decision changes in the execution folder besides the manifest and ticket: an
// approval releases the withheld exports (withheld/* → exports/*, copy-then-remove per file with
// atomic writes, so a crash leaves a file in both places, never in neither), and run.json records
// the new verdict and each artifact's state. The site publishes exports/ only, never withheld/.
import { readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../store/atomic-write.ts';
import type { ExecutionPaths } from '../store/layout.ts';
import type { Verdict } from '../base/run-record.ts';
import type { RunRecordFile } from '../base/run-record.ts';

export async function releaseExports(paths: ExecutionPaths): Promise<string[]> {
  let names: string[];
  try {
    names = (await readdir(paths.withheld, { withFileTypes: true })).filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  for (const name of names) {
    await writeFileAtomic(join(paths.exports, name), await readFile(join(paths.withheld, name)));
    await rm(join(paths.withheld, name));
  }
  await rmdir(paths.withheld).catch(() => undefined); // only when empty; anything else stays visible
  return names;
}

export async function recordVerdict(paths: ExecutionPaths, verdict: Verdict): Promise<void> {
  const record = JSON.parse(await readFile(paths.run, 'utf8')) as RunRecordFile;
  record.verdict = verdict;
  if (verdict === 'approved') record.artifacts = record.artifacts.map((a) => ({ ...a, state: 'released' }));
  await writeJsonAtomic(paths.run, record);
}
