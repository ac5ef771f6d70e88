// The evidence bundle `evidence.tar.gz` of a verdict (seed 002 "Offline verdict verification";
// FORMATS.md "Execution folder"). Deterministic by construction, so two builds of the same folder
// are byte-identical and the digest in score.json means something:
//   - entries sorted by name (UTF-16 code units), regular files only, no directory entries;
//   - every header: mode 0644, uid/gid 0, empty uname/gname, mtime = the run's executedAt
//     (the run's clock, docs/design.md §5 — never the wall clock);
//   - gzip (RFC 1952) at level 9 with header MTIME 0 (zlib's default) and OS byte forced to 255
//     ("unknown"), so the bytes do not depend on the building machine's OS.
// Contents: manifest.pcq, run.json, recordings.json, effects.json, outputs/*, exports/* — public
// files only (store/layout.ts isPublicPath): the bundle is published, so nothing under private/
// (withheld exports, private step data) ever enters it; packEvidence refuses a private name.
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { isPublicPath, type ExecutionPaths } from '../store/layout.ts';
import type { ChangeSet } from '../store/change-set.ts';
import { PcqError } from '../base/errors.ts';

export interface EvidenceFile {
  name: string; // path inside the bundle, '/'-separated
  bytes: Uint8Array;
}

export const EVIDENCE_FILE = 'evidence.tar.gz';
const TOP_FILES = ['manifest.pcq', 'run.json', 'recordings.json', 'effects.json'] as const;
const FOLDERS = ['outputs', 'exports'] as const;

/** Packs files into deterministic tar.gz bytes. Pure apart from zlib. */
export async function packEvidence(files: readonly EvidenceFile[], executedAt: string): Promise<Uint8Array> {
  const mtime = new Date(executedAt);
  if (Number.isNaN(mtime.getTime())) {
    throw new PcqError({ code: 'PCQ_VERDICT_MALFORMED', message: `executedAt "${executedAt}" is not a time`, hint: "Pass the manifest's executedAt." });
  }
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const f of sorted) {
    if (!isPublicPath(f.name))
      throw new PcqError({
        code: 'PCQ_PRIVATE_PATH',
        message: `evidence entry ${f.name} is private and may not be published`,
        hint: 'This is a bug in pcq: the evidence bundle holds public files only.',
      });
  }
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.name === sorted[i - 1]!.name)
      throw new PcqError({ code: 'PCQ_VERDICT_MALFORMED', message: `evidence entry ${sorted[i]!.name} appears twice`, hint: 'This is a bug in pcq.' });
  }
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const f of sorted) {
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        { name: f.name, size: f.bytes.length, mode: 0o644, mtime, uid: 0, gid: 0, uname: '', gname: '', type: 'file' },
        Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength),
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }
  pack.finalize();
  await done;
  const gz = gzipSync(Buffer.concat(chunks), { level: 9 });
  gz[9] = 0xff; // RFC 1952 §2.3.1 OS = 255 (unknown); the header carries no CRC, so this is safe
  return new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength);
}

/** Reads the evidence files of one execution folder as the change set will leave it. Missing optional files are skipped. */
export async function collectEvidence(paths: ExecutionPaths, view: ChangeSet): Promise<EvidenceFile[]> {
  const files: EvidenceFile[] = [];
  for (const name of TOP_FILES) {
    const bytes = await view.read(join(paths.dir, name));
    if (bytes !== undefined) files.push({ name, bytes });
    else if (name === 'manifest.pcq')
      throw new PcqError({ code: 'PCQ_VERDICT_MALFORMED', message: `${join(paths.dir, name)} does not exist`, hint: 'Restore the execution folder from git.' });
  }
  for (const folder of FOLDERS) {
    for (const name of await view.list(join(paths.dir, folder))) {
      files.push({ name: `${folder}/${name}`, bytes: (await view.read(join(paths.dir, folder, name)))! });
    }
  }
  return files.filter((f) => isPublicPath(f.name));
}
