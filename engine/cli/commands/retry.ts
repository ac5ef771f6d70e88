// `pcq retry <executionId> [run options]`: re-runs a FAILED run as a new execution (same runbook
// file, resolved inputs and asOf), opened against a grant like any run, its manifest signing the
// link to the original (`retryOf`: executionId + manifest digest; vault/retry-link.ts). The seed's
// `POST /runs/:id/retry`; in the Action: `command: retry` with `execution-id`.
import { resolve } from 'node:path';
import { PcqError } from '../../base/errors.ts';
import { EXIT, type CliIo, type Command } from '../io.ts';
import { configFlagsFromArgs, loadConfig, CONFIG_FLAG_OPTIONS } from '../../runtime/config.ts';
import { parseArgs } from 'node:util';
import { planRetry } from '../../vault/retry-link.ts';
import { runFromCli } from './run.ts';

const USAGE = `Usage: pcq retry <executionId> [--json] [pcq run options]

Re-runs the failed execution <executionId> (attestations/index.json; \`pcq status\` lists recent
runs) as a NEW execution: the runbook file, the resolved inputs and the asOf of the original, checked,
granted and opened like any run. Its manifest signs \`retryOf\` (the original's executionId and the
sha256 of its manifest.pcq); \`pcq verify\` shows it and checks the original's manifest when present.
Only a failed run is retried (PCQ_RETRY_NOT_FAILED); a blocked run goes to its ombuds review.

Exit codes: as \`pcq run\` · 3 no such execution, or it did not fail
`;

export const command: Command = {
  name: 'retry',
  summary: 'Re-run a failed run as a new execution linked to it (signed retryOf)',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const [executionId, ...rest] = argv;
    if (executionId === undefined || executionId === '--help' || executionId === '-h') {
      io.stdout(USAGE);
      return executionId === undefined ? EXIT.usage : EXIT.ok;
    }
    if (executionId.startsWith('-'))
      throw new PcqError({ code: 'PCQ_USAGE', message: 'retry: the execution id comes first', hint: 'pcq retry <executionId> [run options]' });
    // The config the run will use decides where the store is.
    // Lenient here: every other option is `pcq run`'s, which checks them strictly.
    const { values } = parseArgs({ args: rest, options: { ...CONFIG_FLAG_OPTIONS, json: { type: 'boolean' } }, strict: false, allowPositionals: true });
    const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
    const plan = await planRetry(config.attestationsDir, executionId);
    if (!values.json) io.stdout(`retry of ${executionId} (manifest ${plan.link.manifestDigest}): ${plan.runbookFile} as of ${plan.asOf}\n`);
    return runFromCli([resolve(config.root, plan.runbookFile), ...rest, '--as-of', plan.asOf], io, { rawParams: plan.params, retryOf: plan.link });
  },
};
