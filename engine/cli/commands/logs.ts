// `pcq logs prune` (seed 004 §10): apply log retention to spell execution logs and report each
// removal. Never touches a manifest or any record but the logs (store/log-retention.ts).
import { parseCommandArgs } from '../args.ts';
import { EXIT, type CliIo, type Command } from '../io.ts';
import { PcqError } from '../../base/errors.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig } from '../../runtime/config.ts';
import { pruneExecutionLogs } from '../../store/log-retention.ts';
import { recoverStore } from '../../store/execution-store.ts';

const USAGE = `Usage: pcq logs prune [--dry-run] [--json]

Removes spell execution logs (attestations/<runbookId>/<executionId>/private/logs/*.log) older than
the retention age (PCQ_LOG_RETENTION_DAYS or logRetention.days in policies/config.yaml, default 14),
then the oldest beyond the retention count (PCQ_LOG_MAX_FILES or logRetention.maxFiles, default 500),
and lists every file it removed. Manifests and every other record are never removed.

Exit codes: 0 ok · 2 bad arguments
`;

export const command: Command = {
  name: 'logs',
  summary: 'Prune spell execution logs by age and count (retention)',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, ...CONFIG_FLAG_OPTIONS }, 'logs');
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    if (positionals.length !== 1 || positionals[0] !== 'prune')
      throw new PcqError({ code: 'PCQ_USAGE', message: 'logs: expected `prune`', hint: 'Run `pcq logs --help`.' });
    const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
    await recoverStore(config.attestationsDir);
    const r = await pruneExecutionLogs(config.attestationsDir, config.logRetention, Date.now(), values['dry-run'] === true);
    if (values.json)
      io.stdout(
        JSON.stringify(
          {
            retention: config.logRetention,
            dryRun: values['dry-run'] === true,
            removed: r.removed.map((l) => ({ path: l.path, reason: l.reason, size: l.size })),
            kept: r.kept,
          },
          null,
          2,
        ) + '\n',
      );
    else {
      const verb = values['dry-run'] ? 'would remove' : 'removed';
      io.stdout(
        r.removed
          .map(
            (l) =>
              `${verb} ${l.path} (${l.reason === 'age' ? `older than ${config.logRetention.days} days` : `beyond ${config.logRetention.maxFiles} files`})\n`,
          )
          .join('') +
          `${r.removed.length} log(s) ${verb}, ${r.kept} kept (retention: ${config.logRetention.days} days, ${config.logRetention.maxFiles} files)\n`,
      );
    }
    return EXIT.ok;
  },
};
