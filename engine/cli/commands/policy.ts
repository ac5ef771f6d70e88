// `pcq policy show|validate --file|set --file` (seed 004 §13): the runtime policy
// (policies/runtime-policy.json) whose `effects` controls are enforced at every run's preflight.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseCommandArgs } from '../args.ts';
import { EXIT, printJson, type CliIo, type Command } from '../io.ts';
import { PcqError } from '../../base/errors.ts';
import { CONFIG_FLAG_OPTIONS, configFlagsFromArgs, loadConfig } from '../../runtime/config.ts';
import { RUNTIME_POLICY_FILE, parseRuntimePolicy, policyDigest, renderRuntimePolicy } from '../../runtime/effects-policy.ts';
import { writeFileAtomic } from '../../store/atomic-write.ts';

const USAGE = `Usage: pcq policy show [--json]
       pcq policy validate --file <path>
       pcq policy set --file <path>

The runtime policy ${RUNTIME_POLICY_FILE}:
  {"effects": {"allow_types": [..], "deny_types": [..], "deny_mutations": true|false}}
allow_types denies every effect type it does not list; deny_types denies the types it lists and wins
over allow_types; deny_mutations denies every effect that mutates (a mutation step, a spell effect
with mutates: true). Built-in steps have effects too: mutation → graph_mutation (mutates), notify,
external_api, export. Checked before any step of a run starts (PCQ_EFFECT_DENIED).

show      prints the policy (or says there is none: every effect is allowed) — exit 0 either way
validate  checks a file with the same parser the run uses and prints \`policy valid\`
set       validates, then writes the normalised file (sorted lists, 2-space JSON, final newline)

Exit codes: 0 ok · 2 bad arguments · 3 invalid policy
`;

export const command: Command = {
  name: 'policy',
  summary: 'Show, validate and set the runtime effects policy',
  usage: USAGE,
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { file: { type: 'string' }, json: { type: 'boolean' }, ...CONFIG_FLAG_OPTIONS }, 'policy');
    if (values.help) {
      io.stdout(USAGE);
      return EXIT.ok;
    }
    const config = await loadConfig({ flags: configFlagsFromArgs(values), env: io.env, cwd: io.cwd });
    const [action, ...rest] = positionals;
    if (rest.length > 0) throw usage(`policy ${action}: unexpected ${rest.join(' ')}`);
    if (action === 'show') {
      const text = await readFile(join(config.root, RUNTIME_POLICY_FILE), 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (text === undefined) {
        if (values.json) printJson(io, { file: RUNTIME_POLICY_FILE, present: false, policy: null });
        else
          io.stdout(`no runtime policy: ${RUNTIME_POLICY_FILE} does not exist, so every effect is allowed. Write one with \`pcq policy set --file <path>\`.\n`);
        return EXIT.ok;
      }
      const policy = parseRuntimePolicy(text, RUNTIME_POLICY_FILE);
      if (values.json) printJson(io, { file: RUNTIME_POLICY_FILE, present: true, digest: policyDigest(policy), policy });
      else io.stdout(renderRuntimePolicy(policy));
      return EXIT.ok;
    }
    if ((action === 'validate' || action === 'set') && typeof values.file === 'string') {
      const path = resolve(io.cwd, values.file);
      const text = await readFile(path, 'utf8').catch((err: Error) => {
        throw new PcqError({ code: 'PCQ_POLICY_UNREADABLE', message: `cannot read ${values.file}: ${err.message}`, hint: 'Check the path.' });
      });
      const policy = parseRuntimePolicy(text, values.file);
      if (action === 'validate') {
        io.stdout('policy valid\n');
        return EXIT.ok;
      }
      await writeFileAtomic(join(config.root, RUNTIME_POLICY_FILE), renderRuntimePolicy(policy));
      io.stdout(`policy valid; wrote ${RUNTIME_POLICY_FILE} (${policyDigest(policy)})\n`);
      return EXIT.ok;
    }
    throw usage(`policy: expected show, validate --file <path> or set --file <path>`);
  },
};

function usage(message: string): PcqError {
  return new PcqError({ code: 'PCQ_USAGE', message, hint: 'Run `pcq policy --help`.' });
}
