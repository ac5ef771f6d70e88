// `pcq init [DIR]`: scaffolds a working pcq repository (issue 14): a sample runbook with its
// dataset, the policies it needs, a dev signing key in the local trust overlay (.pcq/, git-ignored),
// workflows that use the pcq action pinned to a reference, CODEOWNERS, and a README section.
// `pcq init && pcq validate && pcq run runbooks/hello.yaml` works in an empty folder. Never
// overwrites: when any file it would write exists, it writes nothing and names them all.
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { PcqError, PcqErrors } from '../../base/errors.ts';
import { loadRunnerSigner } from '../../runtime/keys.ts';
import { sampleFiles } from '../init/sample-files.ts';
import { GITIGNORE_LINES, README_SECTION, workflowFiles } from '../init/repo-files.ts';
import { PCQ_REPOSITORY, PCQ_VERSION } from '../../base/version.ts';

const DEFAULT_ACTION = `${PCQ_REPOSITORY}@v${PCQ_VERSION}`;
const ACTION_REF = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}@[A-Za-z0-9._/-]{1,100}$/;

const USAGE = `Usage: pcq init [DIR] [--action <owner>/pcq@<ref>] [--json]

Writes a working pcq repository into DIR (default: the current folder):
  runbooks/hello.yaml + runbooks/data/sample/   a sample runbook and its dataset
  policies/                                     authority, licenses, buttons, trust, ombuds, notify
  .github/workflows/ + .github/CODEOWNERS       validate, run, ombuds, site; uses: <action>
  README.md (section appended), .gitignore      how to use it; .pcq/ stays local
  .pcq/keys/runner.secret                       a dev signing key, trusted only in .pcq/trust.local.yaml
Never overwrites a file: if any exists, nothing is written and each is named.

Options:
  --action R  the action the workflows use (default ${DEFAULT_ACTION}); pin a commit SHA:
              <owner>/pcq@<40-hex sha>
  --json      machine-readable result: {schemaVersion, root, action, files, devKey}
  -h, --help  this text

Then: pcq validate && pcq run runbooks/hello.yaml

Exit codes: 0 written · 2 bad arguments · 3 a file already exists
`;

export const command: Command = {
  name: 'init',
  summary: 'Scaffold a working pcq repository: sample runbook and dataset, policies, workflows, dev key',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, action: { type: 'string' } }, 'init');
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    if (positionals.length > 1) throw new PcqError({ code: 'PCQ_USAGE', message: 'pcq init takes at most one folder', hint: 'Run `pcq init [DIR]`.' });
    const action = typeof values.action === 'string' ? values.action : DEFAULT_ACTION;
    if (!ACTION_REF.test(action))
      throw new PcqError({ code: 'PCQ_USAGE', message: `--action "${action}" is not <owner>/<repo>@<ref>`, hint: `Write e.g. --action ${DEFAULT_ACTION}.` });
    const root = resolve(io.cwd, positionals[0] ?? '.');
    const [owner, rest] = action.split('/') as [string, string];
    const [repo, ref] = rest.split('@') as [string, string];
    const schemaUrl = `https://raw.githubusercontent.com/${owner}/${repo}/${ref}/engine/model/runbook.schema.json`;
    const files = { ...sampleFiles(schemaUrl), ...workflowFiles(action, PCQ_VERSION) };
    const existing = Object.keys(files).filter((f) => existsSync(join(root, f)));
    if (existing.length > 0) {
      throw new PcqErrors(
        existing.map((f) => ({
          code: 'PCQ_INIT_EXISTS' as const,
          message: `${f} already exists; pcq init writes nothing over existing files`,
          hint: 'Run pcq init in an empty folder, or move the file away first.',
          location: { file: f, line: 1, col: 1 },
        })),
      );
    }
    for (const [file, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, file)), { recursive: true });
      await writeFile(join(root, file), text, { flag: 'wx' });
    }
    await appendSection(join(root, 'README.md'), README_SECTION, '## Runbooks (pcq)');
    await appendLines(join(root, '.gitignore'), GITIGNORE_LINES);
    // The dev key exactly as a first dev run would make it (runtime/keys.ts): 0600, listed only in
    // the git-ignored overlay, so nothing in the repository trusts it.
    const { signer } = await loadRunnerSigner({ env: {}, root, mode: 'dev' });
    const written = [...Object.keys(files), 'README.md', '.gitignore'].sort();
    if (values.json) {
      printJson(io, { root, action, files: written, devKey: signer.keyid });
    } else {
      io.stdout(`✓ pcq repository in ${root}\n`);
      for (const f of written) io.stdout(`  ${f}\n`);
      io.stdout(`  .pcq/keys/runner.secret  dev key ${signer.keyid} (trusted only in .pcq/trust.local.yaml)\n`);
      io.stdout(`workflows use ${action}\nnext: pcq validate && pcq run runbooks/hello.yaml\n`);
    }
    return EXIT.ok;
  },
};

async function appendSection(file: string, section: string, heading: string): Promise<void> {
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === undefined) return writeFile(file, `# ${basenameTitle(file)}\n\n${section}`);
  if (current.includes(heading)) return;
  await appendFile(file, `${current.endsWith('\n') ? '' : '\n'}\n${section}`);
}

async function appendLines(file: string, lines: string[]): Promise<void> {
  const current = await readFile(file, 'utf8').catch(() => '');
  const have = new Set(current.split('\n').map((l) => l.trim()));
  const missing = lines.filter((l) => !have.has(l));
  if (missing.length > 0) await appendFile(file, `${current === '' || current.endsWith('\n') ? '' : '\n'}${missing.join('\n')}\n`);
}

function basenameTitle(file: string): string {
  return dirname(file).split(/[\\/]/).pop() || 'Runbooks';
}
