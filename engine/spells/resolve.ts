// Finds a spell by id and version only (seed 004 §3: no name lookup, no ambiguity): first the
// repository's spells/<id>/<version>/ (a GitOps repository needs no install step), then the
// installed copy at <PCQ_HOME>/spells/<id_key>/<version>/ whose spell.id.txt must name the id.
// Either way spell.yaml is the source of truth: its id and version must be the ones asked for.
import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PcqError, PcqErrors } from '../base/errors.ts';
import { parseSpellManifest, type SpellManifest } from '../model/spell-manifest.ts';
import { fromUtf8 } from '../proof/bytes.ts';
import { bundleFile, MANIFEST_FILE, readBundle, type Bundle } from './bundle.ts';
import { idKey, isSpellId, isSpellVersion } from './id-key.ts';

export const REPO_SPELLS_DIR = 'spells';
export const ID_INDEX_FILE = 'spell.id.txt';

export interface ResolvedSpell {
  id: string;
  version: string;
  source: 'repository' | 'installed';
  dir: string;
  /** For display: repository-relative, or the installed path. */
  display: string;
  bundle: Bundle;
  manifest: SpellManifest;
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Parses spell.yaml of a bundle read from disk; its issues are thrown with their locations. */
export function manifestOf(bundle: Bundle, display: string): SpellManifest {
  const bytes = bundleFile(bundle, MANIFEST_FILE);
  const file = `${display}/${MANIFEST_FILE}`;
  if (!bytes)
    throw new PcqError({
      code: 'PCQ_SPELL_INVALID',
      message: `${display} has no ${MANIFEST_FILE}`,
      hint: 'A bundle holds spell.yaml, its code and optionally spell.sig.json.',
    });
  const text = fromUtf8(bytes);
  if (text === undefined) throw new PcqError({ code: 'PCQ_SPELL_INVALID', message: `${file} is not UTF-8`, hint: 'Save spell.yaml as UTF-8.' });
  const parsed = parseSpellManifest(text, file);
  if (!parsed.manifest) throw new PcqErrors(parsed.issues);
  return parsed.manifest;
}

export async function resolveSpell(input: { root: string; home: string; id: string; version: string }): Promise<ResolvedSpell> {
  const { id, version } = input;
  if (!isSpellId(id) || !isSpellVersion(version)) {
    throw new PcqError({ code: 'PCQ_SPELL_NOT_FOUND', message: `"${id}@${version}" is not a spell reference`, hint: 'Write uses: <id>@<version>.' });
  }
  const repoDir = join(input.root, REPO_SPELLS_DIR, id, version);
  const installedBase = join(input.home, 'spells', idKey(id));
  let source: ResolvedSpell['source'];
  let dir: string;
  if (await isDir(repoDir)) {
    source = 'repository';
    dir = repoDir;
  } else if (await isDir(join(installedBase, version))) {
    source = 'installed';
    dir = join(installedBase, version);
    const index = await readFile(join(installedBase, ID_INDEX_FILE), 'utf8').catch(() => undefined);
    if (index === undefined || index.replace(/\n$/, '') !== id) {
      throw new PcqError({
        code: 'PCQ_SPELL_ID_MISMATCH',
        message: `${join(installedBase, ID_INDEX_FILE)} ${index === undefined ? 'is missing' : `names "${index.trim()}"`}, not "${id}"`,
        hint: 'Reinstall the spell with `pcq spell install`.',
      });
    }
  } else {
    throw new PcqError({
      code: 'PCQ_SPELL_NOT_FOUND',
      message: `spell ${id}@${version} is neither in ${REPO_SPELLS_DIR}/${id}/${version}/ nor installed in ${join(installedBase, version)}`,
      hint: "Add it to the repository's spells/ folder or run `pcq spell install <dir>`.",
    });
  }
  const display = source === 'repository' ? relative(input.root, dir).split('\\').join('/') : dir;
  const bundle = await readBundle(dir);
  const manifest = manifestOf(bundle, display);
  if (manifest.id !== id || manifest.version !== version) {
    throw new PcqError({
      code: 'PCQ_SPELL_ID_MISMATCH',
      message: `${display}/spell.yaml declares ${manifest.id}@${manifest.version}, not ${id}@${version}`,
      hint: 'spell.yaml is the source of truth: put the bundle under the folder of its own id and version.',
    });
  }
  return { id, version, source, dir, display, bundle, manifest };
}
