// Every spell this repository can resolve (seed 004 §3, by id only): the repository's
// spells/<id>/<version>/ and the installed <PCQ_HOME>/spells/<id_key>/<version>/ (id from spell.id.txt).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { idFromKey } from './id-key.ts';
import { ID_INDEX_FILE, REPO_SPELLS_DIR } from './resolve.ts';

export interface ListedSpell {
  id: string;
  version: string;
  source: 'repository' | 'installed';
  dir: string;
}

async function dirs(path: string): Promise<string[]> {
  try {
    return (await readdir(path, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

export async function listSpells(root: string, home: string): Promise<ListedSpell[]> {
  const out: ListedSpell[] = [];
  for (const id of await dirs(join(root, REPO_SPELLS_DIR))) {
    for (const version of await dirs(join(root, REPO_SPELLS_DIR, id)))
      out.push({ id, version, source: 'repository', dir: join(root, REPO_SPELLS_DIR, id, version) });
  }
  for (const key of await dirs(join(home, 'spells'))) {
    const id = (await readFile(join(home, 'spells', key, ID_INDEX_FILE), 'utf8').catch(() => undefined))?.replace(/\n$/, '');
    if (id === undefined || idFromKey(key) !== id) continue; // not a consistent install: `pcq spell show` reports it
    for (const version of await dirs(join(home, 'spells', key))) out.push({ id, version, source: 'installed', dir: join(home, 'spells', key, version) });
  }
  return out;
}
