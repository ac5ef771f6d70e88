import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ciContext, ciRunUrl } from './ci-context.ts';

const ENV = {
  GITHUB_ACTIONS: 'true',
  GITHUB_REPOSITORY: 'octo/pcq',
  GITHUB_RUN_ID: '123',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_SHA: 'a'.repeat(40),
  GITHUB_WORKFLOW: 'run',
};

test('run.json `ci` records the Actions run from the runner environment, and nothing outside Actions', () => {
  const ci = ciContext(ENV)!;
  assert.deepEqual(ci, { server: 'https://github.com', repository: 'octo/pcq', runId: '123', runAttempt: '2', sha: 'a'.repeat(40), workflow: 'run' });
  assert.equal(ciRunUrl(ci), 'https://github.com/octo/pcq/actions/runs/123/attempts/2');
  assert.equal(ciRunUrl({ ...ci, runAttempt: '1' }), 'https://github.com/octo/pcq/actions/runs/123');
  assert.equal(ciContext({ ...ENV, GITHUB_ACTIONS: undefined }), undefined);
});

test('hostile values never become a link: a bad repository, server or run id drops the record; a bad sha or workflow is left out', () => {
  assert.equal(ciContext({ ...ENV, GITHUB_REPOSITORY: 'javascript:alert(1)' }), undefined);
  assert.equal(ciContext({ ...ENV, GITHUB_SERVER_URL: 'http://evil.example' }), undefined);
  assert.equal(ciContext({ ...ENV, GITHUB_RUN_ID: '1/../../x' }), undefined);
  const ci = ciContext({ ...ENV, GITHUB_SHA: 'nope', GITHUB_WORKFLOW: 'a\nb', GITHUB_RUN_ATTEMPT: 'x' })!;
  assert.deepEqual(ci, { server: 'https://github.com', repository: 'octo/pcq', runId: '123' });
});
