import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { dispatchParams, ghWorkflowRunLine, runWorkflowUrl, shellQuote, siteRepository } from './dispatch-command.ts';
import type { RunbookView } from './site-model.ts';

/** What /bin/sh makes of a line: each argument after the command name, NUL-separated by printf. */
function shellWords(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `set -f; f() { shift 3; printf '%s\\0' "$@"; }; ${line.replace(/^gh /, 'f ')}`], {
    encoding: 'utf8',
    timeout: 5000,
  });
  return out.split('\0').slice(0, -1);
}

const repo = { server: 'https://github.com', repository: 'octo/pcq', runWorkflow: 'run.yml' };

test('the dispatch line names the workflow, the repository, the button and every input with its default', () => {
  const inputs: RunbookView['inputs'] = [
    { name: 'enrichmentSource', type: 'string', default: 'full', enum: ['full', 'partial'] },
    { name: 'threshold', type: 'number' },
    { name: 'mode', type: 'string', enum: ['a', 'b'] },
  ];
  const line = ghWorkflowRunLine('enrich-entities', inputs, repo);
  assert.equal(line, `gh workflow run run.yml -R octo/pcq -f button=enrich-entities -f 'params={"enrichmentSource":"full","threshold":0,"mode":"a"}'`);
  assert.deepEqual(shellWords(line), ['-R', 'octo/pcq', '-f', 'button=enrich-entities', '-f', 'params={"enrichmentSource":"full","threshold":0,"mode":"a"}']);
  assert.equal(ghWorkflowRunLine('b', [], undefined), 'gh workflow run run.yml -f button=b');
  assert.equal(runWorkflowUrl(repo), 'https://github.com/octo/pcq/actions/workflows/run.yml');
});

test('hostile input names, defaults and button ids reach gh byte for byte, never the shell', () => {
  const hostile = ["'; rm -rf / #", '$(touch /tmp/pwned)', '`id`', 'a\nb', "it's", '\\', '"', '*', '$HOME', '!!'];
  const inputs: RunbookView['inputs'] = hostile.map((h, i) => ({ name: `${h}${i}`, type: 'string', default: h }));
  const line = ghWorkflowRunLine("x'$(id)", inputs, repo);
  const words = shellWords(line);
  assert.equal(words[3], "button=x'$(id)");
  assert.deepEqual(JSON.parse(words[5]!.slice('params='.length)), dispatchParams(inputs));
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
      const clean = s.replace(/\0/g, ''); // a shell argument cannot hold NUL
      assert.deepEqual(shellWords(`gh a b c ${shellQuote(clean)}`), [clean]);
    }),
    { numRuns: 30 },
  );
});

test('the repository comes from the build environment and is refused when malformed', () => {
  assert.deepEqual(siteRepository({ GITHUB_REPOSITORY: 'octo/pcq' }), repo);
  assert.deepEqual(siteRepository({ PCQ_SITE_REPOSITORY: 'a/b', GITHUB_SERVER_URL: 'https://ghe.example.com/', PCQ_SITE_RUN_WORKFLOW: 'go.yaml' }), {
    server: 'https://ghe.example.com',
    repository: 'a/b',
    runWorkflow: 'go.yaml',
  });
  assert.equal(siteRepository({}), undefined);
  assert.equal(siteRepository({ GITHUB_REPOSITORY: 'javascript:alert(1)//x' }), undefined);
  assert.equal(siteRepository({ GITHUB_REPOSITORY: 'a/b', GITHUB_SERVER_URL: 'javascript:alert(1)' }), undefined);
  assert.equal(siteRepository({ GITHUB_REPOSITORY: 'a/b', PCQ_SITE_RUN_WORKFLOW: '../x.yml' }), undefined);
});
