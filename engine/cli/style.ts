// The CLI's one style module: whether to colour, and how. Colour only on a terminal, never when
// NO_COLOR is set (https://no-color.org: any non-empty value), always when FORCE_COLOR is set to
// anything but "0"/"false" (the convention of Node, chalk and supports-color). JSON output is never
// coloured. main.ts passes every verb's human output through `colourOutput`, so the status glyphs
// (✓ ✗ ⛔ ⚠ ✅ ❌ ▶ ↻ −) and error codes look the same in every verb; verbs that want emphasis of
// their own ask `styleFor(io)`. Pure; imports only a type.
import type { CliIo } from './io.ts';

export interface ColourEnv {
  isTTY: boolean;
  env: Record<string, string | undefined>;
}

/** Whether this output may carry ANSI colour. */
export function colourEnabled({ isTTY, env }: ColourEnv): boolean {
  const force = env.FORCE_COLOR;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return isTTY && env.TERM !== 'dumb';
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, bold: 1, dim: 2 } as const;
export type StyleName = keyof typeof CODES;

export type Style = { readonly [K in StyleName]: (text: string) => string } & { readonly enabled: boolean };

const paint =
  (on: boolean, code: number) =>
  (text: string): string =>
    on && text !== '' ? `\x1b[${code}m${text}\x1b[${code === 1 || code === 2 ? 22 : 39}m` : text;

/** The style functions for one output: identity functions when colour is off. */
export function styleFor(target: ColourEnv): Style {
  const on = colourEnabled(target);
  const entries = Object.entries(CODES).map(([name, code]) => [name, paint(on, code)]);
  return { ...(Object.fromEntries(entries) as { [K in StyleName]: (text: string) => string }), enabled: on };
}

/**
 * What each status glyph means, so every verb colours it the same way: ✅ ✓, ❌ ✗, ⛔ ⚠, ▶ ↻. Written
 * as escapes because esbuild copies a regular expression's characters as they are: one non-ASCII
 * character makes a whole bundle chunk a UTF-16 string that Node decodes and V8 scans at twice the
 * size on every start (cli/verify-bundle.test.ts keeps the verifier's chunks ASCII).
 */
const GLYPHS: ReadonlyArray<[RegExp, StyleName]> = [
  [/\u2705|\u2713/g, 'green'],
  [/\u274c|\u2717/g, 'red'],
  [/\u26d4|\u26a0/g, 'yellow'],
  [/[\u25b6\u21bb]/g, 'cyan'],
];

/** Colours status glyphs and PCQ_* codes in human output; the text is unchanged when colour is off. */
export function colourText(text: string, style: Style): string {
  if (!style.enabled) return text;
  let out = text;
  for (const [re, name] of GLYPHS) out = out.replace(re, (g) => style[name](g));
  // A coded problem at the start of a line or after "file:line:col: " is an error: name it in red.
  return out.replace(/(^|: |\s)(PCQ_[A-Z0-9_]+)/gm, (_m, lead: string, code: string) => lead + style.bold(style.red(code)));
}

/** An output function that colours what it writes (identity when colour is off). */
export function colourOutput(write: (text: string) => void, style: Style): (text: string) => void {
  return style.enabled ? (text) => write(colourText(text, style)) : write;
}

/** Strips ANSI SGR sequences (for width computations and tests). */
export function stripAnsi(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

/** --json, or plan's --format json|mermaid: output for programs, never coloured. */
export function machineOutput(args: readonly string[]): boolean {
  return args.some(
    (a, i) => a === '--json' || /^--format=(json|mermaid)$/.test(a) || (a === '--format' && (args[i + 1] === 'json' || args[i + 1] === 'mermaid')),
  );
}

export function colouredIo(io: CliIo, json: boolean): CliIo {
  // pino's JSON log lines on stderr stay uncoloured: they are for programs too.
  const style = styleFor(io);
  if (json || !style.enabled) return io;
  const out = colourOutput(io.stdout, style);
  const err = colourOutput(io.stderr, style);
  return { ...io, stdout: out, stderr: (t) => (t.startsWith('{') ? io.stderr(t) : err(t)) };
}
