// Issue 14 §6 "shell completion": the bash script `pcq completion bash` prints (through the real
// CLI) is sourced in bash and asked what `pcq ru<TAB>`, `pcq run --dr<TAB>`, `pcq review ap<TAB>`
// complete to, with compgen as bash itself would; zsh and fish scripts are generated from the same
// table; an unknown shell is a usage error with a did-you-mean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runPcq } from '../testing/pcq-cli.ts';
import { COMMANDS } from './commands.ts';

const exec = promisify(execFile);

test('pcq completion bash completes verbs, sub-commands and flags in bash', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'pcq-completion-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const bash = await runPcq(dir, {}, 'completion', 'bash');
  assert.equal(bash.code, 0, bash.stderr);
  const script = join(dir, 'pcq.bash');
  await writeFile(script, bash.stdout);
  const complete = async (...words: string[]): Promise<string[]> => {
    const array = words.map((w) => `'${w}'`).join(' ');
    const { stdout } = await exec(
      'bash',
      ['-c', `source '${script}'; COMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; _pcq; printf '%s\\n' "\${COMPREPLY[@]}"`],
      {
        cwd: dir,
        timeout: 10_000,
      },
    );
    return stdout.split('\n').filter((l) => l !== '');
  };
  assert.deepEqual(await complete('pcq', 'ru'), ['run', 'runs']);
  assert.deepEqual((await complete('pcq', '')).length, Object.keys(COMMANDS).length + 2, 'every verb, --help and --version');
  assert.deepEqual(await complete('pcq', 'run', '--dr'), ['--dry-run']);
  assert.deepEqual(await complete('pcq', 'verify', '--k'), ['--key']);
  assert.deepEqual(await complete('pcq', 'review', 'ap'), ['approve']);
  assert.deepEqual(await complete('pcq', 'logs', 'pr'), ['prune']);
  assert.deepEqual(await complete('pcq', 'completion', ''), ['bash', 'fish', 'zsh']);
  const { stdout: registered } = await exec('bash', ['-c', `source '${script}'; complete -p pcq`]);
  assert.match(registered, /complete .*-F _pcq pcq/);

  const zsh = await runPcq(dir, {}, 'completion', 'zsh');
  assert.match(zsh.stdout, /^#compdef pcq\n/);
  assert.match(zsh.stdout, /bashcompinit/);
  const fish = await runPcq(dir, {}, 'completion', 'fish');
  assert.match(fish.stdout, /^complete -c pcq -n __fish_use_subcommand -a show -d 'Show one run/m);
  assert.match(fish.stdout, /^complete -c pcq -n '__fish_seen_subcommand_from run' -l dry-run$/m);
  const typo = await runPcq(dir, {}, 'completion', 'bsh');
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /PCQ_USAGE completion: expected one of bash, zsh, fish, not "bsh" — .*Did you mean "bash"\?/);
});
