// Thin wrapper over node:util parseArgs that turns its exceptions into coded usage errors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PcqError } from '../base/errors.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<O extends Options>(argv: string[], options: O, command: string) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: `${command}: ${(err as Error).message}`,
      hint: `Run \`pcq ${command} --help\` for the accepted flags.`,
    });
  }
}
