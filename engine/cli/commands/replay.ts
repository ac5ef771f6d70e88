// `pcq replay <executionId|manifest.pcq>`: re-execute a recorded run offline and say whether it
// is identical, step by step; the report is stored in the execution's replays/ folder.
import { resolve, relative } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig } from '../../runtime/config.ts';
import { locateExecution, replayExecution } from '../../run/replay-run.ts';
import { formatIssue } from '../../base/errors.ts';
import { recoverBeforeRead } from '../../store/recover-before-read.ts';

const USAGE = `Usage: pcq replay <executionId|manifest.pcq> [--json]

Re-executes a stored run from its recorded runbook text, inputs, asOf, actor and external
responses — no network, no notification sent — and compares every step's signed inputs, outputs,
proofs and artifacts with the manifest. With the same signing key, an identical replay reproduces
the identical Merkle root. The report is written to <execution>/replays/<n>.json.

Options:
  --json       print the report as JSON
  -h, --help   this text

Exit codes: 0 identical · 1 differences found · 3 the execution cannot be replayed
`;

export const command: Command = {
  name: 'replay',
  summary: 'Re-execute a recorded run and compare it step by step',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' }, ...CONFIG_FLAG_OPTIONS }, 'replay');
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    if (positionals.length !== 1) {
      io.stderr('PCQ_USAGE pcq replay takes one execution id or manifest path — see `pcq replay --help`.\n');
      return EXIT.usage;
    }
    const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
    const ref = positionals[0] as string;
    // Finish what a killed process left before the index and the execution folder are read.
    for (const issue of await recoverBeforeRead(config.attestationsDir)) io.stderr(formatIssue(issue) + '\n');
    const dir = await locateExecution(config, ref.endsWith('.pcq') ? resolve(io.cwd, ref) : ref);
    const report = await replayExecution(config, dir, config.env);
    if (values.json) {
      printJson(io, report);
    } else {
      for (const step of report.steps) {
        io.stdout(
          `${step.identical ? '✓' : '✗'} ${step.stepId}${step.identical ? ' identical' : ': ' + step.differences.map((d) => d.field).join(', ') + ' differ'}\n`,
        );
      }
      io.stdout(
        `\n${report.identical ? '✅ Replay identical' : '❌ Replay differs'} — merkle root ${report.replayedMerkleRoot} (${report.originalMerkleRoot === report.replayedMerkleRoot ? 'same as recorded' : 'recorded ' + report.originalMerkleRoot}${report.sameKey ? '' : '; signed with a different key'})\n`,
      );
      io.stdout(`report: ${relative(io.cwd, report.reportPath ?? '')}\n`);
    }
    return report.identical ? EXIT.ok : EXIT.failed;
  },
};
