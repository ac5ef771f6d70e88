// A change set: what one use case (a run, an ombuds decision, a release, a replay report) changes
// under attestations/, computed in memory and committed at once by the execution store
// (execution-store.ts). It is also the use case's view of the folder while it computes: read()
// and list() see the files it already put over the ones on disk, so the verdict files of a run
// can bundle a manifest that is not on disk yet. Every file is classified public or private by
// its place (layout.ts), never by the caller.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { PcqError } from '../base/errors.ts';
import { isPublicStorePath } from './layout.ts';
import type { IndexEntry } from './execution-index.ts';
import { secretRegistry } from '../base/secrets.ts';

export type Visibility = 'public' | 'private';

export interface StagedFile {
  path: string; // relative to the attestations folder, '/'-separated
  bytes: Uint8Array;
  visibility: Visibility;
  /**
   * The secret guard's reading of an ASCII text put, made while the text was at hand (its bytes
   * are that text, read as Latin-1 or as UTF-8 alike): the commit takes it instead of decoding the
   * bytes again, as long as no secret was registered since (execution-store.ts refuseSecrets).
   */
  secretScan?: { generation: number; source: string | undefined };
}

export type IndexUpdate =
  { kind: 'upsert'; entry: IndexEntry } | { kind: 'patch'; executionId: string; fields: Partial<Pick<IndexEntry, 'verdict' | 'status'>> };

const encoder = new TextEncoder();
const NON_ASCII = /[^\x00-\x7f]/;

export class ChangeSet {
  readonly attestationsDir: string;
  readonly #puts = new Map<string, StagedFile>();
  readonly #removes = new Set<string>();
  #index: IndexUpdate | undefined;

  constructor(attestationsDir: string) {
    this.attestationsDir = resolve(attestationsDir);
  }

  /** The '/'-separated path under the attestations folder; refuses anything outside it. */
  rel(path: string): string {
    const rel = relative(this.attestationsDir, resolve(path)).split(sep).join('/');
    if (rel === '' || rel.startsWith('../') || rel === '..' || rel.startsWith('/')) {
      throw new PcqError({
        code: 'PCQ_INTERNAL',
        message: `${path} is outside ${this.attestationsDir}`,
        hint: 'This is a bug in pcq: the execution store writes only under attestations/.',
      });
    }
    return rel;
  }

  put(path: string, data: string | Uint8Array): void {
    const rel = this.rel(path);
    this.#removes.delete(rel);
    const file: StagedFile = {
      path: rel,
      bytes: typeof data === 'string' ? encoder.encode(data) : data,
      visibility: isPublicStorePath(rel) ? 'public' : 'private',
    };
    // Decoding every staged file back to text at the commit was a tenth of a large run's store cost (issue 16).
    if (typeof data === 'string' && !NON_ASCII.test(data)) file.secretScan = { generation: secretRegistry.generation, source: secretRegistry.find(data) };
    this.#puts.set(rel, file);
  }

  putJson(path: string, value: unknown): void {
    this.put(path, JSON.stringify(value, null, 2) + '\n');
  }

  remove(path: string): void {
    const rel = this.rel(path);
    this.#puts.delete(rel);
    this.#removes.add(rel);
  }

  setIndex(update: IndexUpdate): void {
    this.#index = update;
  }

  /** The bytes a reader will see after the commit: this change's, else the disk's; undefined when absent. */
  async read(path: string): Promise<Uint8Array | undefined> {
    const rel = this.rel(path);
    const staged = this.#puts.get(rel);
    if (staged) return staged.bytes;
    if (this.#removes.has(rel)) return undefined;
    try {
      return new Uint8Array(await readFile(join(this.attestationsDir, rel)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async readText(path: string): Promise<string | undefined> {
    const bytes = await this.read(path);
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }

  /** Names of the regular files directly in a folder after the commit, sorted; dot-files excluded. */
  async list(dir: string): Promise<string[]> {
    const relDir = this.rel(dir);
    const names = new Set<string>();
    try {
      for (const e of await readdir(join(this.attestationsDir, relDir), { withFileTypes: true })) {
        if (e.isFile() && !e.name.startsWith('.')) names.add(e.name);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const rel of this.#removes)
      if (rel.startsWith(relDir + '/') && !rel.slice(relDir.length + 1).includes('/')) names.delete(rel.slice(relDir.length + 1));
    for (const rel of this.#puts.keys())
      if (rel.startsWith(relDir + '/') && !rel.slice(relDir.length + 1).includes('/')) names.add(rel.slice(relDir.length + 1));
    return [...names].filter((n) => !n.startsWith('.')).sort();
  }

  get puts(): StagedFile[] {
    return [...this.#puts.values()];
  }

  get removes(): string[] {
    return [...this.#removes];
  }

  get index(): IndexUpdate | undefined {
    return this.#index;
  }

  get isEmpty(): boolean {
    return this.#puts.size === 0 && this.#removes.size === 0 && this.#index === undefined;
  }
}
