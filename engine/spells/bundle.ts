// A spell bundle on disk (engine/FORMATS.md "Spells"): spell.yaml, its code, an optional
// spell.sig.json. Reading it is hostile input: regular files only (a symlink could point the
// digest at a file outside the bundle), bounded count and size, paths as '/'-separated UTF-8.
//
// Bundle digest (what a publisher signs): sha256 of JCS({format: "pcq-spell-bundle/v1",
// files: [{path, digest: "sha256:<hex of the file's bytes>", size}]}) over every regular file of
// the folder except the top-level spell.sig.json, sorted by path (UTF-16 code units, as JCS sorts
// keys). Any byte changed, file added, removed or renamed changes it.
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PcqError } from '../base/errors.ts';
import { digestOf } from '../proof/digest.ts';
import { canonicalize } from '../proof/jcs.ts';
import { sha256Node } from '../proof/hash-node.ts';

export const SIGNATURE_FILE = 'spell.sig.json';
export const MANIFEST_FILE = 'spell.yaml';
export const BUNDLE_FORMAT = 'pcq-spell-bundle/v1';
const MAX_FILES = 2000;
const MAX_BYTES = 64 * 1024 * 1024;

export interface BundleFile {
  path: string;
  bytes: Uint8Array;
}

export interface Bundle {
  dir: string;
  /** Every regular file, sorted by path, the signature file included when present. */
  files: BundleFile[];
}

function invalid(dir: string, message: string): PcqError {
  return new PcqError({
    code: 'PCQ_SPELL_INVALID',
    message: `spell bundle ${dir}: ${message}`,
    hint: 'A bundle holds regular files only (no symlinks, devices or sockets), at most 2000 files and 64 MiB.',
  });
}

export async function readBundle(dir: string): Promise<Bundle> {
  const files: BundleFile[] = [];
  let total = 0;
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const st = await lstat(join(dir, path));
      if (st.isDirectory()) await walk(path);
      else if (st.isFile()) {
        if (files.length >= MAX_FILES) throw invalid(dir, 'more than 2000 files');
        total += st.size;
        if (total > MAX_BYTES) throw invalid(dir, 'more than 64 MiB');
        files.push({ path, bytes: new Uint8Array(await readFile(join(dir, path))) });
      } else throw invalid(dir, `${path} is not a regular file`);
    }
  };
  try {
    await walk('');
  } catch (err) {
    if (err instanceof PcqError) throw err;
    throw new PcqError({
      code: 'PCQ_SPELL_NOT_FOUND',
      message: `cannot read the spell bundle ${dir}: ${(err as Error).message}`,
      hint: 'Check the path, or install the spell with `pcq spell install`.',
    });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { dir, files };
}

/** The bundle digest defined above: `sha256:<hex>`. */
export function bundleDigest(files: readonly BundleFile[]): string {
  const listed = files
    .filter((f) => f.path !== SIGNATURE_FILE)
    .map((f) => ({ path: f.path, digest: digestOf(f.bytes, sha256Node), size: f.bytes.length }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return digestOf(canonicalize({ format: BUNDLE_FORMAT, files: listed }), sha256Node);
}

export function bundleFile(bundle: Bundle, path: string): Uint8Array | undefined {
  return bundle.files.find((f) => f.path === path)?.bytes;
}
