// `pcq spell install <dir>` (seed 004 §1–§2): copies a bundle to <PCQ_HOME>/spells/<id_key>/<version>/
// and keeps <PCQ_HOME>/spells/<id_key>/spell.id.txt, the version-crossing index of the id. spell.yaml
// `id` is the source of truth: the install fails when the existing index, or a spell.id.txt shipped
// in the bundle, names another id. Files are staged beside the target and renamed into place, so a
// half-copied version is never visible.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PcqError } from '../base/errors.ts';
import { fromUtf8 } from '../proof/bytes.ts';
import { writeFileAtomic } from '../store/atomic-write.ts';
import { bundleDigest, bundleFile, readBundle, SIGNATURE_FILE } from './bundle.ts';
import { idKey } from './id-key.ts';
import { ID_INDEX_FILE, manifestOf } from './resolve.ts';

export interface InstallReport {
  id: string;
  version: string;
  idKey: string;
  dir: string;
  bundleDigest: string;
  signed: boolean;
  /** false: the same bytes were already installed. */
  installed: boolean;
}

function mismatch(message: string): PcqError {
  return new PcqError({
    code: 'PCQ_SPELL_ID_MISMATCH',
    message,
    hint: 'spell.yaml `id` is the source of truth; fix the bundle (or remove the stale install) and install again.',
  });
}

export async function installSpell(input: { source: string; home: string }): Promise<InstallReport> {
  const bundle = await readBundle(input.source);
  const manifest = manifestOf(bundle, input.source);
  const key = idKey(manifest.id);
  const shipped = bundleFile(bundle, ID_INDEX_FILE);
  if (shipped !== undefined && (fromUtf8(shipped) ?? '').replace(/\n$/, '') !== manifest.id) {
    throw mismatch(`${input.source}/${ID_INDEX_FILE} names "${(fromUtf8(shipped) ?? '').trim()}" but spell.yaml id is "${manifest.id}"`);
  }
  const base = join(input.home, 'spells', key);
  const indexPath = join(base, ID_INDEX_FILE);
  const existing = await readFile(indexPath, 'utf8').catch(() => undefined);
  if (existing !== undefined && existing.replace(/\n$/, '') !== manifest.id) {
    throw mismatch(`${indexPath} names "${existing.trim()}" but spell.yaml id is "${manifest.id}"`);
  }
  const digest = bundleDigest(bundle.files);
  const target = join(base, manifest.version);
  const report = {
    id: manifest.id,
    version: manifest.version,
    idKey: key,
    dir: target,
    bundleDigest: digest,
    signed: bundleFile(bundle, SIGNATURE_FILE) !== undefined,
  };
  const current = await readBundle(target).then(
    (b) => b,
    () => undefined,
  );
  if (current) {
    const same =
      bundleDigest(current.files) === digest && (bundleFile(current, SIGNATURE_FILE)?.join() ?? '') === (bundleFile(bundle, SIGNATURE_FILE)?.join() ?? '');
    if (same) return { ...report, installed: false };
    throw new PcqError({
      code: 'PCQ_SPELL_EXISTS',
      message: `${manifest.id}@${manifest.version} is already installed at ${target} with other content`,
      hint: 'A published version never changes: publish a new version, or remove the installed folder first.',
    });
  }
  await mkdir(base, { recursive: true });
  const staging = join(base, `.staging-${process.pid}-${Date.now()}`);
  try {
    for (const f of bundle.files) {
      await mkdir(dirname(join(staging, f.path)), { recursive: true });
      await writeFile(join(staging, f.path), f.bytes, { mode: 0o644 });
    }
    await rename(staging, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  if (existing === undefined) await writeFileAtomic(indexPath, `${manifest.id}\n`);
  return { ...report, installed: true };
}
