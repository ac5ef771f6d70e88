// The Action's inputs (action.yml), read through @actions/core's getInput and checked here: a bad
// command or non-JSON params is a coded error before anything runs.
import { PcqError } from '../base/errors.ts';
import type { ActionInputs } from './action-port.ts';

const COMMANDS: readonly ActionInputs['command'][] = ['validate', 'plan', 'run', 'review', 'publish', 'retry', 'status'];

export function readInputs(getInput: (name: string) => string): ActionInputs {
  const command = getInput('command').trim() || 'validate';
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new PcqError({ code: 'PCQ_USAGE', message: `input \`command\` is "${command}"`, hint: `Use one of: ${COMMANDS.join(', ')}.` });
  }
  const rawParams = getInput('params').trim();
  let params: Record<string, unknown> = {};
  if (rawParams !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawParams);
    } catch (err) {
      throw new PcqError({
        code: 'PCQ_USAGE',
        message: `input \`params\` is not JSON: ${(err as Error).message}`,
        hint: 'Pass a JSON object, e.g. {"enrichmentSource": "full"}.',
      });
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new PcqError({
        code: 'PCQ_USAGE',
        message: 'input `params` must be a JSON object',
        hint: 'Pass a JSON object, e.g. {"enrichmentSource": "full"}.',
      });
    }
    params = parsed as Record<string, unknown>;
  }
  const paths = getInput('paths')
    .split(/[\s,]+/)
    .filter(Boolean);
  return {
    command: command as ActionInputs['command'],
    button: getInput('button').trim(),
    params,
    asOf: getInput('as-of').trim(),
    replayOf: getInput('replay-of').trim(),
    executionId: getInput('execution-id').trim(),
    publishBranch: getInput('publish-branch').trim() || 'main',
    paths: paths.length ? paths : ['runbooks/'],
  };
}
