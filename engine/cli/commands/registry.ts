// `pcq registry add|retire|list`: the agent registry, i.e. the active runner keys of
// policies/trust.yaml (vault/agent-registry.ts). Steps 1 and 5 of the runner key rotation
// (docs/operations.md "Runner key rotation").
import { PcqError } from '../../base/errors.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig } from '../../runtime/config.ts';
import { addRunner, listRunners, retireRunner } from '../../vault/agent-registry.ts';

const USAGE = `Usage: pcq registry add <G…> [--name NAME] [--from ISO-8601] [--json]
       pcq registry retire <G…> [--json]
       pcq registry list [--json]

add     lists the runner key in policies/trust.yaml (role runner, active from --from, default now):
        the vault accepts it (grants may name it) and pcq verify trusts what it signs.
retire  sets the key to retired with validUntil now: it opens no new run, and everything it signed
        still verifies. Refused (PCQ_RUNNER_IN_USE) while a grant that is neither revoked nor
        expired names it, or one of its runs is still open.
list    every runner key with its status and window.

Exit codes: 0 ok · 1 still in use · 2 bad arguments · 3 invalid trust store
`;

export const command: Command = {
  name: 'registry',
  summary: 'The agent registry: add a runner key, retire one (after its grants are revoked), list runners',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      { name: { type: 'string' }, from: { type: 'string' }, json: { type: 'boolean' }, ...CONFIG_FLAG_OPTIONS },
      'registry',
    );
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
    const [action, key, ...rest] = positionals;
    const out = (json: object, text: string): number => {
      if (values.json) printJson(io, json);
      else io.stdout(text);
      return EXIT.ok;
    };
    if (action === 'add' && key !== undefined && rest.length === 0) {
      const from = typeof values.from === 'string' ? new Date(values.from) : new Date();
      if (Number.isNaN(from.getTime())) throw usage(`--from "${String(values.from)}" is not an ISO-8601 time`);
      const name = typeof values.name === 'string' ? values.name : `runner-${key.slice(1, 9).toLowerCase()}`;
      const r = await addRunner({ root: config.root, publicKey: key, name, from });
      return out(
        { publicKey: key, name, ...r },
        r.added ? `added runner ${key} (${name}) to policies/trust.yaml, active\n` : `runner ${key} is already active\n`,
      );
    }
    if (action === 'retire' && key !== undefined && rest.length === 0) {
      const r = await retireRunner({ root: config.root, publicKey: key, at: new Date(), includeLocal: config.mode === 'dev' });
      return out(
        { publicKey: key, status: 'retired', ...r },
        `retired runner ${key} (valid until ${r.validUntil}): it opens no new run; what it signed still verifies\n`,
      );
    }
    if (action === 'list' && key === undefined) {
      const runners = await listRunners(config.root);
      const lines = runners.map((r) => `${r.publicKey}  ${r.status.padEnd(7)}  ${r.name}  ${r.validFrom ?? '…'} → ${r.validUntil ?? '…'}`);
      return out({ runners }, (lines.length > 0 ? lines.join('\n') : 'no runner keys') + '\n');
    }
    throw usage('expected add <G…>, retire <G…> or list');
  },
};

function usage(message: string): PcqError {
  return new PcqError({ code: 'PCQ_USAGE', message: `registry: ${message}`, hint: 'See `pcq registry --help`.' });
}
