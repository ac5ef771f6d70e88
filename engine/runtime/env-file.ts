// The machine-local env file `.env.runner` (seed 002: secrets and switches of one machine, never
// committed; .gitignore lists it). One `NAME=value` per line, `#` comments, optional `export `,
// optional single or double quotes. Its values sit between the config file and the process
// environment (runtime/config.ts): a variable set in the environment wins over the file.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PcqIssue } from '../base/errors.ts';

export const ENV_FILE = '.env.runner';

export interface EnvFile {
  path: string;
  values: Record<string, string>;
}

const LINE = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

/** Pure: parses the text; every bad line is a PCQ_CONFIG_INVALID issue at file:line:1 (never echoing the line: it may hold a secret). */
export function parseEnvFile(path: string, text: string, issues: PcqIssue[]): EnvFile {
  const values: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = LINE.exec(line);
    if (!m) {
      issues.push({
        code: 'PCQ_CONFIG_INVALID',
        message: `${path}: line ${i + 1} is not NAME=value.`,
        hint: 'Write one NAME=value per line; # starts a comment.',
        location: { file: path, line: i + 1, col: 1 },
      });
      return;
    }
    values[m[1]!] = unquote(m[2]!);
  });
  return { path, values };
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) return v.slice(1, -1);
  const hash = v.search(/\s#/); // an unquoted value ends at a comment
  return hash >= 0 ? v.slice(0, hash).trimEnd() : v;
}

/** Reads `<root>/.env.runner` when it exists; undefined otherwise. */
export async function readEnvFile(root: string, issues: PcqIssue[]): Promise<EnvFile | undefined> {
  const path = join(root, ENV_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    issues.push({
      code: 'PCQ_CONFIG_INVALID',
      message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
      hint: `Make ${ENV_FILE} readable by the user running pcq, or remove it.`,
    });
    return undefined;
  }
  return parseEnvFile(ENV_FILE, text, issues);
}

/** The environment a command sees: the env file's values under the process environment's (non-empty ones win). */
export function mergeEnv(file: EnvFile | undefined, env: Record<string, string | undefined>): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...(file?.values ?? {}) };
  for (const [k, v] of Object.entries(env)) if (v !== undefined && (v !== '' || merged[k] === undefined)) merged[k] = v;
  return merged;
}
