// The Octokit adapter against the loopback emulator: every Scm method once, with every request and
// response checked against GitHub's OpenAPI description by the emulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GitHubEmulator } from '../testing/github-emulator.ts';
import { OctokitScm, octokitScmFromEnv } from './octokit-scm.ts';
import { PcqError } from '../base/errors.ts';

let gh: GitHubEmulator;
let scm: OctokitScm;

before(async () => {
  gh = await new GitHubEmulator('acme', 'ops').start();
  scm = new OctokitScm({ token: 'test-token', repository: 'acme/ops', baseUrl: gh.url });
  gh.state.push('main', { 'policies/ombuds.yaml': 'ombuds: [olga]\n', 'README.md': 'hi\n' }, 'alice', 'initial');
});
after(async () => {
  await gh.stop();
  assert.deepEqual(gh.rejectedRequests, [], 'the adapter sent a request GitHub would refuse');
});

test('reads files at a ref and says null for a missing file', async () => {
  assert.equal(await scm.getFileContent('policies/ombuds.yaml', 'main'), 'ombuds: [olga]\n');
  assert.equal(await scm.getFileContent('nope.yaml', 'main'), null);
  const sha = await scm.getBranchSha('main');
  assert.match(sha ?? '', /^[0-9a-f]{40}$/);
  assert.equal(await scm.getFileContent('README.md', sha!), 'hi\n');
  assert.equal(await scm.getBranchSha('no-such-branch'), null);
});

test('commits several files atomically on a new branch, text and bytes', async () => {
  const base = (await scm.getBranchSha('main'))!;
  await scm.createBranch('pcq/review/R1/e1', base);
  const bytes = new Uint8Array([0, 1, 2, 255, 254]);
  const sha = await scm.commitFiles({
    branch: 'pcq/review/R1/e1',
    message: 'ticket',
    files: [
      { path: 'attestations/reviews/e1.yaml', content: 'ticket: 1\n' },
      { path: 'a/bin.gz', content: bytes },
    ],
  });
  assert.equal(await scm.getBranchSha('pcq/review/R1/e1'), sha);
  assert.equal(await scm.getFileContent('attestations/reviews/e1.yaml', 'pcq/review/R1/e1'), 'ticket: 1\n');
  assert.deepEqual([...gh.state.fileAt('a/bin.gz', sha)!], [...bytes]);
  assert.equal(await scm.getFileContent('README.md', sha), 'hi\n', 'base tree kept');
  assert.equal(gh.state.commit(sha).parents[0], base);
  await scm.createBranch('scratch', sha);
  const removed = await scm.commitFiles({ branch: 'scratch', message: 'drop', files: [{ path: 'README.md', content: null }] });
  assert.equal(await scm.getFileContent('README.md', removed), null);
  assert.equal(await scm.getFileContent('README.md', sha), 'hi\n', 'older commit untouched');
});

test('opens a PR, finds it by head, updates it, lists commits and files, requests reviewers', async () => {
  gh.state.permissions.set('olga', 'write');
  const pr = await scm.createPullRequest({ head: 'pcq/review/R1/e1', base: 'main', title: 'Review e1', body: 'body v1' });
  assert.equal(pr.author.login, 'github-actions[bot]');
  assert.equal(pr.author.type, 'Bot');
  const found = await scm.findOpenPullRequestByHead('pcq/review/R1/e1');
  assert.equal(found?.number, pr.number);
  assert.equal(await scm.findOpenPullRequestByHead('pcq/review/R1/other'), null);
  const updated = await scm.updatePullRequest(pr.number, { body: 'body v2' });
  assert.equal(updated.body, 'body v2');
  const files = await scm.listPullRequestFiles(pr.number);
  assert.deepEqual(
    files.map((f) => [f.path, f.status]),
    [
      ['a/bin.gz', 'added'],
      ['attestations/reviews/e1.yaml', 'added'],
    ],
  );
  const commits = await scm.listPullRequestCommits(pr.number);
  assert.equal(commits.length, 1);
  assert.equal(commits[0]!.authorLogin, 'github-actions[bot]');
  await scm.requestReviewers(pr.number, ['olga']);
  assert.deepEqual(gh.state.pull(pr.number).requestedReviewers, ['olga']);
});

