// Since issue 12 a prod run needs a grant for its runner in contracts/grants/. Tests that run in
// prod grant their runner keys the way a user would: a fresh user key signs `pcq grant add`.
import assert from 'node:assert/strict';
import type { CliResult } from './pcq-cli.ts';

export type PcqCli = (env: Record<string, string>, ...args: string[]) => Promise<CliResult>;

/** Grants each runner key every runbook, a large budget and a far expiry, through the real CLI. */
export async function grantRunners(pcq: PcqCli, ...runnerPublicKeys: string[]): Promise<void> {
  const generated = await pcq({}, 'keys', 'generate', '--json');
  assert.equal(generated.code, 0, generated.stderr);
  const user = JSON.parse(generated.stdout) as { secret: string };
  for (const runner of runnerPublicKeys) {
    const granted = await pcq(
      { PCQ_GRANT_USER_SECRET: user.secret },
      'grant',
      'add',
      '--runner',
      runner,
      '--budget',
      '100000',
      '--expires',
      '2099-01-01T00:00:00Z',
    );
    assert.equal(granted.code, 0, granted.stderr);
  }
}
