// `pcq list`: the runbooks of the repository, with what a user needs to start one — id, version,
// file, inputs — and whether `pcq validate` accepts it (the same checks: validateRepository).
import { relative, resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { isError } from '../../base/errors.ts';
import { loadRunbooks } from '../../model/load-runbooks.ts';
import type { InputSpec } from '../../model/runbook.ts';
import { validateRepository } from './validate.ts';
import { styleFor } from '../style.ts';

const USAGE = `Usage: pcq list [PATH…] [--json]

Lists the runbooks (files, or folders of *.yaml|*.yml|*.json; default: runbooks/): runbookId,
version, file, inputs (name:type, * when required) and whether each is valid — checked exactly as
\`pcq validate\` checks it (run \`pcq validate\` for the problems themselves).

Options:
  --json     {schemaVersion, runbooks: [{runbookId, version, name, file, valid, problems, inputs: [{name, type, required, default?, enum?, description?}]}]}
  -h, --help this text

Exit codes: 0 listed (invalid runbooks included) · 2 bad arguments
`;

export interface ListedInput {
  name: string;
  type: InputSpec['type'];
  required: boolean;
  default?: InputSpec['default'];
  enum?: InputSpec['enum'];
  description?: string;
}

export interface ListedRunbook {
  runbookId: string | null;
  version: string | null;
  name: string | null;
  file: string;
  valid: boolean;
  problems: number;
  inputs: ListedInput[];
}

export const command: Command = {
  name: 'list',
  summary: 'List runbooks: id, version, file, inputs and whether each is valid',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } }, 'list');
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const paths = (positionals.length > 0 ? positionals : ['runbooks/']).map((p) => resolve(io.cwd, p));
    const runbooks = await listRunbooks(io.cwd, paths);
    if (values.json) {
      printJson(io, { runbooks });
      return EXIT.ok;
    }
    io.stdout(formatList(runbooks, io));
    return EXIT.ok;
  },
};

/** Every runbook file under `paths`, with its validity as `pcq validate` decides it. */
export async function listRunbooks(root: string, paths: string[]): Promise<ListedRunbook[]> {
  const [loaded, validation] = await Promise.all([loadRunbooks(paths), validateRepository(root, paths)]);
  return loaded.files.map((f) => {
    const draft = f.runbook ?? f.draft;
    const problems = validation.issues.filter((i) => isError(i) && i.location?.file !== undefined && resolve(root, i.location.file) === resolve(f.file)).length;
    const inputs = Object.entries((draft?.inputs ?? {}) as Record<string, InputSpec>).map(([name, spec]) => ({
      name,
      type: spec.type,
      required: spec.required === true,
      ...(spec.default !== undefined ? { default: spec.default } : {}),
      ...(spec.enum !== undefined ? { enum: spec.enum } : {}),
      ...(spec.description !== undefined ? { description: spec.description } : {}),
    }));
    return {
      runbookId: typeof draft?.runbookId === 'string' ? draft.runbookId : null,
      version: typeof draft?.version === 'string' ? draft.version : null,
      name: typeof draft?.name === 'string' ? draft.name : null,
      file: relative(root, f.file) || f.file,
      valid: f.runbook !== undefined && problems === 0,
      problems,
      inputs,
    };
  });
}

function formatList(runbooks: readonly ListedRunbook[], io: CliIo): string {
  const s = styleFor(io);
  if (runbooks.length === 0) return 'no runbooks found (runbooks/ is empty; `pcq init` writes a sample)\n';
  const rows = runbooks.map((r) => [
    r.valid ? '✓' : '✗',
    r.runbookId ?? '?',
    r.version ?? '?',
    r.file,
    r.inputs.map((i) => `${i.name}:${i.type}${i.required ? '*' : ''}`).join(' ') || '—',
    r.valid ? '' : `${r.problems} problem${r.problems === 1 ? '' : 's'}`,
  ]);
  const header = ['', 'runbook', 'version', 'file', 'inputs', ''];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (row: string[]): string =>
    row
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  const invalid = runbooks.filter((r) => !r.valid).length;
  const total = `${runbooks.length} runbook${runbooks.length === 1 ? '' : 's'}${invalid > 0 ? `, ${invalid} invalid (pcq validate shows why)` : ''}`;
  return [s.dim(line(header)), ...rows.map(line), total].join('\n') + '\n';
}