test('sticky comments: list, create, update', async () => {
  const pr = await scm.findOpenPullRequestByHead('pcq/review/R1/e1');
  const c = await scm.createIssueComment(pr!.number, '<!-- m -->\nfirst');
  const u = await scm.updateIssueComment(c.id, '<!-- m -->\nsecond');
  assert.equal(u.id, c.id);
  const list = await scm.listIssueComments(pr!.number);
  assert.deepEqual(
    list.map((x) => x.body),
    ['<!-- m -->\nsecond'],
  );
});

test('reviews, merge guarded by head SHA, close', async () => {
  const pr = (await scm.findOpenPullRequestByHead('pcq/review/R1/e1'))!;
  const review = gh.state.review(pr.number, 'olga', 'APPROVED');
  const got = await scm.getReview(pr.number, review.id);
  assert.equal(got.reviewer?.login, 'olga');
  assert.equal(got.commitId, pr.headSha);
  await assert.rejects(
    scm.mergePullRequest(pr.number, { expectedHeadSha: '0'.repeat(40), commitTitle: 'x' }),
    (e: PcqError) => e.code === 'PCQ_GITHUB_API' && /409/.test(e.message),
  );
  const merged = await scm.mergePullRequest(pr.number, { expectedHeadSha: pr.headSha, commitTitle: 'Approve e1' });
  assert.equal(await scm.getBranchSha('main'), merged.sha);
  assert.equal(await scm.getFileContent('attestations/reviews/e1.yaml', 'main'), 'ticket: 1\n');
  const after = await scm.getPullRequest(pr.number);
  assert.equal(after.merged, true);
  assert.equal(after.state, 'closed');
  gh.state.push('other', { 'x.txt': 'x' }, 'mallory');
  const pr2 = await scm.createPullRequest({ head: 'other', base: 'main', title: 't', body: '' });
  await scm.closePullRequest(pr2.number);
  assert.equal((await scm.getPullRequest(pr2.number)).state, 'closed');
});

test('permissions: role names kept, unknown users are none', async () => {
  gh.state.permissions.set('mia', 'maintain');
  assert.equal(await scm.getPermission('mia'), 'maintain');
  assert.equal(await scm.getPermission('olga'), 'write');
  assert.equal(await scm.getPermission('stranger'), 'none');
});

test('a bad token is a coded error, not a stack trace', async () => {
  const bad = new OctokitScm({ token: 'wrong', repository: 'acme/ops', baseUrl: gh.url });
  await assert.rejects(bad.getPullRequest(1), (e: PcqError) => e.code === 'PCQ_GITHUB_API' && /401/.test(e.message) && /permissions/.test(e.hint ?? ''));
});

test('repository and context are checked', () => {
  assert.throws(
    () => new OctokitScm({ token: 't', repository: 'nope' }),
    (e: PcqError) => e.code === 'PCQ_GITHUB_CONTEXT',
  );
  assert.throws(
    () => octokitScmFromEnv({}, 't'),
    (e: PcqError) => e.code === 'PCQ_GITHUB_CONTEXT',
  );
  assert.equal(octokitScmFromEnv({ GITHUB_REPOSITORY: 'a/b', GITHUB_API_URL: gh.url }, 't').repo, 'b');
});

test('counts pending dispatches: workflow runs queued or in progress, never completed ones', async () => {
  assert.equal(await scm.countPendingWorkflowRuns(), 0);
  gh.state.workflowRuns.push(
    { id: 11, name: 'run', status: 'queued', event: 'workflow_dispatch' },
    { id: 12, name: 'run', status: 'in_progress', event: 'workflow_dispatch' },
    { id: 13, name: 'run', status: 'queued', event: 'workflow_dispatch' },
    { id: 14, name: 'run', status: 'completed', event: 'workflow_dispatch' },
  );
  try {
    assert.equal(await scm.countPendingWorkflowRuns(), 3);
  } finally {
    gh.state.workflowRuns.length = 0;
  }
});
