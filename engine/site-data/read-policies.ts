// The trust store (policies/trust.yaml, FORMATS "Trust store") with the git-ignored dev overlay
// .pcq/trust.local.yaml, and the dispatch buttons (policies/buttons.yaml: button → runbook@version,
// roles allowed), read for display. Missing files are an empty list; malformed ones are problems.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { PcqIssue } from '../base/errors.ts';
import { asArray, asObject, pickString, pickStrings } from './loose-json.ts';
import type { ButtonView, TrustKeyView } from './site-model.ts';

export async function readYamlFile(path: string, label: string, problems: PcqIssue[]): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    return parse(text);
  } catch (err) {
    problems.push({
      code: 'PCQ_YAML_INVALID',
      message: `${label} is not valid YAML: ${(err as Error).message}`,
      hint: `Fix ${label}; the site shows it as empty until then.`,
    });
    return undefined;
  }
}

export async function readTrustStore(root: string, problems: PcqIssue[]): Promise<TrustKeyView[]> {
  const out: TrustKeyView[] = [];
  for (const source of ['policies/trust.yaml', '.pcq/trust.local.yaml'] as const) {
    const doc = asObject(await readYamlFile(join(root, source), source, problems));
    for (const k of asArray(doc['keys']).map(asObject)) {
      out.push({
        name: pickString(k, 'name') ?? '(unnamed)',
        publicKey: pickString(k, 'publicKey') ?? '',
        roles: pickStrings(k, 'roles'),
        status: pickString(k, 'status') ?? 'active',
        validFrom: isoOrNull(k['validFrom']),
        validUntil: isoOrNull(k['validUntil']),
        source,
      });
    }
  }
  return out;
}

/** YAML turns unquoted timestamps into Dates; the site shows ISO strings. */
function isoOrNull(value: unknown): string | null {
  if (value instanceof Date) return value.toISOString().replace('.000Z', 'Z');
  return typeof value === 'string' ? value : null;
}

export async function readButtons(root: string, problems: PcqIssue[]): Promise<ButtonView[]> {
  const doc = await readYamlFile(join(root, 'policies/buttons.yaml'), 'policies/buttons.yaml', problems);
  const container = asObject(doc)['buttons'] ?? doc;
  const rows: Array<[string | undefined, Record<string, unknown>]> = Array.isArray(container)
    ? container.map((b) => [undefined, asObject(b)])
    : Object.entries(asObject(container)).map(([id, b]) => [id, asObject(b)]);
  const out: ButtonView[] = [];
  for (const [key, b] of rows) {
    const id = pickString(b, 'id', 'button', 'name') ?? key;
    let runbookId = pickString(b, 'runbookId', 'runbook') ?? '';
    let version = pickString(b, 'version');
    const at = runbookId.indexOf('@');
    if (at > 0) {
      version ??= runbookId.slice(at + 1);
      runbookId = runbookId.slice(0, at);
    }
    if (id === undefined || runbookId === '') continue;
    const view: ButtonView = { id, runbookId, roles: pickStrings(b, 'roles', 'allowedRoles') };
    if (version !== undefined) view.version = version;
    const label = pickString(b, 'label', 'title', 'description');
    if (label !== undefined) view.label = label;
    out.push(view);
  }
  return out;
}
