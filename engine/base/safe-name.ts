// One rule for every name a runbook or a run chooses that pcq turns into a file name, a folder name
// or an object key (issue 10 "Names cannot collide"): runbook ids (attestations/<runbookId>/),
// execution ids (<runbookId>/<executionId>/, reviews/<executionId>.yaml), step ids
// (outputs/<stepId>.json, private/steps/<stepId>.json), export names (exports/<name>) and input
// names (keys of the run's params). A name that passes cannot escape its folder, cannot be one of
// the store's own names, and cannot reach an object's prototype.
//
// The store's own names (store/): `index.json` and its lock, `reviews/` (tickets), `tickets`, the
// staging folder `.staging/` with its `journal.json` and `<tx>.lock` files, `.gitignore`; inside an
// execution folder `manifest.pcq`, `run.json`, `runbook.json`, `recordings.json`, `effects.json`,
// `keys.json`, `score.json`, `evidence.tar.gz`, `verdict.sig`, `verdict.pub`, `verdict.vsa.json`,
// `reviews.human-review.jsonl`, `outputs/`,
// `exports/`, `private/`, `sealed/`, `replays/`. Lock, temp, journal and write-ahead files are
// refused by suffix, dot-names by the first character. Windows device names are refused too, so a
// repository checks out everywhere.

/** Letters, digits, `_`, `.`, `-`; starts with a letter, digit or `_`; at most 128 characters. */
const SHAPE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const STORE_NAMES = [
  'index.json',
  'reviews',
  'tickets',
  'journal.json',
  'staging',
  'manifest.pcq',
  'run.json',
  'runbook.json',
  'recordings.json',
  'effects.json',
  'keys.json',
  'score.json',
  'evidence.tar.gz',
  'verdict.sig',
  'verdict.pub',
  'verdict.vsa.json',
  'reviews.human-review.jsonl',
  'outputs',
  'exports',
  'private',
  'sealed',
  'replays',
];
const OBJECT_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  '__definegetter__',
  '__definesetter__',
  '__lookupgetter__',
  '__lookupsetter__',
  'hasownproperty',
  'tostring',
  'valueof',
];
const RESERVED: ReadonlySet<string> = new Set([...STORE_NAMES, ...OBJECT_NAMES]);
const TEMP_SUFFIX = /\.(lock|tmp|temp|wal|journal|partial|swp|bak)$|~$/i;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

export type NameKind = 'runbookId' | 'executionId' | 'stepId' | 'export name' | 'input name';

/** Why `value` cannot be a `kind`, or undefined when it can. */
export function nameProblem(kind: NameKind, value: unknown): string | undefined {
  if (typeof value !== 'string') return `${kind} must be a string`;
  const shown = JSON.stringify(value);
  if (!SHAPE.test(value))
    return `${kind} ${shown} must be 1–128 letters, digits, "_", "." or "-", starting with a letter, digit or "_" (no path separators, no dot-names)`;
  if (value.includes('..')) return `${kind} ${shown} contains ".."`;
  const lower = value.toLowerCase();
  if (RESERVED.has(lower)) return `${kind} ${shown} is a name pcq itself uses (store files, object keys)`;
  if (TEMP_SUFFIX.test(value)) return `${kind} ${shown} ends like a lock, temp or journal file`;
  if (WINDOWS_DEVICE.test(value)) return `${kind} ${shown} is a reserved device name on Windows`;
  return undefined;
}

export function isSafeName(kind: NameKind, value: unknown): value is string {
  return nameProblem(kind, value) === undefined;
}

export const SAFE_NAME_HINT =
  'Choose another name: letters, digits, "_", "." and "-", not a name the store uses (index.json, reviews, …), not __proto__/constructor/prototype, no lock/temp suffix.';
