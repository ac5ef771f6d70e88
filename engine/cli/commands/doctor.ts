// `pcq doctor [--json]`: is this machine ready to run? Config, runner key authorized, signer probe,
// policies parse (and their digest, against PCQ_POLICY_HASH), graph store, connector secrets,
// notifier reachable, clock (runtime/doctor.ts). Exit 0 only when every check passes.
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { toIssues } from '../../base/errors.ts';
import { exitCodeFor } from '../../base/error-catalogue.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig } from '../../runtime/config.ts';
import { runDoctor, type DoctorReport } from '../../runtime/doctor.ts';

const USAGE = `Usage: pcq doctor [--json] [config flags]

Checks that a run can start here: configuration (and, outside dev, every required secret), the
runner key and its authorization in policies/trust.yaml, a signer probe (sign + verify), policies
parse and their digest (matched against PCQ_POLICY_HASH when pinned), the graph store opens, each
connector's secrets, the notifier is reachable when configured, the clock is sane.

Options:
  --json        {ready, mode, policyDigest, checks: [{check, ok, code?, message, hint?}]}
  -h, --help    this text

Exit codes: 0 ready · 1 a check failed (each failure is printed with its code) · 2 bad arguments
`;

export const command: Command = {
  name: 'doctor',
  summary: 'Check this machine is ready to run: config, keys, signer, policies, graph, connectors, notifier, clock',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, ...CONFIG_FLAG_OPTIONS }, 'doctor');
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    let report: DoctorReport;
    try {
      const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
      report = await runDoctor(config);
    } catch (err) {
      // The configuration itself is not valid: that is the one (and first) failed check.
      const checks = toIssues(err).map((i) => ({ check: 'config', ok: false, code: i.code, message: i.message, ...(i.hint ? { hint: i.hint } : {}) }));
      report = { ready: false, mode: io.env.PCQ_MODE ?? 'dev', checks };
    }
    if (values.json) printJson(io, report);
    else {
      for (const c of report.checks)
        io.stdout(`${c.ok ? '✓' : '✗'} ${c.check}: ${c.ok ? '' : `${c.code ?? 'PCQ_NOT_READY'} `}${c.message}${!c.ok && c.hint ? ` — ${c.hint}` : ''}\n`);
      io.stdout(report.ready ? `ready (${report.mode})\n` : `NOT READY: ${report.checks.filter((c) => !c.ok).length} check(s) failed\n`);
    }
    if (report.ready) return EXIT.ok;
    // A usage problem (bad flags/config) keeps its own class; anything else is "not ready" (1).
    const code = exitCodeFor(report.checks.filter((c) => !c.ok).map((c) => c.code ?? 'PCQ_NOT_READY'));
    return code === EXIT.usage ? code : EXIT.failed;
  },
};
