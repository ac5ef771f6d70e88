#!/usr/bin/env node
// `pcq` entry point: dispatches to one file per verb. Also answers as the seed's `pcq-verify`.
import { basename } from 'node:path';
import { COMMANDS } from './commands.ts';
import { PCQ_VERSION } from '../base/version.ts';
import { suggestion } from '../base/did-you-mean.ts';
import { EXIT, processIo, redactingIo, reportIssues, type CliIo } from './io.ts';
import { colouredIo, machineOutput } from './style.ts';

export async function main(argv: string[], rawIo: CliIo, invokedAs = 'pcq'): Promise<number> {
  // The seed's `pcq-verify --manifest <file>` is `pcq verify <file>`.
  if (invokedAs.startsWith('pcq-verify')) argv = ['verify', ...argv];
  const [verb, ...rest] = argv;
  // Every secret of the environment is registered before anything runs, and every line printed
  // passes the one registry (base/secrets.ts), whatever the verb; then, for people (not --json,
  // not pino's JSON log lines), the one style module colours status glyphs and codes.
  const io = colouredIo(redactingIo(rawIo), machineOutput(rest));
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    io.stdout(usage());
    return verb === undefined ? EXIT.usage : EXIT.ok;
  }
  if (verb === '--version' || verb === '-v') {
    io.stdout(`pcq ${PCQ_VERSION}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS[verb];
  if (!entry) {
    io.stderr(`PCQ_USAGE unknown command "${verb}" — run \`pcq --help\` for the list of commands.${suggestion(verb, Object.keys(COMMANDS))}\n`);
    return EXIT.usage;
  }
  const wantsJson = rest.includes('--json');
  try {
    const { command } = await entry.load();
    return await command.run(rest, io);
  } catch (err) {
    return reportIssues(io, err, wantsJson);
  }
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `pcq — proof-carrying runbooks, run the GitOps way

Usage: pcq <command> [options]   (pcq <command> --help for details)

Commands:
${lines.join('\n')}

Exit codes: 0 ok · 1 check failed or refused · 2 usage · 3 invalid input · 4 run blocked · 70 internal error · 75 try again later
`;
}

const isEntry = process.argv[1] !== undefined && /(?:pcq(?:-verify)?(?:\.mjs)?|main\.ts)$/.test(process.argv[1]);
if (isEntry) {
  const io = redactingIo(processIo());
  main(process.argv.slice(2), io, basename(process.argv[1] ?? 'pcq')).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.exitCode = reportIssues(io, err, false);
    },
  );
}
