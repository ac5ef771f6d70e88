// `pcq-verify` (the seed's verifier bin): `pcq verify` alone, bundled by scripts/build.mjs with
// nothing but the verify path in it, loaded by the bin's entry (verify-bin.ts, dist/pcq-verify.mjs)
// once that has prepared the process. A verifier is started once per manifest, so its start-up is a
// large part of a small manifest's cost (issue 16: at 100 steps the whole `pcq` entry spent more
// time loading than verifying). Same arguments, output and exit codes as `pcq verify` (the command
// object is the same one).
import { command } from './commands/verify.ts';
import { processIo, redactingIo, reportIssues, type CliIo } from './io.ts';
import { colouredIo, machineOutput } from './style.ts';

export async function verifyMain(argv: string[], rawIo: CliIo): Promise<number> {
  // The environment's secrets registered, every line through the registry; coloured as `pcq` colours.
  const io = colouredIo(redactingIo(rawIo), machineOutput(argv));
  try {
    return await command.run(argv, io);
  } catch (err) {
    return reportIssues(io, err, argv.includes('--json'));
  }
}

/** Runs `pcq-verify` with these arguments on the process's own streams; sets the exit code. */
export function runVerifyMain(argv: string[]): Promise<void> {
  const io = processIo();
  return verifyMain(argv, io).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.exitCode = reportIssues(io, err, false);
    },
  );
}

if (process.argv[1] !== undefined && /verify-main\.ts$/.test(process.argv[1])) runVerifyMain(process.argv.slice(2));
