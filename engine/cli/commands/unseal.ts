// `pcq unseal <executionId> --by <login>`: the ombuds opens a run's sealed private data and
// withheld exports with their own reviewer key, checked against the signed manifest
// (review/unseal.ts), and reads the plaintext in a private folder.
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, reportIssues, type CliIo, type Command } from '../io.ts';
import { PcqError } from '../../base/errors.ts';
import type { Manifest } from '../../base/signed-records.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig } from '../../runtime/config.ts';
import { reviewerAgeIdentity } from '../../runtime/age-keys.ts';
import { parseManifestText } from '../../proof/manifest.ts';
import { readIndex } from '../../store/execution-index.ts';
import { assertSafeSegment, executionPaths } from '../../store/layout.ts';
import { unsealExecution } from '../../review/unseal.ts';

const USAGE = `Usage: pcq unseal <executionId> --by <login> [--out DIR] [--json]

Opens a run's sealed private data (sealed/private-data.json.age: the private steps' inputs,
outputs and recordings) and its withheld exports (sealed/withheld/*.age) with your reviewer key,
checks every value against the digests the run signed, and writes the plaintext to a private
folder for you to read before you decide. The files are sealed to every active reviewer key bound
to a roster login, and to the runner (sealed/recipients.json lists them).

Your key: PCQ_REVIEWER_SECRET, else .pcq/keys/reviewer-<login>.secret
(\`pcq keys generate --reviewer <login>\`).

Options:
  --by LOGIN   your ombuds login (required)
  --out DIR    where to write the plaintext (default .pcq/unsealed/<executionId>, git-ignored)
  --json       machine-readable output
  --root DIR   repository root (default: .)
  -h, --help   this text

Exit codes: 0 opened and checked · 1 cannot open, or does not match what was signed · 2 bad arguments
`;

export const command: Command = {
  name: 'unseal',
  summary: "Open a run's sealed private data with your reviewer key, checked against the manifest",
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      { by: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, ...CONFIG_FLAG_OPTIONS },
      'unseal',
    );
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const json = values.json === true;
    try {
      if (positionals.length !== 1)
        throw new PcqError({ code: 'PCQ_USAGE', message: 'unseal: expected exactly one execution id', hint: 'Run `pcq unseal <executionId> --by <login>`.' });
      if (typeof values.by !== 'string' || values.by.trim() === '')
        throw new PcqError({ code: 'PCQ_USAGE', message: 'unseal: --by <login> is required', hint: 'Name yourself: the ombuds whose key opens the seal.' });
      const executionId = assertSafeSegment('executionId', positionals[0]!);
      const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
      const entry = (await readIndex(config.attestationsDir)).executions.find((e) => e.executionId === executionId);
      if (!entry)
        throw new PcqError({
          code: 'PCQ_EXECUTION_NOT_FOUND',
          message: `no execution "${executionId}" in ${join(config.attestationsDir, 'index.json')}`,
          hint: 'Pass an execution id from `pcq review list`.',
        });
      const paths = executionPaths(config.attestationsDir, entry.runbookId, entry.executionId);
      const manifest = parseManifestText(await readFile(paths.manifest, 'utf8')) as Manifest;
      const identity = await reviewerAgeIdentity(config.root, values.by.trim(), config.env);
      const outDir = typeof values.out === 'string' ? join(io.cwd, values.out) : join(config.root, '.pcq', 'unsealed', executionId);
      const result = await unsealExecution(paths, manifest, identity, outDir);
      if (json) printJson(io, { ok: true, executionId, ...result });
      else {
        const shown = relative(io.cwd, result.outDir) || '.';
        io.stdout(
          `🔓 ${executionId} opened with ${values.by.trim()}'s key; every value matches the signed manifest.\n` +
            (result.steps.length > 0 ? `private steps: ${result.steps.join(', ')} → ${shown}/steps/\n` : '') +
            (result.withheld.length > 0 ? `withheld exports: ${result.withheld.join(', ')} → ${shown}/withheld/\n` : '') +
            'Keep these files private: they are exactly what the run withheld from publication.\n',
        );
      }
      return EXIT.ok;
    } catch (err) {
      return reportIssues(io, err, json);
    }
  },
};
