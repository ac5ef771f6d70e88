// `pcq config show [--sources] [--json]`: every resolved setting and, with --sources, where it came
// from (flag, environment, .env.runner, policies/config.yaml, default). Secrets show as ***: the
// entries never hold a secret's value (runtime/config.ts), so nothing here can print one.
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { PcqError } from '../../base/errors.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig, type ConfigEntry } from '../../runtime/config.ts';
import { policyEntries } from '../../runtime/config-policy-entries.ts';

const USAGE = `Usage: pcq config show [--sources] [--json] [config flags]

Prints every configuration value pcq resolves, secrets as ***: the settings of
policies/config.yaml and their overrides, the notification settings of policies/notify.yaml, and
every secret the signer, the notifiers and the connectors read (set or not).

Precedence (highest first): flags > PCQ_* environment > .env.runner (this machine, git-ignored)
> policies/config.yaml > embedded defaults.

Options:
  --sources     add where each value came from
  --json        {mode, configFile, envFile, entries: {name: {value, source, origin}}}
  --mode, --concurrency, --graph, --log-level, --signer, --actor, --root, --config, --debug
                the same flags every command takes
  -h, --help    this text

Exit codes: 0 ok · 2 bad arguments · 3 invalid configuration (or, outside dev, a missing secret)
`;

export const command: Command = {
  name: 'config',
  summary: 'Show the resolved configuration and where each value came from',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { sources: { type: 'boolean' }, json: { type: 'boolean' }, ...CONFIG_FLAG_OPTIONS }, 'config');
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    if (positionals.length !== 1 || positionals[0] !== 'show') {
      throw new PcqError({ code: 'PCQ_USAGE', message: 'config: expected `show`', hint: 'Run `pcq config show --sources`.' });
    }
    const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
    // Besides config.ts's settings: notify.yaml's, and the secrets notify and connectors name.
    const all = { ...config.entries, ...(await policyEntries(config, io.env)) };
    const entries = Object.entries(all).sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b));
    if (values.json) {
      const out: Record<string, ConfigEntry> = {};
      for (const [name, entry] of entries) out[name] = values.sources ? entry : ({ value: entry.value } as ConfigEntry);
      printJson(io, { mode: config.mode, configFile: config.configFile ?? null, envFile: config.envFile ?? null, entries: out });
      return EXIT.ok;
    }
    const width = Math.max(...entries.map(([n]) => n.length));
    const valueWidth = Math.max(...entries.map(([, e]) => e.value.length));
    for (const [name, entry] of entries) {
      const source = values.sources ? `  ${entry.source.padEnd(8)} ${entry.origin}` : '';
      io.stdout(`${name.padEnd(width)}  ${values.sources ? entry.value.padEnd(valueWidth) : entry.value}${source}\n`);
    }
    return EXIT.ok;
  },
};

/** Settings first, secrets last. */
function order(name: string): number {
  return name.startsWith('secret ') ? 1 : 0;
}
