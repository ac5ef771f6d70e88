// A field-level diff of two JSON values for the replay page (issue 14 "a real field-level diff with
// highlights"): every leaf that differs, by JSON Pointer (RFC 6901), and both values pretty-printed
// line by line with the lines of a changed field marked, so the page highlights exactly what
// changed. Arrays compare by index (outputs are row lists in chain order); objects by key.
// Pure; every value printed goes through escText (replayed outputs are untrusted bytes).
import { escText } from './execution-html.ts';

export interface FieldChange {
  /** JSON Pointer of the changed field ('' for the whole value). */
  path: string;
  kind: 'changed' | 'added' | 'removed';
  original?: unknown;
  replayed?: unknown;
}

const MAX_CHANGES = 200;
const MAX_LINES = 400;

export function jsonDiff(a: unknown, b: unknown, path = '', out: FieldChange[] = []): FieldChange[] {
  if (out.length >= MAX_CHANGES) return out;
  if (isContainer(a) && isContainer(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = Array.isArray(a) ? range(Math.max(a.length, (b as unknown[]).length)) : union(Object.keys(a), Object.keys(b as object));
    for (const k of keys) {
      const p = `${path}/${pointerToken(String(k))}`;
      const has = (o: object) => (Array.isArray(o) ? Number(k) < o.length : Object.prototype.hasOwnProperty.call(o, k));
      const [va, vb] = [(a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]];
      if (!has(a)) out.push({ path: p, kind: 'added', replayed: vb });
      else if (!has(b as object)) out.push({ path: p, kind: 'removed', original: va });
      else jsonDiff(va, vb, p, out);
      if (out.length >= MAX_CHANGES) break;
    }
    return out;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, kind: 'changed', original: a, replayed: b });
  return out;
}

/** One side, pretty-printed as HTML lines; a line is marked when its field (or an ancestor) changed. */
export function highlightedJson(value: unknown, changes: readonly FieldChange[], side: 'original' | 'replayed'): string {
  const marked = new Set(changes.filter((c) => (side === 'original' ? c.kind !== 'added' : c.kind !== 'removed')).map((c) => c.path));
  const cls = side === 'original' ? 'diff-del' : 'diff-add';
  const lines: string[] = [];
  const isMarked = (path: string) => {
    for (let p = path; ; p = p.slice(0, p.lastIndexOf('/'))) {
      if (marked.has(p)) return true;
      if (p === '') return false;
    }
  };
  const emit = (indent: number, text: string, path: string) => {
    if (lines.length > MAX_LINES) return;
    const body = escText(`${'  '.repeat(indent)}${text}`);
    lines.push(isMarked(path) ? `<mark class="${cls}" data-path="${escText(path).replace(/"/g, '&quot;')}">${body}</mark>` : body);
  };
  const walk = (v: unknown, indent: number, path: string, prefix: string, comma: string) => {
    if (!isContainer(v) || (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0)) {
      emit(indent, `${prefix}${v === undefined ? 'undefined' : JSON.stringify(v)}${comma}`, path);
      return;
    }
    const arr = Array.isArray(v);
    emit(indent, `${prefix}${arr ? '[' : '{'}`, path);
    const entries = arr ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    entries.forEach(([k, x], i) => walk(x, indent + 1, `${path}/${pointerToken(k)}`, arr ? '' : `${JSON.stringify(k)}: `, i < entries.length - 1 ? ',' : ''));
    emit(indent, `${arr ? ']' : '}'}${comma}`, path);
  };
  walk(value, 0, '', '', '');
  if (lines.length > MAX_LINES) lines.splice(MAX_LINES, lines.length, '… (cut; see the downloads)');
  return lines.join('\n');
}

function isContainer(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

function range(n: number): string[] {
  return Array.from({ length: n }, (_, i) => String(i));
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])];
}

function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}
