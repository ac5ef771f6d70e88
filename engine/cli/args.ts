// Thin wrapper over node:util parseArgs that turns its exceptions into coded usage errors; an
// unknown flag names the closest accepted one (base/did-you-mean.ts), as an unknown command does.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { PcqError } from '../base/errors.ts';
import { didYouMean } from '../base/did-you-mean.ts';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** `--name` for every option, `-x` for every short alias, help included. */
export function flagNames(options: Options): string[] {
  const all: Options = { ...options, help: { type: 'boolean', short: 'h' } };
  return Object.entries(all).flatMap(([name, o]) => [`--${name}`, ...(o.short !== undefined ? [`-${o.short}`] : [])]);
}

export function parseCommandArgs<O extends Options>(argv: string[], options: O, command: string) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    const unknown = e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /Unknown option '([^']+)'/.exec(e.message)?.[1] : undefined;
    if (unknown !== undefined) {
      const flag = unknown.split('=')[0]!;
      const best = didYouMean(flag, flagNames(options));
      throw new PcqError({
        code: 'PCQ_USAGE',
        message: `${command}: unknown flag ${flag}${best !== undefined ? ` — did you mean ${best}?` : ''}`,
        hint: `Run \`pcq ${command} --help\` for the accepted flags.`,
      });
    }
    throw new PcqError({
      code: 'PCQ_USAGE',
      message: `${command}: ${e.message}`,
      hint: `Run \`pcq ${command} --help\` for the accepted flags.`,
    });
  }
}
