// Spell identity (seed 004 §1–§3): `id` is the logical identifier; the storage key is
// `id_key = base64url(utf8(id))` — RFC 4648 §5 alphabet, without `=` padding (the seed's runtime is
// Node, whose base64url encoding omits it; §5 lets an encoding that knows its length drop it).
// Installed bundles live at `<PCQ_HOME>/spells/<id_key>/<version>/`; `spell.id.txt` beside the
// versions holds the id, and `spell.yaml` `id` is the source of truth.

/** The storage key of a spell id: base64url of its UTF-8 bytes, no padding. */
export function idKey(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}

/** The id a storage key stands for, or undefined when the key is not canonical base64url of UTF-8. */
export function idFromKey(key: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(key)) return undefined;
  const id = Buffer.from(key, 'base64url').toString('utf8');
  return idKey(id) === key ? id : undefined;
}

// An id is a path segment of the repository's spells/ folder, so it may not name a folder
// elsewhere: no separators, no `.`/`..`, no control characters; any other Unicode is fine.
const ID = /^(?!\.\.?$)[^/\\\u0000-\u001f\u007f]{1,128}$/u;
const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

export function isSpellId(value: unknown): value is string {
  return typeof value === 'string' && ID.test(value) && value.trim() === value;
}

export function isSpellVersion(value: unknown): value is string {
  return typeof value === 'string' && VERSION.test(value);
}

/** Splits `uses: <id>@<version>` at the last `@` (ids may not contain one after it). */
export function parseUses(uses: string): { id: string; version: string } | undefined {
  const at = uses.lastIndexOf('@');
  if (at <= 0) return undefined;
  const id = uses.slice(0, at);
  const version = uses.slice(at + 1);
  return isSpellId(id) && isSpellVersion(version) ? { id, version } : undefined;
}
